"""Saves in one IndexedDB transaction, begun in the call that makes the first of them.

    batch = SaveBatch(tx, on_done, on_stall)  # tx: read-write over assets, blobs and projects
    batch.add(item)                    # item: (project_id, [(ref, meta or its future, blob)], updated_at, future)
    # ... more saves while the transaction is active (the same turn of the event loop) ...
    # on commit: each item's future gets whether its project was there; on failure on_done(batch, DomError)

The Blobs' writes start as each save is made, beside the reads of their projects; metadata
follows when both are in and every sniff is done. Blobs of entries whose project is gone or
whose bytes are not media are deleted again before the commit. Chromium runs overlapping
write transactions one after another, each waiting on this thread for its events, so 40
concurrent saves as 40 transactions took 3x as long as one; and a save that waited a turn of
the event loop for others to join it waited ~1 ms for nothing when it came alone.
"""

from __future__ import annotations

from pyodide.ffi import create_proxy

from app.core.rules import totals

from .jsconv import DomError, to_js_record
from .tx_end import watch


class SaveBatch:
    def __init__(self, tx, on_failed, on_stall):
        self.tx = tx
        self.projects, self.assets, self.blobs = (tx.objectStore(n) for n in ("projects", "assets", "blobs"))
        self.items: list = []
        self.open = True  # until the metadata is written, or the turn that made it ends
        self.done = False  # committed or failed
        self._on_failed = on_failed
        self._wanted: dict[str, int] = {}  # project ID -> its new updatedAt
        self._existing: dict = {}
        self._pending = 0
        self._proxies = [create_proxy(f) for f in (self._got_project, self._arrived, self._finish)]
        self._on_project, self._on_blob, self._on_wait = self._proxies
        watch(tx, self._committed, self._failed, on_stall)

    def add(self, item) -> None:
        """Issues the item's requests; raises (TransactionInactiveError) once the transaction
        has left the turn that made it, and then nothing of the item was issued."""
        project_id, entries, updated_at, _ = item
        # The Blobs first: WebKit, where it refuses Blobs (private browsing), aborts a transaction
        # whose first request is the refused Blob, but one that made any request before it
        # never ends, and every later transaction of the origin waits behind it (a hung vault).
        for ref, _meta, blob in entries:
            self.blobs.put(blob, ref).onsuccess = self._on_blob
            self._pending += 1
        if project_id not in self._wanted:
            self.projects.get(project_id).onsuccess = self._on_project
            self._pending += 1
        self._wanted[project_id] = max(updated_at, self._wanted.get(project_id, 0))
        self.items.append(item)

    def close(self) -> None:
        self.open = False

    def release(self) -> None:
        self.done = True
        for proxy in self._proxies:
            proxy.destroy()
        self._proxies = []

    def _got_project(self, event) -> None:
        project = event.target.result
        if project is not None:
            self._existing[str(project.id)] = project
        self._arrived(None)

    def _arrived(self, _event) -> None:
        self._pending -= 1
        if self._pending == 0:
            self._finish(None)

    def _finish(self, _event) -> None:
        self.open = False  # a save joining after this would not have its metadata written
        entries = [(project_id, entry) for project_id, items, _, _ in self.items for entry in items]
        if not all(_ready(meta) for _, (_, meta, _) in entries):
            self.projects.count().onsuccess = self._on_wait  # keeps the transaction open for the sniffs
            return
        stored = []
        for project_id, (ref, meta, _) in entries:
            record = _value(meta)
            if record is None or project_id not in self._existing:
                self.blobs.delete(ref)
            else:
                self.assets.put(to_js_record(record))
                stored.append(record)
        deltas = totals(stored)
        for project_id, project in self._existing.items():
            count, size = deltas.get(project_id, (0, 0))
            project.updatedAt = self._wanted[project_id]
            project.assetCount = int(project.assetCount or 0) + count
            project.bytes = int(project.bytes or 0) + size
            self.projects.put(project)

    # The savers' futures are settled from the commit's own event: through a task awaiting it,
    # each save took two more turns of the event loop.
    def _committed(self) -> None:
        if self.done:  # given up before it began (see IdbStore._add_in_new)
            return
        self.release()
        items, self.items = self.items, []  # the Blobs are stored: held here no longer
        for (*_, future), ok in zip(items, [project_id in self._existing for project_id, *_ in items]):
            if not future.done():
                future.set_result(ok)

    def _failed(self, err: DomError) -> None:
        if self.done:
            return
        self.release()
        self.open = False
        self._on_failed(self, err)


def _ready(meta) -> bool:
    return isinstance(meta, dict) or meta.done()


def _value(meta) -> dict | None:
    """A metadata record, or None for an entry whose sniffing failed (the caller raises that)."""
    if isinstance(meta, dict):
        return meta
    return None if meta.cancelled() or meta.exception() is not None else meta.result()
