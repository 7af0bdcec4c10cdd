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
import functools

import js
from pyodide.ffi import JsException, create_proxy, to_js

from app.core.errors import QuotaExceededError, StorageUnavailableError
from app.core.rules import backup_settled, change_totals, deletion, remarked, takes_preview, totals
from app.core.schema import DB_NAME, DB_VERSION, MIGRATIONS
from app.core.tasks import new_future, start_now

from .jsconv import DomError, js_error_name, settle, to_js_record, to_py_record
from .save_batch import SaveBatch
from .tx_end import ended

BATCH_MAX = 64  # saves in one transaction (see _take_queued)
PUT_SLICE = 500  # records put per request event in a long write (see move_assets)
BLOB_SLICE = 2000  # Blobs taken into Python per turn of the event loop (see get_blobs)
GET_SLICE = 200  # get requests made per request event in a large read (see _get_requests)


# JS objects are made on first use, not at import: the app's modules are imported into the
# start-up snapshot (static/start.mjs), which cannot hold JS objects made then.
@functools.cache
def _durability(which: str):
    return js.JSON.parse(f'{{"durability": "{which}"}}')


@functools.cache
def _result_of():
    """request => request.result as a JS function, for Array.map: the getter called with the
    element as `this`."""
    return js.Function.prototype.call.bind(js.Object.getOwnPropertyDescriptor(js.IDBRequest.prototype, "result").get)


async def _quota_message() -> str:
    try:
        estimate = await js.navigator.storage.estimate()
        used, quota = estimate.usage / 2**20, estimate.quota / 2**20
        return (f"Browser storage is full ({used:.0f} MB used of {quota:.0f} MB allowed for this site). "
                "Delete projects you no longer need, or export and then delete them, and try again.")
    except Exception:
        return "Browser storage is full. Delete projects you no longer need and try again."


_STORES = tuple(step["store"] for _, steps in MIGRATIONS for step in steps if step["op"] == "createStore")

_STALLED = ("The browser's storage stopped answering this page (a write it refused never ended), so this was "
            "not done. Try again; if it keeps failing, reload the page.")
_DEAD = ("The browser's storage stopped answering this page and did not answer a new connection either. "
         "Reload the page to go on: what was stored before is kept.")

_BLOCKED = ("The vault keeps your media in this browser's own storage, and the browser does not allow "
            "that here. Private windows and settings that block site data do this: open the vault in a "
            "normal window, or allow this site to store data, then reload.")


async def _open_db(name: str):
    try:
        request = js.indexedDB.open(name, DB_VERSION)
    except Exception as err:
        raise StorageUnavailableError(f"{_BLOCKED} (IndexedDB: {err})") from None

    kept: list = []  # callbacks the upgrade transaction may still call

    def upgrade(event):
        db, tx = request.result, request.transaction
        for version, steps in MIGRATIONS:
            if event.oldVersion < version:
                for step in steps:
                    kept.extend(_apply(db, tx, step))

    upgrade_proxy = create_proxy(upgrade)
    request.onupgradeneeded = upgrade_proxy
    try:
        return await settle(request)
    except DomError as err:
        raise StorageUnavailableError(f"{_BLOCKED} ({err.name}: {err.message})") from None
    finally:
        request.onupgradeneeded = None
        for proxy in [upgrade_proxy, *kept]:
            proxy.destroy()


async def _answering_db(name: str, wait_s: float = 5):
    """A new connection whose stores answer a read within ``wait_s`` (TimeoutError if not)."""
    db = await _open_db(name)
    try:
        probe = db.transaction(js.Array.of(*_STORES), "readonly")
        probe.objectStore("projects").count()
        await asyncio.wait_for(ended(probe, lambda _tx: None), wait_s)
    except BaseException:
        db.close()
        raise
    return db


