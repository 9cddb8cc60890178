"""Read .txt, .docx and .pdf files into lines of text, with page breaks as "\f" lines.

The formats are read with python-docx and pdfminer.six rather than by hand; this module only
turns what they give into one list of lines for the rest of the importer.
"""

from __future__ import annotations

import io
from pathlib import Path

PAGE_BREAK = "\f"
SUFFIXES = (".txt", ".docx", ".pdf")


class UnsupportedFormat(ValueError):
    pass


def text_lines(text: str) -> list[str]:
    """Split text into lines; a form feed (a page end in PDF extractions) becomes its own PAGE_BREAK line."""
    lines: list[str] = []
    for index, page in enumerate(text.split("\f")):
        if index:
            lines.append(PAGE_BREAK)
        lines.extend(line.rstrip("\r") for line in page.split("\n"))
    return lines


def decode_text(data: bytes) -> str:
    """Decode a plain-text file: UTF-8 (with or without BOM), else GB18030 as Chinese Windows saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnsupportedFormat("文本文件既不是 UTF-8 也不是 GB18030 编码。")


def docx_lines(data: bytes) -> list[str]:
    """The document body's paragraphs, then table cells; page headers and footers are not body text."""
    import docx  # python-docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(paragraph.text for paragraph in cell.paragraphs)
    return lines


def pdf_lines(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return text_lines(extract_text(io.BytesIO(data)))


def read_lines(name: str, data: bytes) -> list[str]:
    """Lines of an uploaded or local file, by its suffix."""
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        return text_lines(decode_text(data))
    reader = {".docx": docx_lines, ".pdf": pdf_lines}.get(suffix)
    if reader is not None:
        try:
            return reader(data)
        except Exception as error:  # noqa: BLE001 - each library raises its own errors for a damaged file
            raise UnsupportedFormat(f"无法读取这个 {suffix} 文件(文件可能已损坏或加密):{error}") from error
    raise UnsupportedFormat(f"不支持的文件格式“{suffix or name}”,请上传 .txt、.docx 或 .pdf 文件。")
