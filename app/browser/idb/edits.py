"""Edits of stored records, each one transaction: a record changed by a rule (app/core/rules.py),
previews linked, a lost Blob put back, new bytes, moves, deletions (with what they take along)."""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from app.core.rules import change_totals, deletion, takes_preview, totals

from ..jsconv import settle, to_js_record, to_py_record
from .moves import Deletion, Move
from .requests import bump, destroy, handler


class Edits:
    async def update_record(self, store: str, key: str, change):
        tx = await self._tx([store], "readwrite")
        records = tx.objectStore(store)
        written = []

        def got(event):
            old = to_py_record(event.target.result)
            new = change(old) if old is not None else None
            if new is not None:
                records.put(to_js_record(new))
                written.append(new)

        with handler(got) as on_record:
            records.get(key).onsuccess = on_record
            await self._commit(tx)
        return written[0] if written else None

    async def attach_thumbnails(self, items: list, finished: set[str] = frozenset()) -> list[bool]:
        """(parent ref, thumbnail metadata, Blob) items in one transaction; each is stored and
        linked unless its parent is gone or has a preview already (a provider's, or one made here),
        in its parent's project as the transaction finds it (``meta`` is updated)."""
        tx = await self._tx(["assets", "blobs", "projects"], "relaxed")
        assets, blobs, projects = (tx.objectStore(n) for n in ("assets", "blobs", "projects"))
        attached = [False] * len(items)
        pending = [len(items)]
        handlers: list = []

        def got_parent(event, index):
            parent = event.target.result
            parent_ref, meta, _ = items[index]
            if parent is not None:
                unmark = parent_ref in finished and js.Reflect.deleteProperty(parent, "pending")
                if takes_preview(to_py_record(parent)):
                    parent.thumbnailRef = meta["ref"]
                    meta["projectId"] = str(parent.projectId)  # moved since the preview was made
                    assets.put(to_js_record(meta))
                    attached[index] = True
                if attached[index] or unmark:
                    assets.put(parent)
            if not attached[index]:
                blobs.delete(meta["ref"])
            pending[0] -= 1
            if pending[0] == 0:
                bump(projects, totals([m for (_, m, _), ok in zip(items, attached) if ok]), handlers=handlers)

        for _, meta, blob in items:  # Blobs before any other request: see SaveBatch.add (WebKit)
            blobs.put(blob, meta["ref"])
        for index, (parent_ref, _, _) in enumerate(items):
            handlers.append(create_proxy(lambda event, index=index: got_parent(event, index)))
            assets.get(parent_ref).onsuccess = handlers[-1]
        try:
            await self._commit(tx)
        finally:
            destroy(handlers)
        return attached

    async def put_missing_blob(self, ref: str, blob) -> str | None:
        # Looked at first in a transaction of its own: in the write, the Blob must be the first
        # request (see SaveBatch.add, WebKit). A restore by another tab in between writes the
        # same checked bytes.
        tx = await self._tx(["assets", "blobs"])
        meta, key = (self._guard(settle(tx.objectStore("assets").get(ref))),
                     self._guard(settle(tx.objectStore("blobs").getKey(ref))))
        meta, key = await meta, await key
        if meta is None or key is not None:
            return None
        tx = await self._tx(["assets", "blobs"], "readwrite")
        assets, blobs = tx.objectStore("assets"), tx.objectStore("blobs")
        found: list = []

        def got_meta(event):
            if event.target.result is None:  # deleted meanwhile: no orphan Blob
                blobs.delete(ref)
            else:
                found.append(str(event.target.result.projectId))

        blobs.put(blob, ref)
        with handler(got_meta) as on_meta:
            assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return found[0] if found else None

    async def replace_blob(self, meta: dict, blob):
        tx = await self._tx(["assets", "blobs", "projects"], "readwrite")
        assets, blobs, projects = (tx.objectStore(n) for n in ("assets", "blobs", "projects"))
        ref = meta["ref"]
        dropped: list[str] = []
        handlers: list = []

        def swapped(old, thumb=None) -> None:
            if thumb is not None:  # the old bytes' preview goes with them
                assets.delete(thumb["ref"])
                blobs.delete(thumb["ref"])
                dropped.append(thumb["ref"])
            bump(projects, change_totals([meta], [old] + ([thumb] if thumb else [])),
                 updated_at={meta["projectId"]: meta["replacedAt"]}, handlers=handlers)

        def got_meta(event):
            old = to_py_record(event.target.result)
            if old is None:  # deleted meanwhile: no orphan Blob
                blobs.delete(ref)
                return
            dropped.append(ref)
            assets.put(to_js_record(meta))
            along, _ = deletion(old)  # the old bytes' preview goes with them
            for thumb in along:
                on_thumb = create_proxy(lambda e: swapped(old, to_py_record(e.target.result)))
                handlers.append(on_thumb)
                assets.get(thumb).onsuccess = on_thumb
            if not along:
                swapped(old)

        blobs.put(blob, ref)  # the Blob first: see SaveBatch.add (WebKit)
        with handler(got_meta) as on_meta:
            assets.get(ref).onsuccess = on_meta
            try:
                await self._commit(tx)
            finally:
                destroy(handlers)
        return dropped[1:] if dropped else None

    async def move_assets(self, refs: list[str], project_id: str, change, updated_at: int):
        tx = await self._tx(["assets", "projects"], "readwrite")
        move = Move(tx, list(dict.fromkeys(refs)), project_id, change, updated_at)
        try:
            move.start()
            await self._commit(tx)
        finally:
            destroy(move.handlers)
        return move.outcome if move.there else None

    async def delete_asset(self, ref: str):
        tx = await self._tx(["assets", "blobs", "projects"], "readwrite")
        doing = Deletion(tx, ref)
        try:
            await self._commit(tx)
        finally:
            destroy(doing.handlers)
        return [m["ref"] for m in doing.dropped] or None

    async def delete_project(self, project_id: str):
        tx = await self._tx(["projects", "assets", "blobs"], "readwrite")
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

        with handler(got_project) as on_project, handler(got_assets) as on_assets:
            projects.get(project_id).onsuccess = on_project
            await self._commit(tx)
        return outcome[0] if outcome else None

