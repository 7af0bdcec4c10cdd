"""Edits of stored records, each one transaction: a record changed by a rule (app/core/rules.py),
previews linked, a lost Blob put back, new bytes, moves, deletions (with what they take along)."""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from app.core.rules import change_totals, deletion, takes_preview, totals

from ..jsconv import settle, to_js_record, to_py_record
from .requests import PUT_SLICE, bump, destroy, handler


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

        def moved(old, thumb) -> None:
            bump(projects, change_totals([meta], [old] + ([thumb] if thumb else [])),
                  updated_at={meta["projectId"]: meta["replacedAt"]}, handlers=handlers)

        def got_thumb(event, old):
            thumb = to_py_record(event.target.result)
            if thumb is not None:
                assets.delete(thumb["ref"])
                blobs.delete(thumb["ref"])
                dropped.append(thumb["ref"])
            moved(old, thumb)

        def got_meta(event):
            old = to_py_record(event.target.result)
            if old is None:  # deleted meanwhile: no orphan Blob
                blobs.delete(ref)
                return
            dropped.append(ref)
            assets.put(to_js_record(meta))
            if old.get("thumbnailRef"):
                on_thumb = create_proxy(lambda e: got_thumb(e, old))
                handlers.append(on_thumb)
                assets.get(old["thumbnailRef"]).onsuccess = on_thumb
            else:
                moved(old, None)

        blobs.put(blob, ref)  # the Blob first: see SaveBatch.add (WebKit)
        with handler(got_meta) as on_meta:
            assets.get(ref).onsuccess = on_meta
            try:
                await self._commit(tx)
            finally:
                destroy(handlers)
        return dropped[1:] if dropped else None

    async def move_assets(self, refs: list[str], project_id: str, change, updated_at: int):
        refs = list(dict.fromkeys(refs))
        tx = await self._tx(["assets", "projects"], "readwrite")
        assets, projects = tx.objectStore("assets"), tx.objectStore("projects")
        found: dict[str, dict] = {}
        there: list[bool] = []
        waiting = [len(refs) + 1]
        outcome: dict = {"moved": [], "missing": [], "refused": []}
        handlers: list = []

        def arrived() -> None:
            waiting[0] -= 1
            if waiting[0] == 0:
                read_previews()

        def got_project(event) -> None:
            there.append(event.target.result is not None)
            arrived()

        def got_record(event) -> None:
            meta = to_py_record(event.target.result)
            if meta is not None:
                found[meta["ref"]] = meta
            arrived()

        def read_previews() -> None:
            outcome["missing"] = [ref for ref in refs if ref not in found]
            if not there[0] or outcome["missing"]:
                return  # nothing written: the transaction commits empty
            moving = {ref: m for ref, m in found.items() if m["projectId"] != project_id}
            previews = {m["thumbnailRef"] for m in moving.values() if m.get("thumbnailRef")} - set(moving)
            if not previews:
                return write(list(moving.values()))
            waiting[0] = len(previews)

            def got_preview(event) -> None:
                meta = to_py_record(event.target.result)
                if meta is not None:
                    moving[meta["ref"]] = meta
                waiting[0] -= 1
                if waiting[0] == 0:
                    write(list(moving.values()))
            on_preview = create_proxy(got_preview)
            handlers.append(on_preview)
            for ref in previews:
                assets.get(ref).onsuccess = on_preview

        def write(olds: list[dict]) -> None:
            news = [(old, change(old)) for old in olds]
            outcome["refused"] = [old["ref"] for old, new in news if new is None]
            if outcome["refused"] or not news:
                return
            bump(projects, change_totals([new for _, new in news], [old for old, _ in news]),
                  updated_at={project_id: updated_at}, handlers=handlers)
            outcome["moved"] = [(old["projectId"], new) for old, new in news]
            records = [new for _, new in news]
            # A slice of puts per request event (the transaction stays active in its own
            # events): 20,000 records put in one event held the page over a second.
            next_slice = create_proxy(lambda _event: put_slice())
            handlers.append(next_slice)

            def put_slice() -> None:
                request = None
                for new in records[:PUT_SLICE]:
                    request = assets.put(to_js_record(new))
                del records[:PUT_SLICE]
                if records:
                    request.onsuccess = next_slice
            put_slice()

        with handler(got_project) as on_project, handler(got_record) as on_record:
            projects.get(project_id).onsuccess = on_project
            for ref in refs:
                assets.get(ref).onsuccess = on_record
            try:
                await self._commit(tx)
            finally:
                destroy(handlers)
        return outcome if there and there[0] else None

    async def delete_asset(self, ref: str):
        tx = await self._tx(["assets", "blobs", "projects"], "readwrite")
        assets, blobs, projects = (tx.objectStore(n) for n in ("assets", "blobs", "projects"))
        dropped: list[dict] = []
        handlers: list = []

        def drop(meta) -> None:
            assets.delete(meta["ref"])
            blobs.delete(meta["ref"])
            dropped.append(meta)

        def done() -> None:
            bump(projects, change_totals(removed=dropped),
                  handlers=handlers)

        def got_thumb(event):
            thumb = to_py_record(event.target.result)
            if thumb is not None:
                drop(thumb)
            done()

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
            along, parent = deletion(meta)
            for thumb in along:
                assets.get(thumb).onsuccess = on_thumb
            if not along:
                done()
            if parent:
                assets.get(parent).onsuccess = on_parent

        with handler(got_meta) as on_meta, handler(got_thumb) as on_thumb, \
                handler(unlink_parent) as on_parent:
            assets.get(ref).onsuccess = on_meta
            try:
                await self._commit(tx)
            finally:
                destroy(handlers)
        return [m["ref"] for m in dropped] or None

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
