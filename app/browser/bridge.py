"""window.assetVault: the vault's public JS API (a contract: see the README).

Every method returns a Promise. A vault error rejects with an ``Error`` whose ``name`` is the
error's (``InvalidInputError``, ``QuotaExceededError``, ...) and whose ``message`` says what to do;
records come back as plain JS objects, Blobs as Blobs.
"""

from __future__ import annotations

import asyncio
import traceback
from datetime import datetime, timezone

import js
from pyodide.ffi import create_once_callable, create_proxy

from app import __version__
from app.core import legacy
from app.core.errors import InvalidInputError, StorageUnavailableError, VaultError
from app.core.tasks import start_now

from .jsconv import is_blob, to_js_record, to_py_record


def js_error(name: str, message: str):
    err = js.Error.new(message)
    err.name = name
    return err


def as_promise(coro):
    def executor(resolve, reject):
        async def run():
            try:
                value = await coro
            except VaultError as err:
                reject(js_error(err.name, str(err)))
            except asyncio.CancelledError:  # a call must answer, whatever stopped the work under it
                reject(js_error("Error", "The vault stopped this call before it finished. Try again."))
            except Exception as err:
                traceback.print_exc()
                reject(js_error("Error", f"Unexpected failure in the vault: {err}"))
            else:
                resolve(to_js_record(value))

        _start(run())

    return js.Promise.new(create_once_callable(executor))


EAGER_PER_TURN = 4
_eager = [0]


def _start(coro) -> None:
    """The first few calls of a turn run at once (a host app awaiting each call in turn waits for
    no turn of the event loop); the rest of a burst, each in a turn of its own: run at once, 200
    saves made in one JS loop were one task of 200 ms, and the page froze meanwhile."""
    if _eager[0] >= EAGER_PER_TURN:
        asyncio.ensure_future(coro)
        return
    if _eager[0] == 0:
        asyncio.get_event_loop().call_soon(_eager.__setitem__, 0, 0)
    _eager[0] += 1
    start_now(coro)


class Bridge:
    """Builds the JS object. Writes need no page refresh here: the vault announces each commit."""

    def __init__(self, vault, app_storage, kv, tracker=None, poller=None, settings=None, backup=None):
        self.vault = vault
        self.backup = backup
        self.tracker = tracker
        self.poller = poller
        self.settings = settings
        self.refs = app_storage
        self.kv = kv
        self._proxies = []

    def build(self):
        api = js.Object.new()
        methods = {
            "version": self.version,
            "createProject": self.create_project,
            "listProjects": self.vault.list_projects,
            "deleteProject": self.vault.delete_project,
            "updateProject": self.vault.update_project,
            "saveDataUrl": self.vault.save_data_url,
            "saveBlob": self.vault.save_blob,
            "saveFromUrl": self.vault.save_from_url,
            "getBlob": self.get_blob,
            "getMeta": self.vault.get_meta,
            "listAssets": self.vault.list_assets,
            "deleteAsset": self.vault.delete_asset,
            "replaceBlob": self.vault.replace_blob,
            "updateAsset": self.vault.update_asset,
            "moveAssets": self.move_assets,
            "usage": self.usage,
            "requestPersist": self.request_persist,
            "exportProject": self.export_project,
            "importArchive": self.import_archive,
            "configure": self.configure,
            "track": self.track,
            "generation": self.generation,
            "scanLegacy": self.scan_legacy,
            "rescueLegacy": self.rescue_legacy,
            "configureBackup": self.configure_backup,
            "backupStatus": self.backup.status,
            "syncNow": self.backup.sync_now,
            "listRemoteProjects": self.backup.list_remote_projects,
            "restoreProject": self.backup.restore_project,
            "deleteRemoteProject": self.backup.delete_remote_project,
        }
        for name, fn in methods.items():
            proxy = create_proxy(self._exposed(fn))
            self._proxies.append(proxy)
            setattr(api, name, proxy)
        return api

    def _exposed(self, fn):
        def call(*args):
            return as_promise(fn(*[to_py_record(a) for a in args]))
        return call

    async def version(self):
        return __version__

    async def create_project(self, options=None):
        return await self.vault.create_project(options if options is not None else {})

    async def move_assets(self, refs=None, project_id=None):
        return await self.vault.move_assets(refs, project_id)  # not its ``sent``: that is the backup's to say

    async def get_blob(self, ref=None):
        """getBlob; a Blob lost here (evicted, or a placeholder) comes back from the backup if it has it."""
        blob = await self.vault.get_blob(ref)
        if blob is None and self.backup is not None:
            meta = await self.vault.get_meta(ref)
            if meta is not None:
                blob = await self.backup.recover(meta)
        return blob

    async def export_project(self, project_id=None):
        _name, blob, _missing = await self.vault.export_project(project_id, int(js.Date.now()))
        return blob

    async def import_archive(self, blob=None):
        return await self.run_import(blob)

    async def run_import(self, blob, progress=None):
        """importArchive, with progress for the page: ``progress(bytes_checked, bytes_total)``."""
        if not is_blob(blob):
            raise InvalidInputError("importArchive takes a Blob or File holding a .zip archive.")
        return await self.vault.import_archive(blob, str(getattr(blob, "name", "") or ""), progress)

    async def configure(self, options=None):
        return self.settings.configure(options)

    async def configure_backup(self, *options):
        # Turning backup off takes an explicit null: a call with nothing must not stop the backups.
        if len(options) != 1:
            raise InvalidInputError("configureBackup takes one argument: the settings {endpoint, bucket, "
                                    "accessKeyId, secretAccessKey, ...}, or null to turn backup off.")
        return await self.backup.configure(options[0])

    async def track(self, ids=None, options=None):
        if options is not None and (not isinstance(options, dict) or set(options) - {"projectId"}):
            raise InvalidInputError("track options are {projectId?}.")
        gen_id = await self.tracker.track(ids, (options or {}).get("projectId"))
        self.poller.start(gen_id)
        return gen_id

    async def generation(self, generation_id=None):
        return self.tracker.get(generation_id).summary()

    async def usage(self):
        """Usage and quota are null where the browser does not tell (WebKitGTK has no
        navigator.storage), and persisted null where it cannot be asked."""
        usage = quota = persisted = None
        storage = getattr(js.navigator, "storage", None)
        if getattr(storage, "estimate", None) is not None:
            estimate = await storage.estimate()
            usage, quota = int(estimate.usage), int(estimate.quota)
        if getattr(storage, "persisted", None) is not None:
            persisted = bool(await storage.persisted())
        return {"usage": usage, "quota": quota, "persisted": persisted,
                "localStorageBytes": self.refs.bytes_used()}

    async def request_persist(self):
        storage = getattr(js.navigator, "storage", None)
        return bool(await storage.persist()) if getattr(storage, "persist", None) is not None else False

    async def scan_legacy(self):
        return legacy.scan(self.kv) if self.kv is not None else []

    async def rescue_legacy(self, keys=None):
        if self.kv is None:
            raise StorageUnavailableError("localStorage is not available here, so there is nothing to rescue.")
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
        return await legacy.rescue(self.kv, self.vault, keys, now_iso=stamp)
