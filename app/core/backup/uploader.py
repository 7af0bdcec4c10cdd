"""The backup's uploads: the queued records read a batch at a time, PARALLEL in flight, each stored
Blob sent as it is (multipart for big ones), and the uploaded marks written STATE_EVERY at once."""

from __future__ import annotations

import asyncio
from collections import deque

from ..errors import RemoteAuthError, RemoteError, RemoteNotFoundError, RemoteUnreachableError
from . import layout, multipart

UPLOAD_BATCH = 64  # records taken from the queue at a time
PARALLEL = 6  # uploads in flight: as many connections as a browser opens to one HTTP/1.1 host
STATE_EVERY = 16  # uploaded marks written together
MANIFEST_EVERY_S = 5.0  # while a burst uploads, rewrite touched manifests at most this often


class Uploader:
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
            await multipart.upload(self.vault.marks, self.remote, self.blobs, meta, blob, key, self._sent)
        else:
            await self.remote.put(key, blob, meta["mime"], meta["crc32"] if self.config.checksums else None)
            self._sent(meta["size"])
        return None

    def _sent(self, count: int) -> None:
        self._bytes_sent += count
        if count >= multipart.PART_BYTES:  # a part of a big file: show progress between files too
            self._tell()
