"""Stored files follow the rows that point at them."""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def delete_after_commit(names, storage=None) -> None:
    """Delete these stored files once the current transaction commits.

    A replaced or removed document goes only when the change that dropped it is
    saved: a rolled-back change still finds its file. Outside a transaction the
    files go right away.
    """
    names = [name for name in names if name]
    if not names:
        return
    storage = storage or default_storage

    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete the replaced file %s", name)

    transaction.on_commit(delete, robust=True)


def referenced_file_names() -> set[str]:
    """Every file name a FileField of any model points at."""
    from django.apps import apps
    from django.db.models import FileField

    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and field.concrete:
                names.update(
                    model._default_manager.exclude(**{field.name: ""})
                    .values_list(field.name, flat=True)
                )
    names.discard(None)
    return names


def stored_file_names(storage=None, directory: str = "") -> list[str]:
    """Every file under `directory` of the storage, as storage names."""
    storage = storage or default_storage
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" if directory else name for name in files]
    for sub in directories:
        names += stored_file_names(storage, f"{directory}/{sub}" if directory else sub)
    return names
