"""IndexedDB store: projects, asset metadata and Blobs in separate object stores.

    store = await IdbStore.open()
    await store.add_assets([(meta, blob_js)], project)

Listing reads only the ``assets`` store, never Blob data. Every write is one transaction with
strict durability (Chrome 121+ defaults to relaxed, which can lose a commit in a crash). Requests
of a transaction are issued synchronously, or chained inside IndexedDB's own callbacks: an await
in Python lets the transaction auto-commit before the next request.
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from app.core.errors import QuotaExceededError, StorageUnavailableError
from app.core.schema import DB_NAME, DB_VERSION, MIGRATIONS

from .jsconv import DomError, settle, to_js_record, to_py_record

_STRICT = js.JSON.parse('{"durability": "strict"}')


async def _quota_message() -> str:
    try:
        estimate = await js.navigator.storage.estimate()
        used, quota = estimate.usage / 2**20, estimate.quota / 2**20
        return (f"Browser storage is full ({used:.0f} MB used of {quota:.0f} MB allowed for this site). "
                "Delete projects you no longer need, or export and then delete them, and try again.")
    except Exception:
        return "Browser storage is full. Delete projects you no longer need and try again."


class IdbStore:
    def __init__(self, db_js):
        self.db = db_js
        self.on_version_change = None
        self._adds: list = []

    @classmethod
    async def open(cls, name: str = DB_NAME) -> "IdbStore":
        try:
            request = js.indexedDB.open(name, DB_VERSION)
        except Exception as err:
            raise StorageUnavailableError(f"IndexedDB cannot be opened here ({err}).") from None

        def upgrade(event):
            db, tx = request.result, request.transaction
            for version, steps in MIGRATIONS:
                if event.oldVersion < version:
                    for step in steps:
                        _apply(db, tx, step)

        upgrade_proxy = create_proxy(upgrade)
        request.onupgradeneeded = upgrade_proxy
        try:
            db = await settle(request)
        except DomError as err:
            raise StorageUnavailableError(
                f"The vault's database could not be opened ({err.name}: {err.message}). "
                "Private windows and some browser settings block storage.") from None
        finally:
            request.onupgradeneeded = None
            upgrade_proxy.destroy()
        store = cls(db)

        def version_change(_event):
            db.close()  # let the newer tab upgrade; this tab must reload
            if store.on_version_change:
                store.on_version_change()

        store._version_proxy = create_proxy(version_change)
        db.onversionchange = store._version_proxy
        return store

    # -- transactions ---------------------------------------------------------------------

    def _tx(self, stores: list[str], mode: str = "readonly"):
        if mode == "readwrite":
            return self.db.transaction(js.Array.of(*stores), mode, _STRICT)
        return self.db.transaction(js.Array.of(*stores), mode)

    async def _commit(self, tx) -> None:
        try:
            await settle(tx, ok="oncomplete", fail="onerror", also_fail="onabort", value=lambda: None)
        except DomError as err:
            if err.name == "QuotaExceededError":
                raise QuotaExceededError(await _quota_message()) from None
            if err.name == "ConstraintError":
                raise _Conflict() from None
            raise StorageUnavailableError(f"The browser refused to store this ({err.name}: {err.message}).") from None

    async def _read(self, store: str, call) -> object:
        tx = self._tx([store])
        return await settle(call(tx.objectStore(store)))

    # -- projects -------------------------------------------------------------------------

    async def put_project(self, record: dict) -> None:
        tx = self._tx(["projects"], "readwrite")
        tx.objectStore("projects").put(to_js_record(record))
        await self._commit(tx)

    async def get_project(self, project_id: str):
        return to_py_record(await self._read("projects", lambda s: s.get(project_id)))

    async def list_projects(self) -> list[dict]:
        return to_py_record(await self._read("projects", lambda s: s.getAll())) or []

    # -- assets ---------------------------------------------------------------------------

    async def list_assets(self, project_id: str | None, kind: str | None = None) -> list[dict]:
        if project_id is None:
            rows = to_py_record(await self._read("assets", lambda s: s.getAll())) or []
            return sorted(rows, key=lambda m: (m["createdAt"], m["ref"]))
        if kind is None:
            index, lower, upper = "byProject", [project_id], [project_id, []]
        else:
            index, lower, upper = "byProjectKind", [project_id, kind], [project_id, kind, []]
        # [] sorts after every number and string in IndexedDB key order: the range's top.
        key_range = js.IDBKeyRange.bound(to_js_record(lower), to_js_record(upper))
        return to_py_record(await self._read("assets", lambda s: s.index(index).getAll(key_range))) or []

    async def get_meta(self, ref: str):
        return to_py_record(await self._read("assets", lambda s: s.get(ref)))

    async def get_blob(self, ref: str):
        return to_py_record(await self._read("blobs", lambda s: s.get(ref)))

    async def get_blobs(self, refs: list[str]) -> dict:
        tx = self._tx(["blobs"])
        store = tx.objectStore("blobs")
        requests = [(ref, store.get(ref)) for ref in refs]  # all issued before the first await
        await settle(tx, ok="oncomplete", fail="onerror", also_fail="onabort", value=lambda: None)
        found = {ref: to_py_record(request.result) for ref, request in requests}
        return {ref: blob for ref, blob in found.items() if blob is not None}

    async def add_assets(self, entries, project) -> None:
        tx = self._tx(["assets", "blobs", "projects"], "readwrite")
        assets, blobs = tx.objectStore("assets"), tx.objectStore("blobs")
        for meta, blob in entries:
            assets.put(to_js_record(meta))
            blobs.put(blob, meta["ref"])
        if project is not None:
            tx.objectStore("projects").put(to_js_record(project))
        await self._commit(tx)

    def add_to_project(self, project_id: str, entries, updated_at: int):
        """Entries are (ref, metadata or a future of it, Blob). Saves that arrive in the same turn of the event loop share one transaction. Chromium
        runs overlapping write transactions one after another, each waiting on this thread for
        its events, so 40 concurrent saves as 40 transactions took 3x as long as one."""
        future = asyncio.get_event_loop().create_future()
        self._adds.append((project_id, entries, updated_at, future))
        if len(self._adds) == 1:
            asyncio.get_event_loop().call_soon(lambda: asyncio.ensure_future(self._flush_adds()))
        return future

    async def _flush_adds(self) -> None:
        batch, self._adds = self._adds, []
        try:
            found = await self._add_batch(batch)
        except Exception as err:
            if len(batch) == 1:
                batch[0][3].set_exception(err)
                return
            # Alone, each save succeeds or fails on its own (some may fit in the quota).
            for item in batch:
                try:
                    item[3].set_result((await self._add_batch([item]))[0])
                except Exception as one_err:
                    item[3].set_exception(one_err)
            return
        for item, ok in zip(batch, found):
            item[3].set_result(ok)

    async def _add_batch(self, batch) -> list[bool]:
        """One transaction: the Blobs' writes start at once, beside the reads of their projects;
        metadata follows when both are in and every sniff is done. Blobs of entries whose project
        is gone or whose bytes are not media are deleted again before the commit."""
        tx = self._tx(["assets", "blobs", "projects"], "readwrite")
        projects, assets, blobs = (tx.objectStore(n) for n in ("projects", "assets", "blobs"))
        wanted = {}
        for project_id, _, updated_at, _ in batch:
            wanted[project_id] = max(updated_at, wanted.get(project_id, 0))
        entries = [(project_id, entry) for project_id, items, _, _ in batch for entry in items]
        existing = {}
        pending = [len(wanted) + len(entries)]

        def got_project(event):
            project = event.target.result
            if project is not None:
                existing[str(project.id)] = project
            arrived(None)

        def arrived(_event):
            pending[0] -= 1
            if pending[0] == 0:
                finish(None)

        def finish(_event):
            if not all(_ready(meta) for _, (_, meta, _) in entries):
                projects.count().onsuccess = on_wait  # keeps the transaction open for the sniffs
                return
            for project_id, project in existing.items():
                project.updatedAt = wanted[project_id]
                projects.put(project)
            for project_id, (ref, meta, _) in entries:
                record = _value(meta)
                if record is None or project_id not in existing:
                    blobs.delete(ref)
                else:
                    assets.put(to_js_record(record))

        with _handler(got_project) as on_project, _handler(arrived) as on_blob, _handler(finish) as on_wait:
            for project_id in wanted:
                projects.get(project_id).onsuccess = on_project
            for _, (ref, _, blob) in entries:
                blobs.put(blob, ref).onsuccess = on_blob
            await self._commit(tx)
        return [project_id in existing for project_id, *_ in batch]

    async def import_project(self, project: dict, entries) -> bool:
        # add(), not put(): an ID that exists already aborts the whole transaction.
        tx = self._tx(["projects", "assets", "blobs"], "readwrite")
        tx.objectStore("projects").add(to_js_record(project))
        assets, blobs = tx.objectStore("assets"), tx.objectStore("blobs")
        for meta, blob in entries:
            assets.add(to_js_record(meta))
            blobs.add(blob, meta["ref"])
        try:
            await self._commit(tx)
        except _Conflict:
            return False
        return True

    async def set_crc(self, ref: str, crc: int) -> bool:
        tx = self._tx(["assets"], "readwrite")
        assets = tx.objectStore("assets")
        done = []

        def got(event):
            meta = event.target.result
            if meta is not None:
                meta.crc32 = crc
                assets.put(meta)
                done.append(True)

        with _handler(got) as on_meta:
            assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return bool(done)

    async def attach_thumbnail(self, parent_ref: str, meta: dict, blob) -> bool:
        tx = self._tx(["assets", "blobs"], "readwrite")
        assets = tx.objectStore("assets")
        attached = []

        def got_parent(event):
            parent = event.target.result
            if parent is None or parent.thumbnailRef:
                return  # gone, or given a preview meanwhile (a provider's, or one made here)
            parent.thumbnailRef = meta["ref"]
            assets.put(parent)
            assets.put(to_js_record(meta))
            tx.objectStore("blobs").put(blob, meta["ref"])
            attached.append(True)

        with _handler(got_parent) as on_parent:
            assets.get(parent_ref).onsuccess = on_parent
            await self._commit(tx)
        return bool(attached)

    async def delete_asset(self, ref: str):
        tx = self._tx(["assets", "blobs"], "readwrite")
        assets, blobs = tx.objectStore("assets"), tx.objectStore("blobs")
        freed = {}

        def drop(meta) -> None:
            assets.delete(meta["ref"])
            blobs.delete(meta["ref"])
            freed["count"] = freed.get("count", 0) + 1
            freed["bytes"] = freed.get("bytes", 0) + meta["size"]

        def got_thumb(event):
            thumb = to_py_record(event.target.result)
            if thumb is not None:
                drop(thumb)

        def unlink_parent(event):
            parent = event.target.result
            if parent is not None:
                parent.thumbnailRef = None
                assets.put(parent)

        def got_meta(event):
            meta = to_py_record(event.target.result)
            if meta is None:
                return
            drop(meta)
            if meta.get("thumbnailRef"):
                assets.get(meta["thumbnailRef"]).onsuccess = on_thumb
            if meta["role"] == "thumbnail" and meta["params"].get("thumbnailOf"):
                assets.get(meta["params"]["thumbnailOf"]).onsuccess = on_parent

        with _handler(got_meta) as on_meta, _handler(got_thumb) as on_thumb, \
                _handler(unlink_parent) as on_parent:
            assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return (freed["count"], freed["bytes"]) if freed else None

    async def delete_project(self, project_id: str):
        tx = self._tx(["projects", "assets", "blobs"], "readwrite")
        projects, assets, blobs = (tx.objectStore(n) for n in ("projects", "assets", "blobs"))
        outcome = []

        def got_assets(event):
            rows = to_py_record(event.target.result) or []
            for meta in rows:
                assets.delete(meta["ref"])
                blobs.delete(meta["ref"])
            projects.delete(project_id)
            outcome.append((len(rows), sum(m["size"] for m in rows)))

        def got_project(event):
            if event.target.result is None:
                return
            key_range = js.IDBKeyRange.bound(to_js_record([project_id]), to_js_record([project_id, []]))
            assets.index("byProject").getAll(key_range).onsuccess = on_assets

        with _handler(got_project) as on_project, _handler(got_assets) as on_assets:
            projects.get(project_id).onsuccess = on_project
            await self._commit(tx)
        return outcome[0] if outcome else None


class _Conflict(Exception):
    """A key that must be new exists already."""


def _ready(meta) -> bool:
    return isinstance(meta, dict) or meta.done()


def _value(meta) -> dict | None:
    """A metadata record, or None for an entry whose sniffing failed (the caller raises that)."""
    if isinstance(meta, dict):
        return meta
    return None if meta.cancelled() or meta.exception() is not None else meta.result()


class _handler:
    """A JS callback proxy that lives for one transaction."""

    def __init__(self, fn):
        self.proxy = create_proxy(fn)

    def __enter__(self):
        return self.proxy

    def __exit__(self, *exc):
        self.proxy.destroy()


def _apply(db, tx, step: dict) -> None:
    op = step["op"]
    if op == "createStore":
        options = {"keyPath": step["keyPath"]} if step.get("keyPath") else {}
        db.createObjectStore(step["store"], to_js_record(options))
    elif op == "createIndex":
        tx.objectStore(step["store"]).createIndex(step["index"], to_js_record(step["keyPath"]))
    elif op == "deleteIndex":
        tx.objectStore(step["store"]).deleteIndex(step["index"])
    else:
        raise ValueError(f"unknown migration step {op!r}")
