"""Marks on records written in the background: checksums, the pending mark of owed work, the
backup's marks and its settings (relaxed durability where the data can be made again)."""

from __future__ import annotations

import js

from app.core.rules import backup_settled, remarked

from ..jsconv import to_js_record, to_py_record
from .requests import handler


class Marks:
    async def set_crcs(self, crcs: dict[str, int], finished: set[str] = frozenset()) -> set[str]:
        """Record many CRC-32s in one transaction; the refs whose asset still exists."""
        tx = await self._tx(["assets"], "relaxed")
        assets = tx.objectStore("assets")
        done = set()

        def got(event):
            meta = event.target.result
            if meta is not None:
                ref = str(meta.ref)
                meta.crc32 = crcs[ref]
                if ref in finished:
                    js.Reflect.deleteProperty(meta, "pending")
                assets.put(meta)
                done.add(ref)

        with handler(got) as on_meta:
            for ref in crcs:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return done

    async def clear_pending(self, refs: list[str]) -> None:
        tx = await self._tx(["assets"], "relaxed")
        assets = tx.objectStore("assets")

        def got(event):
            meta = event.target.result
            if meta is not None:
                js.Reflect.deleteProperty(meta, "pending")
                assets.put(meta)

        with handler(got) as on_meta:
            for ref in refs:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)

    async def put_setting(self, key: str, value) -> None:
        tx = await self._tx(["settings"], "readwrite")
        store = tx.objectStore("settings")
        if value is None:
            store.delete(key)
        else:
            store.put(to_js_record(value), key)
        await self._commit(tx)

    async def mark_backup(self, state: str | None, only: set | None) -> int:
        # One getAll and plain puts: a cursor's callback per record took 5 s at 10,000 records.
        tx = await self._tx(["assets"], "readwrite")
        assets = tx.objectStore("assets")
        count = [0]

        def got(event):
            for meta in to_py_record(event.target.result) or []:
                if (new := remarked(meta, state, only)) is not None:
                    assets.put(to_js_record(new))
                    count[0] += 1

        with handler(got) as on_all:
            assets.getAll().onsuccess = on_all
            await self._commit(tx)
        return count[0]

    async def set_backup(self, states: dict[str, dict]) -> dict[str, str]:
        tx = await self._tx(["assets"], "relaxed")
        assets = tx.objectStore("assets")
        changed = {}

        def got(event):
            meta = to_py_record(event.target.result)
            if meta is not None and (new := backup_settled(meta, states[meta["ref"]])) is not None:
                assets.put(to_js_record(new))
                changed[meta["ref"]] = meta["projectId"]

        with handler(got) as on_meta:
            for ref in states:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return changed