class IdbStore:
    def __init__(self, db_js, name: str = DB_NAME):
        self.db = db_js
        self.name = name
        self.on_version_change = None  # a newer tab upgrades the schema: this tab must reload
        self.on_storage_lost = None  # the browser deleted the database under us; reopened empty
        self._adding: SaveBatch | None = None  # the last transaction of saves begun
        self._queued: list = []  # saves made while it is written: the next one
        self._upgraded_elsewhere = False
        self._reopening: asyncio.Future | None = None
        self._proxies: list = []  # the close and versionchange handlers of self._watched
        self._watched = None
        self._waits: list = []  # futures waiting on this connection: failed if it stalls
        self._prune_at = 256  # the finished are dropped when the list reaches this (then twice what is left)
        self._dead = False  # stalled, and a new connection stalled too

    @classmethod
    async def open(cls, name: str = DB_NAME) -> "IdbStore":
        store = cls(await _open_db(name), name)
        store._watch()
        return store

    # -- the connection: upgrades elsewhere, storage cleared underneath --------------------

    def _watch(self) -> None:
        if self._proxies:
            # The old connection may still fire (a close event queued behind our own close()):
            # its handlers go before their proxies do.
            self._watched.onversionchange = self._watched.onclose = None
            for proxy in self._proxies:
                proxy.destroy()
        self._watched = self.db

        def version_change(_event):
            self._upgraded_elsewhere = True
            self.db.close()  # let the newer tab upgrade
            if self.on_version_change:
                self.on_version_change()

        def closed(_event):
            # Fired only when the browser closes the connection itself: site data cleared,
            # storage evicted, or the database deleted from devtools.
            self._start_reopen()

        self._proxies = [create_proxy(version_change), create_proxy(closed)]
        self.db.onversionchange = self._proxies[0]
        self.db.onclose = self._proxies[1]

    def _start_reopen(self) -> asyncio.Future:
        if self._reopening is None or self._reopening.done():
            self._reopening = asyncio.ensure_future(self._reopen())
        return self._reopening

    async def _reopen(self) -> None:
        for attempt in range(1, 8):
            try:
                self.db = await _open_db(self.name)
                break
            except StorageUnavailableError:
                if attempt == 7:
                    raise
                # Opened while the browser was still deleting it: the open is aborted. Again soon.
                await asyncio.sleep(0.05 * attempt)
        self._watch()
        if self.on_storage_lost:
            self.on_storage_lost()

    def _guard(self, fut):
        """``fut`` (waiting on this connection) fails at once if the connection stalls."""
        if len(self._waits) >= self._prune_at:  # a burst of 10,000 saves: not a scan per save
            self._waits = [w for w in self._waits if not w.done()]
            self._prune_at = max(256, 2 * len(self._waits))
        self._waits.append(fut)
        return fut

    def _stalled(self, tx) -> None:
        """A transaction never ended (see tx_end): whatever waits on this connection would wait
        for good. Fail it, and go on with a new connection if one answers."""
        if self._reopening is not None and not self._reopening.done():
            return
        if not getattr(js.Object, "is")(tx.db, self.db):  # `is` is a keyword in Python
            # Made on a connection already replaced (site data cleared: the browser closed it,
            # and the close event reopened): its stall says nothing about the connection in use.
            return
        waits, self._waits = self._waits, []
        for fut in waits:
            if not fut.done():
                fut.set_exception(StorageUnavailableError(_STALLED))
        self._reopening = asyncio.ensure_future(self._replace())

    async def _replace(self) -> None:
        self.db.close()
        try:
            db = await _answering_db(self.name)
        except asyncio.TimeoutError:
            self._dead = True  # a transaction queued behind the stalled one keeps its stores locked
            return
        except (StorageUnavailableError, DomError, JsException):
            # The new connection was refused or closed as it opened: the browser is deleting the
            # database (site data cleared again), not stalled. Reopen as after any clearing.
            await self._reopen()
            return
        self.db = db
        self._watch()

    async def _close_event(self, wait_s: float = 0.5) -> None:
        """After a failed read: if the browser is closing the connection, its close event follows
        the abort (a retry before it lands on the same doomed connection); wait for it briefly."""
        for _ in range(int(wait_s / 0.05)):
            if self._reopening is not None and not self._reopening.done():
                return
            await asyncio.sleep(0.05)

    async def _tx(self, stores: list[str], mode: str = "readonly"):
        if self._reopening is not None and not self._reopening.done():
            # Shielded: a caller cancelled while it waits (a view redrawn) must not cancel the
            # reopening every other call is waiting on too.
            await asyncio.shield(self._reopening)
        if self._dead:
            raise StorageUnavailableError(_DEAD)
        try:
            return self._transaction(stores, mode)
        except JsException as err:
            if js_error_name(err) != "InvalidStateError":
                raise StorageUnavailableError(f"The browser refused to use the vault's storage ({err}).") from None
        if self._upgraded_elsewhere:
            raise StorageUnavailableError("The vault was updated in another tab. Reload this page to keep working.")
        # Closed before its close event arrived: reopen now and go on.
        await asyncio.shield(self._start_reopen())
        return self._transaction(stores, mode)

    def _transaction(self, stores: list[str], mode: str):
        if mode == "relaxed":
            return self.db.transaction(js.Array.of(*stores), "readwrite", _durability("relaxed"))
        if mode == "readwrite":
            return self.db.transaction(js.Array.of(*stores), mode, _durability("strict"))
        return self.db.transaction(js.Array.of(*stores), mode)

    async def _commit(self, tx) -> None:
        try:
            await self._guard(ended(tx, self._stalled))
        except DomError as err:
            raise await self._commit_error(err) from None

    async def _commit_error(self, err: DomError) -> Exception:
        if err.name == "QuotaExceededError":
            return QuotaExceededError(await _quota_message())
        if err.name == "ConstraintError":
            return _Conflict()
        if err.name == "AbortError" and self._reopening is not None:
            return StorageUnavailableError("The browser removed the vault's stored data while this was being "
                                           "written, so it was not stored. Try again.")
        if "Blob" in err.message:  # WebKit's private browsing: "Error preparing Blob/File data…"
            return StorageUnavailableError(
                "This browser does not let the vault keep files here, as in a private window (it said: "
                f"{err.message}). Nothing was stored. Open the vault in a normal window to keep your media.")
        return StorageUnavailableError(f"The browser refused to store this ({err.name}: {err.message}).")

    async def _read(self, store: str, call) -> object:
        for attempt in (1, 2):
            tx = await self._tx([store])
            try:
                return await self._guard(settle(call(tx.objectStore(store))))
            except DomError as err:
                # Begun on a connection the browser was closing (site data cleared; the request
                # fails with AbortError, UnknownError or InvalidStateError): that connection is
                # gone now, so the next _tx reopens. A read is safe to repeat once.
                if attempt == 2:
                    raise StorageUnavailableError(f"The browser could not read the vault's storage ({err}).") from None
                await self._close_event()

    # -- projects -------------------------------------------------------------------------

    async def put_project(self, record: dict) -> None:
        tx = await self._tx(["projects"], "readwrite")
        tx.objectStore("projects").put(to_js_record(record))
        await self._commit(tx)

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

        with _handler(got) as on_record:
            records.get(key).onsuccess = on_record
            await self._commit(tx)
        return written[0] if written else None

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
        result_of = _result_of()
        out = {}
        # A slice at a time: a request's result is made when first read (a Blob object each), and
        # reading 20,000 of them, then taking them across the FFI, was one 0.2-0.5 s task (an export's).
        for start in range(0, len(refs), BLOB_SLICE):
            if start:
                await asyncio.sleep(0)
            found = requests.slice(start, start + BLOB_SLICE).map(result_of)  # a Blob crosses as it is
            out.update((ref, blob) for ref, blob in zip(refs[start:start + BLOB_SLICE], found) if blob is not None)
        return out

    async def _get_many(self, store_name: str, keys: list[str]):
        """The values of many keys in one transaction, as a JS array (undefined, or null once
        converted, where a key has none)."""
        return (await self._get_requests(store_name, keys)).map(_result_of())

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
            _destroy(handlers)

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
        _bump(projects, deltas, handlers=handlers)
        try:
            await self._commit(tx)
        finally:
            _destroy(handlers)

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
        except _Conflict:
            return False
        return True

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

        with _handler(got) as on_meta:
            for ref in crcs:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return done

    async def list_pending(self) -> list[dict]:
        return to_py_record(await self._read("assets", lambda s: s.index("byPending").getAll())) or []

    async def clear_pending(self, refs: list[str]) -> None:
        tx = await self._tx(["assets"], "relaxed")
        assets = tx.objectStore("assets")

        def got(event):
            meta = event.target.result
            if meta is not None:
                js.Reflect.deleteProperty(meta, "pending")
                assets.put(meta)

        with _handler(got) as on_meta:
            for ref in refs:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)

    # -- backup ---------------------------------------------------------------------------

    async def get_setting(self, key: str):
        return to_py_record(await self._read("settings", lambda s: s.get(key)))

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

        with _handler(got) as on_all:
            assets.getAll().onsuccess = on_all
            await self._commit(tx)
        return count[0]

    async def list_backup(self, state: str, limit: int | None) -> list[dict]:
        key = js.IDBKeyRange.only(state)
        found = await self._read("assets", lambda s: s.index("byBackup").getAll(key, limit) if limit
                                 else s.index("byBackup").getAll(key))
        return to_py_record(found) or []

    async def set_backup(self, states: dict[str, dict]) -> dict[str, str]:
        tx = await self._tx(["assets"], "relaxed")
        assets = tx.objectStore("assets")
        changed = {}

        def got(event):
            meta = to_py_record(event.target.result)
            if meta is not None and (new := backup_settled(meta, states[meta["ref"]])) is not None:
                assets.put(to_js_record(new))
                changed[meta["ref"]] = meta["projectId"]

        with _handler(got) as on_meta:
            for ref in states:
                assets.get(ref).onsuccess = on_meta
            await self._commit(tx)
        return changed

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
                _bump(projects, totals([m for (_, m, _), ok in zip(items, attached) if ok]), handlers=handlers)

        for _, meta, blob in items:  # Blobs before any other request: see SaveBatch.add (WebKit)
            blobs.put(blob, meta["ref"])
        for index, (parent_ref, _, _) in enumerate(items):
            handlers.append(create_proxy(lambda event, index=index: got_parent(event, index)))
            assets.get(parent_ref).onsuccess = handlers[-1]
        try:
            await self._commit(tx)
        finally:
            _destroy(handlers)
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
        with _handler(got_meta) as on_meta:
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
            _bump(projects, change_totals([meta], [old] + ([thumb] if thumb else [])),
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
        with _handler(got_meta) as on_meta:
            assets.get(ref).onsuccess = on_meta
            try:
                await self._commit(tx)
            finally:
                _destroy(handlers)
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
            _bump(projects, change_totals([new for _, new in news], [old for old, _ in news]),
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

        with _handler(got_project) as on_project, _handler(got_record) as on_record:
            projects.get(project_id).onsuccess = on_project
            for ref in refs:
                assets.get(ref).onsuccess = on_record
            try:
                await self._commit(tx)
            finally:
                _destroy(handlers)
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
            _bump(projects, change_totals(removed=dropped),
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

        with _handler(got_meta) as on_meta, _handler(got_thumb) as on_thumb, \
                _handler(unlink_parent) as on_parent:
            assets.get(ref).onsuccess = on_meta
            try:
                await self._commit(tx)
            finally:
                _destroy(handlers)
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

        with _handler(got_project) as on_project, _handler(got_assets) as on_assets:
            projects.get(project_id).onsuccess = on_project
            await self._commit(tx)
        return outcome[0] if outcome else None


class _Conflict(Exception):
    """A key that must be new exists already."""


class _handler:
    """A JS callback proxy that lives for one transaction."""

    def __init__(self, fn):
        self.proxy = create_proxy(fn)

    def __enter__(self):
        return self.proxy

    def __exit__(self, *exc):
        self.proxy.destroy()


def _apply(db, tx, step: dict) -> list:
    """One migration step inside the upgrade transaction; returns the proxies it left waiting."""
    op = step["op"]
    if op == "countAssets":
        return _count_assets(tx)
    if op == "markPending":
        return _mark_pending(tx)
    if op == "createStore":
        options = {"keyPath": step["keyPath"]} if step.get("keyPath") else {}
        db.createObjectStore(step["store"], to_js_record(options))
    elif op == "createIndex":
        tx.objectStore(step["store"]).createIndex(step["index"], to_js_record(step["keyPath"]))
    elif op == "deleteIndex":
        tx.objectStore(step["store"]).deleteIndex(step["index"])
    else:
        raise ValueError(f"unknown migration step {op!r}")
    return []


def _count_assets(tx) -> list:
    projects, assets = tx.objectStore("projects"), tx.objectStore("assets")
    counted: dict = {}

    def got_assets(event):
        counted.update(totals(to_py_record(event.target.result) or []))
        projects.getAll().onsuccess = on_projects

    def got_projects(event):
        for project in to_py_record(event.target.result) or []:
            count, size = counted.get(project["id"], (0, 0))
            projects.put(to_js_record(dict(project, assetCount=count, bytes=size)))

    on_assets, on_projects = create_proxy(got_assets), create_proxy(got_projects)
    assets.getAll().onsuccess = on_assets
    return [on_assets, on_projects]


def _mark_pending(tx) -> list:
    """Marks every record that may be owed a checksum or a preview (a superset: the first resume
    unmarks those that need nothing, e.g. audio and files no browser can decode)."""
    assets = tx.objectStore("assets")

    def got(event):
        for meta in to_py_record(event.target.result) or []:
            if meta["crc32"] is None or (not meta.get("thumbnailRef") and meta["role"] != "thumbnail"):
                assets.put(to_js_record(dict(meta, pending=1)))

    on_assets = create_proxy(got)
    assets.getAll().onsuccess = on_assets
    return [on_assets]


def _destroy(proxies: list) -> None:
    for proxy in proxies:
        proxy.destroy()


def _bump(projects, deltas: dict, updated_at: dict | None = None, handlers: list | None = None) -> None:
    """Add (count, bytes) deltas to projects' counters inside the caller's transaction: one get
    and one put per project (two gets before either put would lose one of the updates)."""
    for project_id, (count, size) in deltas.items():
        def got(event, count=count, size=size, project_id=project_id):
            project = event.target.result
            if project is None:
                return
            project.assetCount = max(0, int(project.assetCount or 0) + count)
            project.bytes = max(0, int(project.bytes or 0) + size)
            if updated_at and project_id in updated_at:
                project.updatedAt = updated_at[project_id]
            projects.put(project)
        handler = create_proxy(got)
        handlers.append(handler)
        projects.get(project_id).onsuccess = handler
