"""A move of records into another project, and a deletion with what it takes along, each as the
requests of one transaction."""

from __future__ import annotations

from pyodide.ffi import create_proxy

from app.core.rules import change_totals, deletion, to_move

from ..jsconv import to_js_record, to_py_record
from .requests import PUT_SLICE, bump


class Move:
    """One move's requests in its transaction: the target project and every record read, then the
    previews of those that move, then (unless one is missing or refused) the puts, a slice per
    request event: 20,000 records put in one event held the page over a second."""

    def __init__(self, tx, refs: list[str], project_id: str, change, updated_at: int):
        self.assets, self.projects = tx.objectStore("assets"), tx.objectStore("projects")
        self.refs, self.project_id, self.change, self.updated_at = refs, project_id, change, updated_at
        self.found: dict[str, dict] = {}
        self.there = False
        self.waiting = len(refs) + 1
        self.outcome: dict = {"moved": [], "missing": [], "refused": []}
        self.handlers: list = []
        self.records: list[dict] = []

    def _on(self, fn):
        proxy = create_proxy(fn)
        self.handlers.append(proxy)
        return proxy

    def start(self) -> None:
        self.projects.get(self.project_id).onsuccess = self._on(self._got_project)
        on_record = self._on(self._got_record)
        for ref in self.refs:
            self.assets.get(ref).onsuccess = on_record

    def _got_project(self, event) -> None:
        self.there = event.target.result is not None
        self._arrived()

    def _got_record(self, event) -> None:
        meta = to_py_record(event.target.result)
        if meta is not None:
            self.found[meta["ref"]] = meta
        self._arrived()

    def _arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self._read_previews()

    def _read_previews(self) -> None:
        self.outcome["missing"] = [ref for ref in self.refs if ref not in self.found]
        if not self.there or self.outcome["missing"]:
            return  # nothing written: the transaction commits empty
        self.moving, previews = to_move(self.found, self.project_id)
        if not previews:
            return self._write()
        self.waiting = len(previews)
        on_preview = self._on(self._got_preview)
        for ref in previews:
            self.assets.get(ref).onsuccess = on_preview

    def _got_preview(self, event) -> None:
        meta = to_py_record(event.target.result)
        if meta is not None:
            self.moving[meta["ref"]] = meta
        self.waiting -= 1
        if self.waiting == 0:
            self._write()

    def _write(self) -> None:
        news = [(old, self.change(old)) for old in self.moving.values()]
        self.outcome["refused"] = [old["ref"] for old, new in news if new is None]
        if self.outcome["refused"] or not news:
            return
        bump(self.projects, change_totals([new for _, new in news], [old for old, _ in news]),
             updated_at={self.project_id: self.updated_at}, handlers=self.handlers)
        self.outcome["moved"] = [(old["projectId"], new) for old, new in news]
        self.records = [new for _, new in news]
        self.next_slice = self._on(lambda _event: self._put_slice())
        self._put_slice()

    def _put_slice(self) -> None:
        request = None
        for new in self.records[:PUT_SLICE]:
            request = self.assets.put(to_js_record(new))
        del self.records[:PUT_SLICE]
        if self.records:
            request.onsuccess = self.next_slice


class Deletion:
    """A record deleted with its Blob, and what it takes along (rules.deletion): a file's preview
    goes too; a preview deleted alone leaves its file without one. The project's counters follow."""

    def __init__(self, tx, ref: str):
        self.assets, self.blobs, self.projects = (tx.objectStore(n) for n in ("assets", "blobs", "projects"))
        self.dropped: list[dict] = []
        self.handlers: list = []
        self.assets.get(ref).onsuccess = self._on(self._got_meta)

    def _on(self, fn):
        proxy = create_proxy(fn)
        self.handlers.append(proxy)
        return proxy

    def _drop(self, meta: dict) -> None:
        self.assets.delete(meta["ref"])
        self.blobs.delete(meta["ref"])
        self.dropped.append(meta)

    def _done(self) -> None:
        bump(self.projects, change_totals(removed=self.dropped), handlers=self.handlers)

    def _got_meta(self, event) -> None:
        meta = to_py_record(event.target.result)
        if meta is None:
            return
        self._drop(meta)
        along, parent = deletion(meta)
        for thumb in along:
            self.assets.get(thumb).onsuccess = self._on(self._got_thumb)
        if not along:
            self._done()
        if parent:
            self.assets.get(parent).onsuccess = self._on(self._unlink_parent)

    def _got_thumb(self, event) -> None:
        thumb = to_py_record(event.target.result)
        if thumb is not None:
            self._drop(thumb)
        self._done()

    def _unlink_parent(self, event) -> None:
        parent = event.target.result
        if parent is not None:
            parent.thumbnailRef = None
            self.assets.put(parent)
