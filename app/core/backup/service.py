"""Backup as media is made: the upload queue, the manifests, and the bridge's backup calls.

    backup = Backup(vault, blobs, make_remote, clock, sleep, random, is_online)
    await backup.start()                     # the saved configuration, if any; uploads resume
    await backup.configure({...})            # tests the connection, then queues every asset
    vault.subscribe(backup.changed)          # saves wake it; deletions become tombstones; other tabs' settings

The queue is the ``backup`` mark each record carries (queued / uploaded / failed), written by
the vault in the transaction that stores the asset, so a save never waits for the network and
a crash never loses the queue. One loop uploads what is queued, a few objects at a time, then
rewrites each touched project's manifest with a compare-and-swap. A network failure backs off
with jitter and resumes on ``online``; wrong keys or a missing bucket stop the loop until the
user fixes the configuration or presses Sync now.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from ..changes import Change
from ..errors import InvalidInputError, RemoteAuthError, RemoteNotFoundError, RemoteUnreachableError, VaultError
from .restore import Restoring
from ..ports import BlobPort
from .config import BackupConfig
from .manifest_sync import ManifestSync
from .remote_projects import RemoteProjects
from .retry import Backoff
from .uploader import MANIFEST_EVERY_S, Uploader

CONFIG_KEY = "backup.config"
LOCK = "assetVault:backup"
BYTES_EVERY_S = 2.0
# A queued record is uploaded once its checksum is known. The vault wakes us when it stores
# checksums; a save made in another tab is checksummed there, so this tab looks again this often.
WAIT_CRC_S = 1.0
SETTINGS_CHANGED = Change("backup", "updated", "")
STATUS_CHANGED = Change("status", "updated")


class Backup(Uploader, ManifestSync, RemoteProjects, Restoring):
    """The loop, its configuration and status; uploads, manifests, remote projects and restoring are mixins."""

    def __init__(self, vault, blobs: BlobPort, make_remote: Callable[[BackupConfig], object],
                 clock: Callable[[], int], sleep: Callable[[float], Awaitable[None]], rand: Callable[[], float],
                 is_online: Callable[[], bool], acquire: Callable[[str], Awaitable[Callable[[], None]]] | None = None):
        self.vault = vault
        self.blobs = blobs  # for the bucket's objects: a manifest read, a part sliced, a download checked
        self.acquire = acquire  # one tab uploads (a Web Lock); the others only queue
        self.make_remote = make_remote
        self.clock = clock
        self.sleep = sleep
        self.is_online = is_online
        self.config: BackupConfig | None = None
        self.remote = None
        self.backoff = Backoff(rand)
        self._wake = asyncio.Event()
        self._loop: asyncio.Task | None = None
        self._dirty: dict[str, float] = {}  # project ID -> when it first needed its manifest rewritten
        self._written: dict[str, tuple[str, dict]] = {}  # project ID -> (ETag, document) this tab wrote last
        self._manifest_every = MANIFEST_EVERY_S
        self._uploading = 0
        self._bytes_sent = 0  # this session, for progress
        self._bytes_cache: tuple[float, int, int] = (0.0, -1, 0)  # (when, queued count, bytes queued)
        self._stopped: VaultError | None = None  # auth or bucket trouble: waits for the user
        self._last_error: str | None = None
        self._last_sync: int | None = None
        self._passing = asyncio.Lock()  # the loop and Sync now never upload the same batch twice
        self._tombstoning = asyncio.Lock()  # a project's deletions are one record, read and rewritten
        self._tombs_due: dict[str, dict[str, int]] = {}  # project ID -> {ref: when}: deleted, not yet written
        self._recovering: dict[str, asyncio.Future] = {}  # ref -> its fetch, shared by every caller

    # -- configuration ----------------------------------------------------------------------

    async def start(self) -> None:
        record = await self.vault.marks.setting(CONFIG_KEY)
        if record is None:
            return
        try:
            self._use(BackupConfig.from_record(record))
        except InvalidInputError as err:  # saved by a version that allowed more: say so, do not crash
            self._last_error = f"The saved backup settings are no longer valid ({err}). Set backup up again."
            return
        self._run()

    async def configure(self, options: object) -> dict:
        if options is None:
            await self._turn_off()
            return {"enabled": False}
        config = BackupConfig.parse(options)
        remote = self.make_remote(config)
        if not self.is_online():
            raise RemoteUnreachableError("This device is offline, so the connection cannot be tested. Connect "
                                         "and try again; nothing was changed.")
        await remote.check()
        same = config.same_target(self.config)
        await self.vault.marks.save_setting(CONFIG_KEY, config.to_record())
        self._use(config, remote)
        # A new place holds none of this device's media yet: everything goes there.
        await self.vault.marks.requeue(None if not same else {"failed", None})
        self._stopped = self._last_error = None
        self.backoff.reset()
        self._run()
        self.vault.announce(SETTINGS_CHANGED)  # other tabs read the new settings
        return config.public()

    def _use(self, config: BackupConfig, remote=None) -> None:
        self.config = config
        self.remote = remote or self.make_remote(config)
        self.vault.marks.start()

    async def _turn_off(self) -> None:
        self.config = self.remote = None
        self.close()
        await self.vault.marks.save_setting(CONFIG_KEY, None)
        await self.vault.marks.stop()
        self._dirty.clear()
        self._stopped = self._last_error = None
        self._tell()
        self.vault.announce(SETTINGS_CHANGED)

    def close(self) -> None:
        """Stop the loop (the page is going away; a test ends)."""
        if self._loop is not None:
            self._loop.cancel()
            self._loop = None

    def need_config(self) -> BackupConfig:
        if self.config is None:
            raise InvalidInputError("Backup is not set up: call configureBackup (or use the Backup panel) first.")
        return self.config

    # -- status -----------------------------------------------------------------------------

    def _tell(self) -> None:
        """Progress or trouble: the page's Backup panel hears it on the vault's change stream."""
        self.vault.announce(STATUS_CHANGED)

    async def status(self) -> dict:
        config = self.config  # another tab may turn backup off while the counts are read
        if config is None:
            return {"enabled": False, "queued": 0, "uploading": 0, "uploaded": 0, "failed": 0, "bytesQueued": 0,
                    "lastError": self._last_error, "lastSyncAt": self._last_sync}
        counts = await self.vault.marks.counts()
        counts["bytesQueued"] = await self._bytes_queued(counts["queued"])
        error = str(self._stopped) if self._stopped else self._last_error
        if error is None and counts["queued"] and not self.is_online():
            error = "Offline: uploads resume when the device is back online."
        return dict(config.public(), **counts, uploading=self._uploading, bytesSent=self._bytes_sent,
                    lastError=error, lastSyncAt=self._last_sync)

    async def _bytes_queued(self, queued: int) -> int:
        """Summing the queue's sizes reads every queued record (10,000 in a burst): done at most
        every BYTES_EVERY_S, or when the count changed, not on each of the panel's redraws."""
        now = self.clock() / 1000
        when, count, value = self._bytes_cache
        if queued == 0:
            value = 0
        elif count != queued and now - when >= BYTES_EVERY_S or count == -1:
            value = await self.vault.marks.bytes_queued()
        else:
            return value
        self._bytes_cache = (now, queued, value)
        return value

    # -- changes from the vault ---------------------------------------------------------------

    def changed(self, change: Change) -> None:
        """The vault's change stream: this tab's saves wake the loop (an update may be new bytes),
        its deletions and moves become tombstones; another tab's changes are below."""
        if change.elsewhere:
            self._changed_elsewhere(change)
        elif self.config is None:
            return
        elif change.type == "checksum" or (change.type in ("asset", "project") and change.action in ("created", "updated")):
            self.wake()
        elif change.type == "asset" and change.action == "deleted" and change.ref:
            asyncio.ensure_future(self._note_deleted(change.project_id, change.ref))
        elif change.type == "asset" and change.action == "moved" and change.ref and change.from_project:
            # Gone from the project it left (a tombstone there); sent again under the new one.
            asyncio.ensure_future(self._note_deleted(change.from_project, change.ref))

    def _changed_elsewhere(self, change: Change) -> None:
        """New backup settings (projectId "") are used here too; another tab's saves and deletions
        wake this tab's loop, which may be the one uploading (the deleting tab has stored the
        tombstone; the manifest that carries it is written here)."""
        if change.type == "backup" and change.project_id == "":
            asyncio.ensure_future(self._settings_changed())
        elif self.config is not None and change.type in ("asset", "project"):
            if change.type == "asset" and change.action == "deleted":
                self._dirty.setdefault(change.project_id, 0.0)
            if change.type == "asset" and change.action == "moved" and change.from_project:
                self._dirty.setdefault(change.from_project, 0.0)
            self.wake()

    async def _settings_changed(self) -> None:
        record = await self.vault.marks.setting(CONFIG_KEY)
        if record is None:
            self.close()
            self.config = self.remote = None
            self.vault.marks.pause()
        else:
            self._use(BackupConfig.from_record(record))
            # Saves made here before this tab knew carry no mark yet: queue them.
            await self.vault.marks.requeue({None})
            self._stopped = self._last_error = None
            self._run()
        self._tell()

    def wake(self) -> None:
        """New work, the device back online, or the user asking: look at the queue now."""
        self._wake.set()

    # -- the loop -----------------------------------------------------------------------------

    def _run(self) -> None:
        if self._loop is None or self._loop.done():
            self._loop = asyncio.ensure_future(self._lead())
        self.wake()

    async def _lead(self) -> None:
        """The loop, in the one tab holding the backup lock (the others wait for it: if that tab
        closes, the next one takes over where the queue stands)."""
        release = await self.acquire(LOCK) if self.acquire else None
        try:
            await self._forever()
        finally:
            if release is not None:
                release()

    async def _forever(self) -> None:
        while self.config is not None:
            self._wake.clear()
            try:
                if self._stopped is not None or not self.is_online():
                    await self._wake.wait()
                    continue
                more = await self._pass()
                self._last_error = None
                self.backoff.reset()
                if not more:
                    await self._nap(WAIT_CRC_S if await self._waiting_for_checksums() else None)
            except (RemoteAuthError, RemoteNotFoundError) as err:
                self._stopped = err
                self._tell()
            except RemoteUnreachableError as err:
                self._last_error = str(err)
                self._tell()
                await self._nap(self.backoff.next())
            except asyncio.CancelledError:
                raise
            except Exception as err:  # a bug must not end backup for the session: log, wait, retry
                print(f"backup loop failed: {err!r}")
                self._last_error = f"Backup hit an unexpected problem ({err}); it retries shortly."
                await self._nap(self.backoff.next())

    async def _nap(self, seconds: float | None) -> None:
        """Until woken, or ``seconds`` pass."""
        waiter = asyncio.ensure_future(self._wake.wait())
        pending = {waiter}
        if seconds is not None:
            pending.add(asyncio.ensure_future(self.sleep(seconds)))
        try:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the loop itself is cancelled: no waiter outlives it
            for task in pending:
                task.cancel()

    # -- calls the user makes -------------------------------------------------------------------

    async def sync_now(self) -> dict:
        """Bring in what other devices added to (or deleted from) projects this one holds, then
        upload everything queued (failed ones again) and rewrite the manifests; resolves when done."""
        self.need_config()
        if not self.is_online():
            raise RemoteUnreachableError("This device is offline: the backup continues when it is back online.")
        await self.vault.marks.requeue({"failed"})
        self._stopped = None
        await self.vault.settled()  # previews still being made are part of what was saved
        before = (await self.vault.marks.counts())["uploaded"]
        downloaded = deleted = changed = 0
        local = [p["id"] for p in await self.vault.list_projects()]
        remote = {r["id"] for r in await self.list_remote_projects() if not r.get("incomplete")}
        # Every manifest first: a file moved between two projects is a tombstone in one and a
        # row in the other, and must be moved here, not deleted and fetched again.
        shared = {}
        for project_id in local:
            if project_id in remote:
                doc, manifest, _ = await self.read_manifest(project_id)
                if doc is not None:
                    shared[project_id] = (doc, manifest)
        listed = {a.ref: project_id for project_id, (_, manifest) in shared.items() for a in manifest.assets}
        for project_id in local:
            if project_id in shared:
                doc, manifest = shared[project_id]
                added, removed, edits = await self.pull(project_id, doc, manifest, listed)
                downloaded, deleted, changed = downloaded + added, deleted + removed, changed + edits
            self._dirty.setdefault(project_id, 0.0)
        while True:
            more = await self._pass()
            if not more and not self._dirty and not await self._waiting_for_checksums():
                break
            if not more:
                await self.sleep(WAIT_CRC_S)
        self._last_sync = self.clock()
        self._tell()
        after = (await self.vault.marks.counts())["uploaded"]
        return {"uploaded": max(0, after - before - downloaded), "downloaded": downloaded, "deleted": deleted,
                "changed": changed}
