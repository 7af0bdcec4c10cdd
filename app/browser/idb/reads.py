"""Reads: projects, records and Blobs, many at a time in one transaction; never a Blob's bytes."""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy, to_js

from app.core.errors import StorageUnavailableError

from ..jsconv import DomError, settle, to_js_record, to_py_record
from .requests import BLOB_SLICE, GET_SLICE, destroy, result_of


class Reads:
    async def get_project(self, project_id: str):
        return to_py_record(await self._read("projects", lambda s: s.get(project_id)))

    async def list_projects(self) -> list[dict]:
        return to_py_record(await self._read("projects", lambda s: s.getAll())) or []

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

    async def list_assets_from(self, project_id: str, after: int | None, count: int) -> list[dict]:
        lower = [project_id] if after is None else [project_id, after]
        key_range = js.IDBKeyRange.bound(to_js_record(lower), to_js_record([project_id, []]))
        return to_py_record(await self._read("assets", lambda s: s.index("byProject").getAll(key_range, count))) or []

    async def get_meta(self, ref: str):
        return to_py_record(await self._read("assets", lambda s: s.get(ref)))

    async def get_metas(self, refs: list[str]) -> dict:
        found = to_py_record(await self._get_many("assets", refs))  # one conversion for the lot
        return {ref: meta for ref, meta in zip(refs, found) if meta is not None}

    async def get_blob(self, ref: str):
        return to_py_record(await self._read("blobs", lambda s: s.get(ref)))

    async def get_blobs(self, refs: list[str]) -> dict:
        requests = await self._get_requests("blobs", refs)
        result = result_of()
        out = {}
        # A slice at a time: a request's result is made when first read (a Blob object each), and
        # reading 20,000 of them, then taking them across the FFI, was one 0.2-0.5 s task (an export's).
        for start in range(0, len(refs), BLOB_SLICE):
            if start:
                await asyncio.sleep(0)
            found = requests.slice(start, start + BLOB_SLICE).map(result)  # a Blob crosses as it is
            out.update((ref, blob) for ref, blob in zip(refs[start:start + BLOB_SLICE], found) if blob is not None)
        return out

    async def _get_many(self, store_name: str, keys: list[str]):
        """The values of many keys in one transaction, as a JS array (undefined, or null once
        converted, where a key has none)."""
        return (await self._get_requests(store_name, keys)).map(result_of())

    async def _get_requests(self, store_name: str, keys: list[str]):
        """A get request per key, in one read-only transaction awaited to its end. The requests
        are made by JS's own Array.map, GET_SLICE at a time: the next slice from the success
        event of the first request of the one before (the transaction stays active in its
        events, and the reads never run dry). Making 20,000 at once held the page ~0.2 s."""
        js_keys = to_js(keys)
        handlers = []

        def issue(store):
            get, requests = store.get.bind(store), js.Array.new()

            def more(_event=None):
                # get(key, index, array): the extras are ignored
                made = js_keys.slice(requests.length, requests.length + GET_SLICE).map(get)
                requests.push.apply(requests, made)
                if requests.length < js_keys.length:
                    made[0].onsuccess = next_slice
            next_slice = create_proxy(more)
            handlers.append(next_slice)
            more()
            return requests
        try:
            return await self._in_one_read(store_name, issue)
        finally:
            destroy(handlers)

    async def _in_one_read(self, store_name: str, issue):
        """issue(object store)'s requests (returned as they are), in a read-only transaction
        awaited to its end."""
        for attempt in (1, 2):
            tx = await self._tx([store_name])
            requests = issue(tx.objectStore(store_name))
            try:
                await self._guard(settle(tx, ok="oncomplete", fail="onerror", also_fail="onabort", value=lambda: None))
                return requests
            except DomError as err:
                if attempt == 2:  # see _read
                    raise StorageUnavailableError(f"The browser could not read the vault's storage ({err}).") from None
                await self._close_event()

    async def list_pending(self) -> list[dict]:
        return to_py_record(await self._read("assets", lambda s: s.index("byPending").getAll())) or []

    async def get_setting(self, key: str):
        return to_py_record(await self._read("settings", lambda s: s.get(key)))

    async def list_backup(self, state: str, limit: int | None) -> list[dict]:
        key = js.IDBKeyRange.only(state)
        found = await self._read("assets", lambda s: s.index("byBackup").getAll(key, limit) if limit
                                 else s.index("byBackup").getAll(key))
        return to_py_record(found) or []

    async def count_backup(self) -> dict:
        tx = await self._tx(["assets"])
        index = tx.objectStore("assets").index("byBackup")
        # Every handler is attached before the first await: a request that finishes while another
        # is awaited would otherwise fire before anyone listens.
        counts = {state: self._guard(settle(index.count(js.IDBKeyRange.only(state)))) for state in ("queued", "uploaded", "failed")}
        return {state: int(await request) for state, request in counts.items()}

    async def backup_by_project(self) -> dict[str, dict]:
        tx = await self._tx(["assets"])
        index = tx.objectStore("assets").index("byBackup")
        requests = {state: self._guard(settle(index.getAll(js.IDBKeyRange.only(state)))) for state in ("queued", "failed")}
        out: dict[str, dict] = {}
        for state, request in requests.items():
            for meta in to_py_record(await request) or []:
                out.setdefault(meta["projectId"], {"queued": 0, "failed": 0})[state] += 1
        return out

    async def bytes_queued(self) -> int:
        sizes = to_py_record(await self._read("assets", lambda s: s.index("byBackup").getAll(js.IDBKeyRange.only("queued"))))
        return sum(m["size"] for m in sizes or [])
