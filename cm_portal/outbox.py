"""A transactional outbox for Celery tasks: a job asked for in a transaction is never lost.

``enqueue`` writes an ``OutboxMessage`` row in the caller's transaction, so the job commits
or rolls back with the change that needs it. After the commit ``flush`` publishes it with a
short, bounded attempt; with the broker down the request still answers at once (Celery
#4296: a plain ``.delay()`` can block for a long time) and the row waits for the beat task
``cm_portal.tasks.flush_outbox`` (every minute, and at worker start).

A row may be published twice (the publish succeeded but marking it failed, or two flushes
raced around a crash): every task sent through here must be idempotent, which the
recomputations are (they rebuild derived rows from the case data).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .celery import app
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# One publish may take this long at most, connecting included (seconds).
PUBLISH_TIMEOUT = 1.0
# After a failed flush on commit, later commits in this process skip the attempt for this
# long (seconds), so a broker outage does not cost every save a timeout; beat keeps trying.
BROKER_DOWN_PAUSE = 10.0
# Published rows are kept this long for inspection, then removed by the beat task.
KEEP_PUBLISHED = timedelta(days=7)

_paused_until = 0.0


def enqueue(task_name: str, *args: Any, dedupe_key: str = "", queue: str = "") -> int:
    """Ask for ``task_name(*args)`` once the current transaction commits; returns the row id.

    Call inside the service's ``transaction.atomic``. With a ``dedupe_key`` a pending row with
    that key is reused and held locked until this transaction ends, so a flush cannot publish
    it before the change that asked for it is visible to the worker.
    """
    now = timezone.now()
    values = {
        "task_name": task_name,
        "args": list(args),
        "queue": queue,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "requested_at": now,
    }
    # Its own atomic block too, so a call outside any transaction (a script) also works; in
    # the service's transaction no savepoint (two round trips a save): a failure fails it.
    with transaction.atomic(savepoint=False):
        pk = _pending_row(values) if dedupe_key else OutboxMessage.objects.create(**values).pk
        transaction.on_commit(lambda: flush_soon([pk]))
    return pk


def _pending_row(values: dict[str, Any]) -> int:
    """The pending row with this key, locked; a new one if there is none."""
    # Three rounds at most: a failed round means another transaction has just written or
    # published the row, and the next round sees that.
    for _round in range(3):
        pending = OutboxMessage.objects.select_for_update().filter(
            dedupe_key=values["dedupe_key"], published_at__isnull=True
        )
        pk = pending.values_list("pk", flat=True).first()
        if pk is not None:
            OutboxMessage.objects.filter(pk=pk).update(requested_at=values["requested_at"])
            return pk
        try:
            with transaction.atomic():
                return OutboxMessage.objects.create(**values).pk
        except IntegrityError:
            continue  # a concurrent save wrote the pending row first: lock that one
    raise RuntimeError(f"outbox: no pending row for {values['dedupe_key']!r} in three rounds")


def flush_soon(pks: Iterable[int]) -> None:
    """The on-commit step: try to publish these rows now. Never raises, returns in ~1 s."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return
    try:
        if flush(only=pks) is None:
            _paused_until = time.monotonic() + BROKER_DOWN_PAUSE
    except Exception:
        # The change is committed and the row is safe; beat publishes it later.
        logger.exception("outbox: flush after commit failed; the beat task will retry")


def resume() -> None:
    """Forget a broker outage seen by ``flush_soon`` (tests, and a flush that succeeded)."""
    global _paused_until
    _paused_until = 0.0


def flush(*, limit: int = 100, only: Iterable[int] | None = None) -> int | None:
    """Publish pending rows, oldest first; returns how many, or None if the broker failed.

    Rows locked by another flush or by a transaction still running are skipped. On the
    first failure the flush stops: the broker is down and the rest wait for the next one.
    """
    published = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            published_at__isnull=True
        )
        if only is not None:
            pending = pending.filter(pk__in=list(only))
        rows = list(pending.order_by("created_at", "pk")[:limit])
        if not rows:
            return 0
        with _shared_lock:
            for row in rows:
                row.attempts += 1
                row.last_attempt_at = timezone.now()
                try:
                    _publish_shared(row)
                except Exception as error:
                    row.last_error = type(error).__name__[:200]
                    row.save(update_fields=["attempts", "last_attempt_at", "last_error"])
                    logger.warning(
                        "outbox: broker unreachable (%s); %d row(s) wait",
                        row.last_error,
                        len(rows) - published,
                    )
                    return None
                row.published_at = timezone.now()
                row.last_error = ""
                row.save(
                    update_fields=["attempts", "last_attempt_at", "last_error", "published_at"]
                )
                published += 1
    resume()
    return published


# One broker connection per process, kept between flushes: opening one cost about 7 ms a
# save (connect, handshake, channel). Guarded by a lock (a connection is not thread-safe),
# and made anew in a forked child (gunicorn and Celery fork after import), for another
# broker URL, and after any failure.
_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def _shared_connection(*, fresh: bool = False):
    url = app.conf.broker_url
    if _shared and (fresh or _shared["pid"] != os.getpid() or _shared["url"] != url):
        drop_connection()
    if not _shared:
        _shared.update(
            connection=_publishing_connection(app), pid=os.getpid(), url=url, published=False
        )
    return _shared["connection"]


def drop_connection() -> None:
    """Forget the shared connection, closing it if this process opened it."""
    held = dict(_shared)
    _shared.clear()
    if held and held["pid"] == os.getpid():
        # A broken connection is being thrown away anyway.
        with contextlib.suppress(Exception):
            held["connection"].release()


def _publish_shared(row: OutboxMessage) -> None:
    """Publish on the shared connection. One that has worked before may have gone stale
    (the broker restarted): then one more attempt on a new one before giving up."""
    reused = bool(_shared) and _shared["published"]
    try:
        _publish(app, _shared_connection(), row)
    except Exception:
        drop_connection()
        if not reused:
            raise
        _publish(app, _shared_connection(fresh=True), row)
    _shared["published"] = True


def _publishing_connection(app):
    """A connection of its own with short timeouts: the worker's settings stay as they are."""
    options: dict[str, Any] = {"max_retries": 0}
    if app.conf.broker_url.startswith(("redis://", "rediss://")):
        options |= {"socket_connect_timeout": PUBLISH_TIMEOUT, "socket_timeout": PUBLISH_TIMEOUT}
    return app.connection_for_write(connect_timeout=PUBLISH_TIMEOUT, transport_options=options)


def _publish(app, connection, row: OutboxMessage) -> None:
    # retry=True with max_retries=0 makes one attempt that raises at once; retry=False
    # lets redis-py retry the connection with back-off for several seconds.
    options: dict[str, Any] = {"retry": True, "retry_policy": {"max_retries": 0}}
    if row.queue:
        options["queue"] = row.queue
    app.send_task(
        row.task_name, args=row.args, task_id=row.task_id, connection=connection, **options
    )


def purge_published(*, older_than: timedelta = KEEP_PUBLISHED) -> int:
    """Remove rows published longer ago than ``older_than``."""
    cutoff = timezone.now() - older_than
    deleted, _by_model = OutboxMessage.objects.filter(published_at__lt=cutoff).delete()
    return deleted
