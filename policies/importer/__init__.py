"""Import a policy document (公文) into measures, without Django.

`import_file(path)` or `import_text(text)` reads a document, returns an `ImportResult` with the
header (文号, title, issuer, date), the measures split by the document's own numbering with
their texts and responsible units, and the warnings: every correction the importer applied and
everything it could not read. Nothing is saved here; the `import_document` command and the admin
page show the result to an official and save it as drafts.
"""

from policies.importer.core import ImportResult, import_file, import_lines, import_text
from policies.importer.model import DocumentHeader, ImportedMeasure, ImportWarning
from policies.importer.units import KnownUnit, UnitMatch, match_units

__all__ = [
    "DocumentHeader",
    "ImportResult",
    "ImportWarning",
    "ImportedMeasure",
    "KnownUnit",
    "UnitMatch",
    "import_file",
    "import_lines",
    "import_text",
    "match_units",
]
