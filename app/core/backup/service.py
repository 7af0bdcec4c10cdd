"""Backup as media is made: the upload queue, the manifests, and the bridge's backup calls.

    backup = Backup(vault, make_remote, clock, sleep, random, is_online)
    await backup.start()                     # the saved configuration, if any; uploads resume
    await backup.configure({...})            # tests the connection, then queues every asset
    vault.subscribe(backup.changed)          # deletions become tombstones in the manifest

The queue is the ``backup`` mark each record carries (queued / uploaded / failed), written by
the vault in the transaction that stores the asset, so a save never waits for the network and
a crash never loses the queue. One loop uploads what is queued, a few objects at a time, then
rewrites each touched project's manifest with a compare-and-swap. A network failure backs off
with jitter and resumes on ``online``; wrong keys or a missing bucket stop the loop until the
user fixes the configuration or presses Sync now.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Awaitable, Callable

from ..errors import (InvalidArchiveError, InvalidInputError, NotFoundError, RemoteAuthError, RemoteConflict,
                      RemoteError, RemoteNotFoundError, RemoteUnreachableError, VaultError)
from ..ids import is_valid_ref
from . import layout
from . import manifest as manifests
from . import multipart, restore
from .config import BackupConfig
from .retry import Backoff

CONFIG_KEY = "backup.config"
DELETED_KEY = "backup.deleted."  # + project ID: {ref: deletedAt} not yet in that project's manifest
UPLOAD_BATCH = 64  # records taken from the queue at a time
PARALLEL = 6  # uploads in flight: as many connections as a browser opens to one HTTP/1.1 host
STATE_EVERY = 16  # uploaded marks written together
MANIFEST_EVERY_S = 5.0  # while a burst uploads, rewrite touched manifests at most this often
MANIFEST_TRIES = 8
LOCK = "assetVault:backup"
BYTES_EVERY_S = 2.0
# A queued record is uploaded once its checksum is known. The vault wakes us when it stores
# checksums; a save made in another tab is checksummed there, so this tab looks again this often.
WAIT_CRC_S = 1.0


class Backup:
    def __init__(self, vault, make_remote: Callable[[BackupConfig], object], clock: Callable[[], int],
                 sleep: Callable[[float], Awaitable[None]], rand: Callable[[], float],
                 is_online: Callable[[], bool], acquire: Callable[[str], Awaitable[Callable[[], None]]] | None = None):
        self.vault = vault
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
        self._on_status: list[Callable[[], None]] = []
        self._recovering: dict[str, asyncio.Future] = {}  # ref -> its fetch, shared by every caller
        vault.background.on_checksums(self.wake)

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
        self.vault.announce("backup", "updated", "")  # other tabs read the new settings
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
        self.vault.announce("backup", "updated", "")

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

    def on_status(self, listener: Callable[[], None]) -> None:
        self._on_status.append(listener)

    def _tell(self) -> None:
        for listener in self._on_status:
            try:
                listener()
            except Exception as err:
                print(f"backup status listener failed: {err!r}")

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

    def changed(self, change: dict) -> None:
        if self.config is None:
            return
        if change["type"] == "asset" and change["action"] in ("created", "updated"):  # updated: replace_blob re-queues
            self.wake()
        elif change["type"] == "asset" and change["action"] == "deleted" and change.get("ref"):
            asyncio.ensure_future(self._note_deleted(change["projectId"], change["ref"]))
        elif change["type"] == "asset" and change["action"] == "moved" and change.get("ref"):
            # Gone from the project it left (a tombstone there); sent again under the new one.
            asyncio.ensure_future(self._note_deleted(change["fromProjectId"], change["ref"]))
        elif change["type"] == "project" and change["action"] in ("created", "updated"):
            self.wake()

    def changed_elsewhere(self, change: dict) -> None:
        """A change from another tab. New backup settings (projectId "") are used here too; its
        saves and deletions wake this tab's loop, which may be the one uploading (the deleting
        tab has stored the tombstone; the manifest that carries it is written here)."""
        kind, action = change.get("type"), change.get("action")
        if kind == "backup" and change.get("projectId") == "":
            asyncio.ensure_future(self._settings_changed())
        elif self.config is not None and kind in ("asset", "project"):
            if kind == "asset" and action == "deleted":
                self._dirty.setdefault(change["projectId"], 0.0)
            if kind == "asset" and action == "moved" and change.get("fromProjectId"):
                self._dirty.setdefault(change["fromProjectId"], 0.0)
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

    async def _note_deleted(self, project_id: str, ref: str) -> None:
        self._tombs_due.setdefault(project_id, {})[ref] = self.clock()
        try:
            await multipart.forget(self, ref)
        except RemoteError as err:  # the server's half-upload expires by its own rules
            print(f"could not abort an unfinished upload: {err}")
        key = DELETED_KEY + project_id
        async with self._tombstoning:  # an asset and its preview are deleted together: no lost write
            due = self._tombs_due.pop(project_id, None)
            if due:  # with those of the same burst noted meanwhile: one write for a move of 10,000
                gone = await self.vault.marks.setting(key) or {}
                gone.update(due)
                await self.vault.marks.save_setting(key, gone)
        self._dirty.setdefault(project_id, 0.0)
        self.wake()

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

    async def _waiting_for_checksums(self) -> bool:
        return any(m["crc32"] is None for m in await self.vault.marks.queue(UPLOAD_BATCH))

    async def _pass(self) -> bool:
        async with self._passing:
            return await self._pass_once()

    async def _pass_once(self) -> bool:
        """Upload one batch, then write the manifests that are due; whether more is ready."""
        queued = await self.vault.marks.queue(UPLOAD_BATCH * 4)
        ready = [m for m in queued if m["crc32"] is not None][:UPLOAD_BATCH]
        if ready:
            await self._upload_batch(ready)
        now = self.clock() / 1000
        due = [p for p, since in self._dirty.items() if not ready or now - since >= self._manifest_every]
        for project_id in due:
            began = self.clock() / 1000
            await self._write_manifest(project_id)
            self._dirty.pop(project_id, None)
            # A big project's manifest takes a while to build: keep that under a tenth of a burst.
            self._manifest_every = max(MANIFEST_EVERY_S, 10 * (self.clock() / 1000 - began))
        if due:
            self._last_sync = self.clock()
            self._tell()
        return bool(ready)

    async def _upload_batch(self, metas: list[dict]) -> None:
        """PARALLEL lanes take the next record as each upload ends (no lane waits for the slowest
        of a batch); states are written STATE_EVERY at a time, so progress shows as it goes."""
        todo = deque(metas)
        states: dict[str, dict] = {}
        stop: list[RemoteError] = []
        # The batch's Blobs in one read (a transaction per upload cost more than the upload at
        # 100 KB a frame); big ones are references to files either way, not copies.
        blobs = await self.vault.get_blobs([m["ref"] for m in metas])

        async def flush() -> None:
            if states:
                batch = dict(states)
                states.clear()
                await self.vault.marks.set_states(batch)
                self._tell()

        async def lane() -> None:
            while todo and not stop:
                meta = todo.popleft()
                self._uploading += 1
                try:
                    await self._upload(meta, blobs.get(meta["ref"]))
                    states[meta["ref"]] = {"backup": "uploaded", "ifRev": meta.get("rev", 0)}
                    self._dirty.setdefault(meta["projectId"], self.clock() / 1000)
                except (RemoteAuthError, RemoteNotFoundError, RemoteUnreachableError) as err:
                    stop.append(err)  # not this asset's fault: it stays queued
                except RemoteError as err:
                    states[meta["ref"]] = {"backup": "failed", "backupError": str(err), "ifRev": meta.get("rev", 0)}
                finally:
                    self._uploading -= 1
                if len(states) >= STATE_EVERY:
                    await flush()

        await asyncio.gather(*(lane() for _ in range(PARALLEL)))
        await flush()
        if stop:
            raise stop[0]

    async def _upload(self, meta: dict, blob) -> str | None:
        if blob is None:
            raise RemoteError("Its media is missing on this device, so there is nothing to back up.")
        key = layout.object_key(self.config.prefix, meta["projectId"], layout.asset_path(meta))
        if meta["size"] >= multipart.THRESHOLD:
            await multipart.upload(self, meta, blob, key, self._sent)
        else:
            await self.remote.put(key, blob, meta["mime"], meta["crc32"] if self.config.checksums else None)
            self._sent(meta["size"])
        return None

    def _sent(self, count: int) -> None:
        self._bytes_sent += count
        if count >= multipart.PART_BYTES:  # a part of a big file: show progress between files too
            self._tell()

    async def _write_manifest(self, project_id: str) -> None:
        """Merge this device's uploads into the bucket's manifest, compare-and-swap, retry on a race."""
        key = layout.manifest_key(self.config.prefix, project_id)
        for _ in range(MANIFEST_TRIES):
            try:
                project = await self.vault.get_project(project_id)
            except NotFoundError:
                return  # deleted here: its backup stays as it was
            # The manifest this tab wrote last is what the bucket holds unless another device wrote
            # since, and then the compare-and-swap below fails and it is read afresh: no download
            # and parse of a 20,000-row manifest every few seconds of a burst.
            cached = self._written.pop(project_id, None)
            etag, remote_doc = cached if cached else (None, None)
            if cached is None:
                remote_doc, _, etag = await self.read_manifest(project_id)
            assets = [m async for chunk in self.vault.iter_assets(project_id) for m in chunk]
            gone = await self.deleted_here(project_id)
            doc = manifests.merged(remote_doc, project, [m for m in assets if m.get("backup") == "uploaded"],
                                   gone, self.clock())
            try:
                written = await self.remote.put_bytes(key, manifests.encode(doc), "application/json",
                                                      if_match=etag, if_none_match=etag is None)
            except RemoteConflict:
                continue  # another device wrote it meanwhile: read theirs and merge again
            if written:
                self._written[project_id] = (written, doc)
            if gone:
                await self._forget_deleted(project_id, gone)
            return
        raise RemoteUnreachableError(f"The backup of project {project_id!r} kept changing under us; "
                                     "it is retried shortly.")

    async def deleted_here(self, project_id: str) -> dict:
        """Refs deleted on this device that the bucket's manifest does not list as deleted yet."""
        stored = await self.vault.marks.setting(DELETED_KEY + project_id) or {}
        return {**stored, **self._tombs_due.get(project_id, {})}

    async def _forget_deleted(self, project_id: str, sent: dict) -> None:
        async with self._tombstoning:
            gone = await self.deleted_here(project_id)
            rest = {ref: when for ref, when in gone.items() if sent.get(ref) != when}
            await self.vault.marks.save_setting(DELETED_KEY + project_id, rest or None)

    async def read_manifest(self, project_id: str) -> tuple[dict | None, object, str | None]:
        """(raw document for merging, checked Manifest for restoring, ETag), or Nones if there is none."""
        found = await self.remote.get(layout.manifest_key(self.config.prefix, project_id))
        if found is None:
            return None, None, None
        blob, etag = found
        data = await self.vault.blobs.read(blob, 0, self.vault.blobs.size(blob))
        try:
            doc, manifest = manifests.parse(data)
        except InvalidArchiveError as err:
            raise RemoteError(f"The backup's manifest of project {project_id!r} is damaged ({err}); it was "
                              "left as it is. Delete that project from the backup to start it afresh.") from None
        return doc, manifest, etag

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
        downloaded = deleted = 0
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
                added, removed = await restore.pull(self, project_id, doc, manifest, listed)
                downloaded, deleted = downloaded + added, deleted + removed
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
        return {"uploaded": max(0, after - before - downloaded), "downloaded": downloaded, "deleted": deleted}

    async def restore_project(self, project_id: object) -> dict:
        result = await restore.restore_project(self, project_id)
        self._tell()
        return result

    async def recover(self, meta: dict):
        """The Blob of an asset whose stored bytes are gone, fetched back from the backup and
        checked against its CRC-32, and stored again; None if the backup cannot give it (not
        uploaded, unreachable, altered): the page then shows the params to regenerate it."""
        if self.config is None or meta.get("backup") != "uploaded" or meta.get("crc32") is None:
            return None
        ref = meta["ref"]
        if ref not in self._recovering:
            self._recovering[ref] = asyncio.ensure_future(self._recover(meta))
        try:
            return await asyncio.shield(self._recovering[ref])
        finally:
            if self._recovering.get(ref) is not None and self._recovering[ref].done():
                del self._recovering[ref]

    async def _recover(self, meta: dict):
        path = layout.asset_path(meta)
        try:
            blob = await restore.fetch_blob(self, layout.object_key(self.config.prefix, meta["projectId"], path),
                                            path, meta["size"], meta["crc32"], meta["mime"])
        except VaultError as err:
            print(f"could not fetch {meta['ref']} back from the backup: {err}")
            return None
        await self.vault.put_missing_blob(meta["ref"], blob)
        return blob

    async def list_remote_projects(self) -> list[dict]:
        config = self.need_config()
        _, prefixes = await self.remote.list(layout.projects_prefix(config.prefix), "/")
        local = {p["id"] for p in await self.vault.list_projects()}
        found = []
        for common in prefixes:
            project_id = layout.project_id_of(common, config.prefix)
            if project_id is None or not is_valid_ref(project_id):
                continue
            try:
                doc, _, _ = await self.read_manifest(project_id)
            except RemoteError:
                doc = None
            if doc is None and not (await self.remote.list(layout.project_root(config.prefix, project_id)))[0]:
                continue  # an empty folder (SeaweedFS keeps one after its objects are deleted)
            row = manifests.summary(doc) if doc else {"title": "", "updatedAt": None, "assetCount": 0, "bytes": 0,
                                                      "incomplete": True}
            found.append(dict(row, id=project_id, local=project_id in local))
        return sorted(found, key=lambda r: (-(r["updatedAt"] or 0), r["id"]))

    async def delete_remote_project(self, project_id: object) -> dict:
        config = self.need_config()
        if not is_valid_ref(project_id):
            raise InvalidInputError(f"{project_id!r} is not a valid project ID.")
        keys, _ = await self.remote.list(layout.project_root(config.prefix, project_id))
        if not keys:
            raise NotFoundError(f"The backup holds no project {project_id!r}.")
        # The manifest first: from then on no device restores or merges a half-deleted project.
        keys.sort(key=lambda k: k["key"] != layout.manifest_key(config.prefix, project_id))
        for item in keys:
            await self.remote.delete(item["key"])
        await self.vault.marks.save_setting(DELETED_KEY + project_id, None)
        return {"objectsDeleted": len(keys)}
