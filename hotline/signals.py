"""Keep the search index in step with the catalogue (search indexing only; no business flow here)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from policies.models import Measure

from . import search
from .models import DictionaryWord, SearchEntry, SearchSynonym

_table_ready = False


def _index_table_exists() -> bool:
    """False while migrations have not created the index yet (a data migration saving measures)."""
    global _table_ready
    if not _table_ready:
        _table_ready = SearchEntry._meta.db_table in connection.introspection.table_names()
    return _table_ready


@receiver(post_save, sender=Measure, dispatch_uid="hotline_index_measure")
def index_saved_measure(sender: type[Measure], instance: Measure, raw: bool = False, **kwargs: Any) -> None:
    # Fixtures (raw saves) are indexed too: the fields the index reads are all on the row itself.
    if _index_table_exists():
        search.index_measure(instance)


@receiver(post_save, sender=DictionaryWord, dispatch_uid="hotline_word_saved")
@receiver(post_delete, sender=DictionaryWord, dispatch_uid="hotline_word_deleted")
@receiver(post_save, sender=SearchSynonym, dispatch_uid="hotline_synonym_saved")
@receiver(post_delete, sender=SearchSynonym, dispatch_uid="hotline_synonym_deleted")
def vocabulary_changed(sender: type, **kwargs: Any) -> None:
    # Documents are cut with the dictionary, so a changed dictionary means re-cutting them; once the
    # change (or the whole fixture load) commits, one pass re-indexes every stale entry.
    search.bump(search.VOCABULARY)
    search.reindex_after_commit()


@receiver(post_delete, sender=Measure, dispatch_uid="hotline_measure_deleted")
def measure_deleted(sender: type[Measure], instance: Measure, **kwargs: Any) -> None:
    # The entry went with the measure (cascade); other processes must drop it from their caches.
    if _index_table_exists():
        search.bump(search.INDEX)
