"""Saves: new projects and assets, each write one strict transaction; saves made together share
one (SaveBatch), up to BATCH_MAX, and a failed shared commit is retried save by save."""

from __future__ import annotations

import asyncio

from pyodide.ffi import JsException

from app.core.errors import StorageUnavailableError
from app.core.rules import totals
from app.core.tasks import new_future, start_now

from ..jsconv import DomError, to_js_record
from ..save_batch import SaveBatch
from .requests import BATCH_MAX, Conflict, bump, destroy


class Saves:
    async def put_project(self, record: dict) -> None:
        tx = await self._tx(["projects"], "readwrite")
        tx.objectStore("projects").put(to_js_record(record))
        await self._commit(tx)

    async def add_assets(self, entries, project) -> None:
        tx = await self._tx(["assets", "blobs", "projects"], "readwrite")
        assets, blobs, projects = (tx.objectStore(n) for n in ("assets", "blobs", "projects"))
        for meta, blob in entries:  # Blobs before records: see SaveBatch.add (WebKit)
            blobs.put(blob, meta["ref"])
        for meta, _ in entries:
            assets.put(to_js_record(meta))
        deltas = totals([meta for meta, _ in entries])
        handlers: list = []
        if project is not None:
            count, size = deltas.pop(project["id"], (0, 0))
            projects.put(to_js_record(dict(project, assetCount=project.get("assetCount", 0) + count,
                                           bytes=project.get("bytes", 0) + size)))
        bump(projects, deltas, handlers=handlers)
        try:
            await self._commit(tx)
        finally:
            destroy(handlers)

    def add_to_project(self, project_id: str, entries, updated_at: int):
        """Entries are (ref, metadata or a future of it, Blob); resolves to whether the project
        was there. A save made while none is being written begins its transaction at once (a
        host app awaiting each save in turn); saves made in the same turn of the event loop as
        that one join it, and saves made while it is being written are written together next
        (a burst of 200 is four transactions: the first, then 64 at a time). See save_batch."""
        future = self._guard(new_future())
        item = (project_id, entries, updated_at, future)
        batch = self._adding
        if batch is not None and batch.open:
            try:
                batch.add(item)
                return future
            except JsException:  # its transaction has left the turn that made it
                batch.close()
        if batch is None or batch.done:
            start_now(self._add_in_new([item]))
            return future
        self._queued.append(item)
        if len(self._queued) == 1:
            asyncio.get_event_loop().call_soon(lambda: start_now(self._add_in_new(self._take_queued())))
        return future

    def _take_queued(self) -> list:
        # At most BATCH_MAX to a transaction: its records are written in one turn of the event
        # loop (~0.25 ms each), and a host app's burst of 1,000 saves held the page ~250 ms.
        items, self._queued = self._queued[:BATCH_MAX], self._queued[BATCH_MAX:]
        if self._queued:
            asyncio.get_event_loop().call_soon(lambda: start_now(self._add_in_new(self._take_queued())))
        return items

    async def _add_in_new(self, items: list) -> None:
        batch = None
        try:
            batch = SaveBatch(await self._tx(["assets", "blobs", "projects"], "readwrite"), self._add_failed, self._stalled)
            for item in items:
                batch.add(item)
        except Exception as err:
            if batch is not None:
                batch.release()
            for item in items:
                if not item[3].done():
                    item[3].set_exception(err if not isinstance(err, JsException) else StorageUnavailableError(
                        f"The browser refused to use the vault's storage ({err})."))
            return
        self._adding = batch
        asyncio.get_event_loop().call_soon(batch.close)

    def _add_failed(self, batch: SaveBatch, err: DomError) -> None:
        start_now(self._retry_alone(batch.items, err))

    async def _retry_alone(self, items: list, err: DomError) -> None:
        """A failed batch: alone, each save succeeds or fails on its own (some may fit in the quota)."""
        if len(items) == 1 or err.stalled:  # retried on a stalled connection, they would queue behind it
            error = await self._commit_error(err)
            for item in items:
                if not item[3].done():
                    item[3].set_exception(error)
            return
        for item in items:
            if item[3].done():
                continue
            try:
                batch = SaveBatch(await self._tx(["assets", "blobs", "projects"], "readwrite"), self._add_failed, self._stalled)
                batch.add(item)
                batch.close()
            except Exception as one_err:
                if not item[3].done():
                    item[3].set_exception(one_err)  # a retry: the first attempt's error said it already
                continue
            await asyncio.wait([item[3]])  # one after another

    async def import_project(self, project: dict, entries) -> bool:
        # add(), not put(): an ID that exists already aborts the whole transaction.
        tx = await self._tx(["projects", "assets", "blobs"], "readwrite")
        count, size = totals([meta for meta, _ in entries]).get(project["id"], (0, 0))
        assets, blobs = tx.objectStore("assets"), tx.objectStore("blobs")
        for meta, blob in entries:  # Blobs before records: see SaveBatch.add (WebKit)
            blobs.add(blob, meta["ref"])
        tx.objectStore("projects").add(to_js_record(dict(project, assetCount=count, bytes=size)))
        for meta, _ in entries:
            assets.add(to_js_record(meta))
        try:
            await self._commit(tx)
        except Conflict:
            return False
        return True
