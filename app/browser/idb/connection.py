"""The connection: one transaction helper (``_tx``/``_commit``, with IndexedDB's errors made the
vault's), a watchdog for transactions that never end (WebKit), and a new connection when the
browser deletes the database underneath or a newer tab upgrades it."""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import JsException, create_proxy

from app.core.errors import QuotaExceededError, StorageUnavailableError
from app.core.schema import DB_NAME

from ..jsconv import DomError, js_error_name, settle
from ..save_batch import SaveBatch
from ..tx_end import ended
from .migrate import answering_db, open_db
from .requests import Conflict, durability


async def quota_message() -> str:
    try:
        estimate = await js.navigator.storage.estimate()
        used, quota = estimate.usage / 2**20, estimate.quota / 2**20
        return (f"Browser storage is full ({used:.0f} MB used of {quota:.0f} MB allowed for this site). "
                "Delete projects you no longer need, or export and then delete them, and try again.")
    except Exception:
        return "Browser storage is full. Delete projects you no longer need and try again."


STALLED = ("The browser's storage stopped answering this page (a write it refused never ended), so this was "
           "not done. Try again; if it keeps failing, reload the page.")

DEAD = ("The browser's storage stopped answering this page and did not answer a new connection either. "
        "Reload the page to go on: what was stored before is kept.")


class Connection:
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
    async def open(cls, name: str = DB_NAME):
        store = cls(await open_db(name), name)
        store._watch()
        return store

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
                self.db = await open_db(self.name)
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
                fut.set_exception(StorageUnavailableError(STALLED))
        self._reopening = asyncio.ensure_future(self._replace())

    async def _replace(self) -> None:
        self.db.close()
        try:
            db = await answering_db(self.name)
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
            raise StorageUnavailableError(DEAD)
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
            return self.db.transaction(js.Array.of(*stores), "readwrite", durability("relaxed"))
        if mode == "readwrite":
            return self.db.transaction(js.Array.of(*stores), mode, durability("strict"))
        return self.db.transaction(js.Array.of(*stores), mode)

    async def _commit(self, tx) -> None:
        try:
            await self._guard(ended(tx, self._stalled))
        except DomError as err:
            raise await self._commit_error(err) from None

    async def _commit_error(self, err: DomError) -> Exception:
        if err.name == "QuotaExceededError":
            return QuotaExceededError(await quota_message())
        if err.name == "ConstraintError":
            return Conflict()
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
