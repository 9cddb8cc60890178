"""Which version of the vocabulary and of the index each process's caches were built from.

`SearchState` holds a random token per derived data set; every search reads both tokens (one
indexed query) and reloads a cache whose token changed, so an edit in one process reaches all.
"""

from __future__ import annotations

import uuid

VOCABULARY, INDEX = "vocabulary", "index"


def signatures() -> tuple[str, str]:
    """(vocabulary token, index token): one read of two rows."""
    from hotline.models import SearchState

    tokens = dict(SearchState.objects.values_list("name", "token"))
    return tokens.get(VOCABULARY, ""), tokens.get(INDEX, "")


def bump(name: str) -> None:
    """Mark the vocabulary or the index as changed, for every process."""
    from hotline.models import SearchState

    SearchState.objects.update_or_create(name=name, defaults={"token": uuid.uuid4().hex})
