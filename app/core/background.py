"""What a stored asset still owes, worked off in the background: its CRC-32 and its preview.

    background = Background(store, blobs, thumbnails, attach=vault_attach)
    with background.foreground():      # a save or an import: the background gives way
        ...
    background.owe(meta, blob)          # after the asset's record is committed
    await background.settled()

Saves come first. A host app that awaits one save after another leaves gaps of a millisecond
between them; background work begun in each gap made every next save wait for it (sequential
saves fell to a quarter of raw puts' speed). So each step of background work (a batch of
checksums, a batch of previews made, a batch of previews stored) waits for a *turn*: saves have
paused for QUIET_S, or, while a host saves without pause, STARVE_S has passed since the last
turn: the background never starves, and takes one step at a time while saves go on.

Work goes in batches: one read from the Blob store for many small files and one transaction for
many results (one strict commit costs ~13 ms on a disk here: a transaction per frame made
10,000 frames take minutes). Work for a file or project deleted meanwhile is dropped, not done.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import deque
from contextlib import contextmanager
from typing import Awaitable, Callable

from .changes import Change
from .errors import InvalidInputError
from .model import THUMBNAIL_ROLE
from .ports import Blob, BlobPort, StorePort, ThumbnailPort

CHUNK_BYTES = 4 * 1024 * 1024  # bigger chunks cost fewer trips to the Blob store: ~4x faster here
CRC_BATCH_BYTES = 8 * 1024 * 1024
CRC_BATCH_COUNT = 256
THUMB_BATCH = 16
MAX_THUMBNAIL_BYTES = 5 * 1024 * 1024
QUIET_S = 0.05  # how long after the last save the background may work
STARVE_S = 1.0  # the longest the background waits for a turn while saves go on without pause
STORE_AHEAD = 8  # batches of previews made ahead of their storing (a burst of saves holds it back)

Attach = Callable[[list[tuple[dict, Blob]], set[str]], Awaitable[object]]


class Background:
    def __init__(self, store: StorePort, blobs: BlobPort, thumbnails: ThumbnailPort | None, attach: Attach,
                 publish: Callable[[Change], None]):
        self.store = store
        self.blobs = blobs
        self.thumbnails = thumbnails
        self._attach = attach  # the vault stores previews (it builds their records and tells of them)
        self._publish = publish  # the vault's change stream: checksums stored (the backup waits for them)
        self._crc_queue: deque[tuple[dict, Blob]] = deque()
        self._thumb_queue: deque[tuple[dict, Blob]] = deque()
        self._checksumming: asyncio.Task | None = None
        self._previewing: asyncio.Task | None = None
        self._storing: deque[asyncio.Future] = deque()  # batches of previews being stored, in order
        self._owed: dict[str, int] = {}  # ref -> jobs (checksum, preview) not yet done
        self._gone_refs: set[str] = set()
        self._gone_projects: set[str] = set()
        self._saving = 0
        self._last_save = float("-inf")
        self._last_turn = float("-inf")

    # -- the foreground: saves and imports ------------------------------------------------

    @contextmanager
    def foreground(self):
        self._saving += 1
        try:
            yield
        finally:
            self._saving -= 1
            self._last_save = _now()

    @property
    def busy(self) -> bool:
        """Saves or imports are in flight."""
        return self._saving > 0

    async def _turn(self, full=None) -> None:
        """Until saves have paused for QUIET_S, or this waiter and the background have waited
        STARVE_S; for storing previews (``full``), until saves pause or ``full()``: previews are
        stored while saves go on only when STORE_AHEAD batches wait in memory (a preview write
        contends with the saves' own transactions). Checked on a timer: woken at each save's end
        instead, every waiter cost each save a turn of the event loop."""
        began = _now()
        while True:
            now = _now()
            quiet_in = self._last_save + QUIET_S - now
            if (self._saving == 0 and quiet_in <= 0) or (full is not None and full()):
                break
            starve_in = max(began, self._last_turn) + STARVE_S - now if full is None else QUIET_S
            if starve_in <= 0:
                break
            await asyncio.sleep(max(min(quiet_in if self._saving == 0 else QUIET_S, starve_in), 0.005))
        self._last_turn = _now()

    # -- what is owed ---------------------------------------------------------------------

    def wants_preview(self, meta: dict) -> bool:
        return (self.thumbnails is not None and meta["role"] != THUMBNAIL_ROLE and meta["kind"] != "audio"
                and not meta.get("thumbnailRef"))

    def mark(self, meta: dict, previews: bool = True) -> dict:
        """Marks a record about to be written as owing work: ``pending`` (indexed, and absent
        otherwise) lets a restart find the unfinished few without reading every record."""
        if meta["crc32"] is None or (previews and self.wants_preview(meta)):
            meta["pending"] = 1
        return meta

    def owe(self, meta: dict, blob: Blob, previews: bool = True) -> None:
        """Queue what a stored asset still needs; saves never wait for it."""
        jobs = 0
        if meta["crc32"] is None:
            self._crc_queue.append((meta, blob))
            jobs += 1
        if previews and self.wants_preview(meta):
            self._thumb_queue.append((meta, blob))
            jobs += 1
        if jobs:
            self._owed[meta["ref"]] = jobs
            self._gone_refs.discard(meta["ref"])  # imported again after a deletion: owed anew
            self._gone_projects.discard(meta["projectId"])
            self._wake()

    def owes(self, ref: str) -> bool:
        return ref in self._owed

    async def done_with(self, ref: str) -> None:
        """Until nothing is owed for ``ref`` (new bytes must not get the old ones' checksum)."""
        while ref in self._owed:
            await asyncio.sleep(0.05)

    def forget(self, refs=(), project_id: str | None = None) -> None:
        """Files (or a whole project) deleted: their queued work is dropped when its turn comes."""
        self._gone_refs.update(ref for ref in refs if ref in self._owed)
        if project_id is not None:
            self._gone_projects.add(project_id)

    def moved(self, refs, project_id: str) -> None:
        """Files moved: work still queued for them belongs to their new project."""
        if refs := set(refs) & self._owed.keys():
            for queue in (self._crc_queue, self._thumb_queue):
                for meta, _ in queue:
                    if meta["ref"] in refs:
                        meta["projectId"] = project_id

    def drop(self) -> None:
        """Forget all queued work (the assets were removed underneath us)."""
        self._crc_queue.clear()
        self._thumb_queue.clear()
        self._owed.clear()

    def _settle_jobs(self, refs) -> set[str]:
        """One job done for each ref; the refs with none left, whose ``pending`` mark can go."""
        finished = set()
        for ref in refs:
            left = self._owed.get(ref, 0) - 1
            if left > 0:
                self._owed[ref] = left
            elif self._owed.pop(ref, None) is not None:
                finished.add(ref)
        return finished

    def _live(self, queue: deque) -> bool:
        """Drops the head of ``queue`` while its file is gone; whether anything is left."""
        while queue:
            meta = queue[0][0]
            if meta["ref"] not in self._gone_refs and meta["projectId"] not in self._gone_projects:
                return True
            queue.popleft()
            if self._settle_jobs([meta["ref"]]):  # nothing more owed: the ref need not be remembered
                self._gone_refs.discard(meta["ref"])
        return False

    def _wake(self) -> None:
        if self._crc_queue and (self._checksumming is None or self._checksumming.done()):
            self._checksumming = asyncio.ensure_future(self._drain_checksums())
        if self._thumb_queue and (self._previewing is None or self._previewing.done()):
            self._previewing = asyncio.ensure_future(self._drain_previews())

    async def resume(self) -> int:
        """After a restart: queue the checksums and previews the last session left undone. Only
        the records marked pending are read (listing every record took seconds at 60,000)."""
        pending = [m for m in await self.store.list_pending() if m["ref"] not in self._owed]
        owed = [m for m in pending if m["crc32"] is None or self.wants_preview(m)]
        blobs = await self.store.get_blobs([m["ref"] for m in owed]) if owed else {}
        for meta in owed:
            if meta["ref"] in blobs:
                self.owe(meta, blobs[meta["ref"]])
        nothing = [m["ref"] for m in pending if m["ref"] not in self._owed]  # done, or its bytes are gone
        if nothing:
            await self.store.clear_pending(nothing)
        return len(pending) - len(nothing)

    async def settled(self) -> None:
        """Until queued checksums and previews are done (tests and export use it)."""
        while running := [t for t in (self._checksumming, self._previewing) if t is not None and not t.done()]:
            await asyncio.shield(asyncio.gather(*running))  # a caller cancelled must not stop the queues

    # -- checksums ------------------------------------------------------------------------

    async def checksum(self, blob: Blob, size: int) -> int:
        """CRC-32 in bounded chunks; the next chunk is read while this one is summed."""
        pending = self.blobs.read(blob, 0, min(CHUNK_BYTES, size))
        crc = 0
        offset = 0
        while offset < size:
            chunk = await pending
            if not chunk:
                raise InvalidInputError("The file ended early while it was being read.")
            end = offset + len(chunk)
            if end < size:
                pending = self.blobs.read(blob, end, min(end + CHUNK_BYTES, size))
            crc = zlib.crc32(chunk, crc)
            offset = end
        return crc

    async def _drain_checksums(self) -> None:
        while self._crc_queue:
            await self._turn()
            batch = self._take_crc_batch()
            if batch:
                await _derived("checksums", len(batch), self._store_checksums(batch))

    def _take_crc_batch(self) -> list[tuple[dict, Blob]]:
        batch, total = [], 0
        while self._live(self._crc_queue) and len(batch) < CRC_BATCH_COUNT:
            size = self._crc_queue[0][0]["size"]
            if batch and total + size > CRC_BATCH_BYTES:
                break
            batch.append(self._crc_queue.popleft())
            total += size
        return batch

    async def _store_checksums(self, batch: list[tuple[dict, Blob]]) -> None:
        if len(batch) == 1:
            meta, blob = batch[0]
            crcs = {meta["ref"]: await self.checksum(blob, meta["size"])}
        else:  # small files: one read of all of them
            data = await self.read_all([blob for _, blob in batch])
            crcs = {meta["ref"]: zlib.crc32(piece) for (meta, _), piece in zip(batch, data)}
        await self.store.set_crcs(crcs, self._settle_jobs(crcs))
        # The backup uploads an asset once its CRC-32 is known, and would otherwise poll for it.
        self._publish(Change("checksum", "updated"))

    async def read_all(self, blobs: list[Blob]) -> list[bytes]:
        """The bytes of several small Blobs in one trip to the Blob store."""
        sizes = [self.blobs.size(b) for b in blobs]
        data = await self.blobs.read(self.blobs.join(blobs, ""), 0, sum(sizes))
        out, at = [], 0
        for size in sizes:
            out.append(data[at:at + size])
            at += size
        return out

    # -- previews: made (off the main thread where the browser can), then stored in order ---

    async def _drain_previews(self) -> None:
        while True:
            while self._thumb_queue:
                await self._turn()
                batch = []
                while len(batch) < THUMB_BATCH and self._live(self._thumb_queue):
                    batch.append(self._thumb_queue.popleft())
                if batch:
                    await _derived("previews", len(batch), self._make_thumbnails(batch))
            await self._stored_previews()
            if not self._thumb_queue:  # none queued while the last were stored
                return

    async def _make_thumbnails(self, batch: list[tuple[dict, Blob]]) -> None:
        made: list = [None] * len(batch)

        async def one(index: int) -> None:  # all of a batch at once: the worker takes it as one message
            meta, blob = batch[index]
            try:
                made[index] = await self.thumbnails.make(blob, meta["kind"], meta["mime"])
            except Exception as err:
                print(f"no preview for {meta['ref']}: {err!r}")

        await asyncio.gather(*(one(i) for i in range(len(batch))))
        pairs = [(meta, thumb) for (meta, _), thumb in zip(batch, made)
                 if thumb is not None and 0 < self.blobs.size(thumb) <= MAX_THUMBNAIL_BYTES]
        kept = {meta["ref"] for meta, _ in pairs}
        if finished := self._settle_jobs(meta["ref"] for meta, _ in batch if meta["ref"] not in kept):
            await self.store.clear_pending(list(finished))  # no preview to be had: not retried at each start
        while len(self._storing) >= STORE_AHEAD:  # made previews wait in memory for the saves, up to a point
            await self._stored_one()
        if pairs:
            # Stored in order, while the next batches are made: the codecs wait on neither the
            # read nor the commit.
            previous = self._storing[-1] if self._storing else None
            self._storing.append(asyncio.ensure_future(self._store_after(previous, pairs)))

    async def _store_after(self, previous: asyncio.Future | None, pairs: list[tuple[dict, Blob]]) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        await self._turn(full=lambda: len(self._storing) >= STORE_AHEAD)
        await self._attach(pairs, self._settle_jobs(meta["ref"] for meta, _ in pairs))

    async def _stored_one(self) -> None:
        await _derived("storing previews", 1, self._storing.popleft())

    async def _stored_previews(self) -> None:
        while self._storing:
            await self._stored_one()


async def _derived(what: str, count: int, work) -> None:
    try:
        await work
    except Exception as err:  # the assets themselves are stored; this is derived data
        print(f"{what} for {count} assets failed: {err!r}")


def _now() -> float:
    return asyncio.get_event_loop().time()
