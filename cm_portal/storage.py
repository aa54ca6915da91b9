"""Stored files (consent scans, rendered PDFs) where every web and worker host reaches them.

The default is PostgreSQL itself, through django-dbfiles (one ``db_file`` table of
``bytea``): cases and their files are in one database, so one ``pg_dump`` backs up both,
a file written in a transaction that rolls back is gone with it, and a retention deletion
removes rows and files in one transaction. An S3-compatible object store is the other
choice for large installations (``FILE_STORAGE=s3``, django-storages); a local folder
(``FILE_STORAGE=filesystem``) suits one box only.

Files here are small (a scan is at most 10 MB, a PDF a few hundred kB) and read whole by the
permission-checked download views, never served by URL.
"""

from __future__ import annotations

from typing import Any

from dbfiles.models import DBFile
from dbfiles.storage import DBStorage
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage


class DatabaseStorage(DBStorage):
    """django-dbfiles' storage, with Django's contract for a missing file
    (``FileNotFoundError``, as ``FileSystemStorage`` raises) and uploads read in chunks."""

    # Writes and deletions take part in the caller's transaction (see ``is_transactional``).
    transactional = True

    def _open(self, name: str, mode: str = "rb") -> File:
        content = DBFile.objects.filter(name=name).values_list("content", flat=True).first()
        if content is None:
            raise FileNotFoundError(name)
        return ContentFile(bytes(content), name=name)

    def _save(self, name: str, content: Any) -> str:
        # Storage.save has picked a free name already; chunks() starts from the beginning.
        data = b"".join(content.chunks())
        DBFile.objects.create(name=name, content=data)
        return name

    def size(self, name: str) -> int:
        size = DBFile.objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size


def is_transactional(storage: Storage) -> bool:
    """True when the storage writes in the database transaction: a deletion there is undone
    by a rollback, so it may happen before the commit instead of after it."""
    return getattr(storage, "transactional", False)
