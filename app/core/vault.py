"""The vault: projects and media assets over a store, a Blob reader and a thumbnailer.

    vault = Vault(store, blobs, thumbnails, clock=MonotonicClock(time_ms))
    pid = await vault.create_project({"title": "Sunset"})
    ref = await vault.save_data_url(pid, "data:image/png;base64,...", {"role": "frame"})

A save sniffs the file's first bytes (its type comes from them) while its Blob is being
written, commits metadata and Blob in one transaction that also checks the project exists, and
returns. The CRC-32 (what makes export free of media reads later) is then
computed in the background, in bounded chunks, and written into the metadata: Chromium stores
an in-memory Blob far faster (GB/s) than wasm can checksum it (~380 MB/s), so a CRC on the save
path would make every save wait on it. Until then ``crc32`` is None; a restart resumes the work.
Data URLs are the exception: their bytes are already in Python, so their CRC costs little inline.
"""

from __future__ import annotations

import asyncio
import zlib
from contextlib import contextmanager
from typing import Callable

from .dataurl import parse_data_url
from .errors import InvalidInputError, NotFoundError
from .ids import is_valid_ref, new_project_id, new_ref
from .model import AssetOptions, asset_record, default_name, new_project
from .ports import Blob, BlobPort, StorePort, ThumbnailPort
from .sniff import SNIFF_BYTES, MediaType, resolve_type

CHUNK_BYTES = 4 * 1024 * 1024  # bigger chunks cost fewer trips to the Blob store: ~4x faster here
MAX_ASSET_BYTES = 4 * 1024 ** 3
THUMBNAIL_ROLE = "thumbnail"
MAX_THUMBNAIL_BYTES = 5 * 1024 * 1024


class MonotonicClock:
    """Milliseconds since the epoch, strictly increasing, so createdAt orders saves as called."""

    def __init__(self, now_ms: Callable[[], float]):
        self._now_ms = now_ms
        self._last = 0

    def __call__(self) -> int:
        self._last = max(int(self._now_ms()), self._last + 1)
        return self._last


class Vault:
    def __init__(self, store: StorePort, blobs: BlobPort, thumbnails: ThumbnailPort | None,
                 clock: Callable[[], int]):
        self.store = store
        self.blobs = blobs
        self.thumbnails = thumbnails
        self.clock = clock
        self._crc_queue: list[tuple[dict, Blob]] = []
        self._thumb_queue: list[tuple[dict, Blob]] = []
        self._background: asyncio.Task | None = None
        self._saving = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.on_thumbnail: Callable[[dict], None] | None = None

    # -- projects -------------------------------------------------------------------------

    async def create_project(self, options: object) -> str:
        record = new_project(options, new_project_id(), self.clock())
        await self.store.put_project(record)
        return record["id"]

    async def get_project(self, project_id: object) -> dict:
        _check_id(project_id, "project ID")
        record = await self.store.get_project(project_id)
        if record is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        return record

    async def list_projects(self) -> list[dict]:
        projects = await self.store.list_projects()
        stats: dict[str, list[int]] = {}
        for meta in await self.store.list_assets(None):
            entry = stats.setdefault(meta["projectId"], [0, 0])
            entry[0] += 1
            entry[1] += meta["size"]
        summaries = []
        for p in sorted(projects, key=lambda p: p["createdAt"]):
            count, size = stats.get(p["id"], (0, 0))
            summaries.append({"id": p["id"], "title": p["title"], "createdAt": p["createdAt"],
                              "updatedAt": p["updatedAt"], "assetCount": count, "bytes": size})
        return summaries

    async def delete_project(self, project_id: object) -> dict:
        _check_id(project_id, "project ID")
        result = await self.store.delete_project(project_id)
        if result is None:
            raise NotFoundError(f"There is no project {project_id!r} to delete.")
        return {"assetsDeleted": result[0], "bytesFreed": result[1]}

    # -- saving ---------------------------------------------------------------------------

    async def save_data_url(self, project_id: object, text: object, options: object = None) -> str:
        with self._in_flight():
            return await self._save_data_url(project_id, text, options)

    async def save_blob(self, project_id: object, blob: Blob, options: object = None) -> str:
        with self._in_flight():
            return await self._save_blob(project_id, blob, options)

    @property
    def busy(self) -> bool:
        """Saves are in flight."""
        return self._saving > 0

    @contextmanager
    def _in_flight(self):
        self._saving += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._saving -= 1
            if self._saving == 0:
                self._idle.set()

    async def _save_data_url(self, project_id: object, text: object, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        _check_id(project_id, "project ID")
        parsed = parse_data_url(text)
        media = resolve_type(parsed.data[:SNIFF_BYTES], parsed.mime, opts.kind)
        crc = zlib.crc32(parsed.data)
        blob = self.blobs.from_bytes(parsed.data, media.mime)
        return await self._store_new(project_id, blob, len(parsed.data), crc, media, opts)

    async def _save_blob(self, project_id: object, blob: Blob, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        _check_id(project_id, "project ID")
        size = self.blobs.size(blob)
        if size == 0:
            raise InvalidInputError("The file is empty (0 bytes).")
        if size > MAX_ASSET_BYTES:
            raise InvalidInputError(f"The file is {size / 2**30:.1f} GiB; the vault takes at most 4 GiB per file.")
        # The Blob's write starts at once; its type is sniffed meanwhile and the metadata joins
        # the same transaction (or, if the bytes are not media, the Blob is dropped from it).
        created = self.clock()
        ref = new_ref()
        sniffed = asyncio.ensure_future(self._sniffed_meta(ref, project_id, blob, size, created, opts))
        try:
            found = await self.store.add_to_project(project_id, [(ref, sniffed, blob)], created)
        except Exception:
            await _raise_if_failed(sniffed)  # a file that is not media is told so, even when full
            raise
        meta = await sniffed
        if not found:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self.after_store(meta, blob)
        return ref

    async def _sniffed_meta(self, ref: str, project_id: str, blob: Blob, size: int, created: int,
                            opts: AssetOptions) -> dict:
        head = await self.blobs.head(blob, SNIFF_BYTES)
        media = resolve_type(bytes(head), self.blobs.mime(blob), opts.kind)
        return asset_record(ref=ref, project_id=project_id, kind=media.kind, mime=media.mime, size=size,
                            crc32=None, created_at=created, options=opts,
                            default_name=default_name(media.kind, media.mime, created))

    async def save_from_url(self, project_id: object, url: object, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        await self.get_project(project_id)
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://", "blob:")):
            raise InvalidInputError("saveFromUrl takes an http(s) or blob: URL; use saveDataUrl for data: URLs.")
        blob = await self.blobs.fetch(url)
        if not opts.name:
            tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1][:100]
            if tail and "." in tail:
                opts = AssetOptions(opts.kind, opts.role, tail, opts.params)
        return await self.save_blob(project_id, blob, _as_options(opts))

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

    async def _store_new(self, project_id: str, blob: Blob, size: int, crc: int | None, media: MediaType,
                         opts: AssetOptions) -> str:
        # The project is checked inside the write's transaction: no read before it (that cost a
        # round trip per save) and no asset is ever added to a project deleted meanwhile.
        created = self.clock()
        meta = asset_record(ref=new_ref(), project_id=project_id, kind=media.kind, mime=media.mime,
                            size=size, crc32=crc, created_at=created, options=opts,
                            default_name=default_name(media.kind, media.mime, created))
        if not await self.store.add_to_project(project_id, [(meta["ref"], meta, blob)], created):
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self.after_store(meta, blob)
        return meta["ref"]

    # -- reading and deleting -------------------------------------------------------------

    async def get_meta(self, ref: object) -> dict | None:
        _check_id(ref, "asset ref")
        return await self.store.get_meta(ref)

    async def get_blob(self, ref: object) -> Blob | None:
        _check_id(ref, "asset ref")
        return await self.store.get_blob(ref)

    async def get_blobs(self, refs: list[str]) -> dict:
        """Blobs of many assets in one read (missing ones are absent): for drawing a project."""
        for ref in refs:
            _check_id(ref, "asset ref")
        return await self.store.get_blobs(refs) if refs else {}

    async def list_assets(self, project_id: object, options: object = None) -> list[dict]:
        await self.get_project(project_id)
        kind = None
        if options is not None:
            if not isinstance(options, dict) or set(options) - {"kind"}:
                raise InvalidInputError("listAssets options are {kind?: 'image' | 'video' | 'audio'}.")
            kind = options.get("kind")
            if kind is not None and kind not in ("image", "video", "audio"):
                raise InvalidInputError(f"kind must be one of image, video, audio (got {kind!r}).")
        return await self.store.list_assets(project_id, kind)

    async def delete_asset(self, ref: object) -> bool:
        _check_id(ref, "asset ref")
        return await self.store.delete_asset(ref) is not None

    # -- background work: checksums first, then previews ---------------------------------

    def after_store(self, meta: dict, blob: Blob) -> None:
        """Queue what a stored asset still needs; saves never wait for it."""
        if meta["crc32"] is None:
            self._crc_queue.append((meta, blob))
        if (self.thumbnails is not None and meta["role"] != THUMBNAIL_ROLE and meta["kind"] != "audio"
                and not meta.get("thumbnailRef")):
            self._thumb_queue.append((meta, blob))
        if self._background is None or self._background.done():
            self._background = asyncio.ensure_future(self._drain())

    async def resume_background(self) -> int:
        """After a restart: checksum the assets whose CRC was not written before the page closed."""
        pending = [m for m in await self.store.list_assets(None) if m["crc32"] is None]
        for meta in pending:
            blob = await self.store.get_blob(meta["ref"])
            if blob is not None:
                self._crc_queue.append((meta, blob))
        if pending and (self._background is None or self._background.done()):
            self._background = asyncio.ensure_future(self._drain())
        return len(pending)

    async def _drain(self) -> None:
        while self._crc_queue or self._thumb_queue:
            # Saves come first: a burst of them finishes before the main thread is spent on CRCs.
            await self._idle.wait()
            if self._crc_queue:
                meta, blob = self._crc_queue.pop(0)
                job, what = self._store_checksum(meta, blob), "checksum"
            else:
                meta, blob = self._thumb_queue.pop(0)
                job, what = self._make_thumbnail(meta, blob), "thumbnail"
            try:
                await job
            except Exception as err:  # the asset itself is stored; this is derived data
                print(f"{what} for {meta['ref']} failed: {err}")

    async def _store_checksum(self, meta: dict, blob: Blob) -> None:
        crc = await self.checksum(blob, meta["size"])
        await self.store.set_crc(meta["ref"], crc)

    async def _make_thumbnail(self, parent: dict, blob: Blob) -> None:
        thumb = await self.thumbnails.make(blob, parent["kind"], parent["mime"])
        if thumb is not None:
            await self.add_thumbnail(parent["ref"], thumb)

    async def add_thumbnail(self, parent_ref: str, blob: Blob) -> str | None:
        """Store an image as an asset's preview (made here, or a provider's); None if the asset
        is gone or has a preview already."""
        parent = await self.get_meta(parent_ref)
        size = self.blobs.size(blob)
        if parent is None or parent.get("thumbnailRef") or not 0 < size <= MAX_THUMBNAIL_BYTES:
            return None
        data = await self.blobs.read(blob, 0, size)
        media = resolve_type(bytes(data[:SNIFF_BYTES]), self.blobs.mime(blob), "image")
        created = self.clock()
        base = parent["name"].rsplit(".", 1)[0]
        meta = asset_record(
            ref=new_ref(), project_id=parent["projectId"], kind="image", mime=media.mime, size=size,
            crc32=zlib.crc32(data), created_at=created,
            options=AssetOptions(role=THUMBNAIL_ROLE, name=f"{base}.thumb.{media.mime.split('/')[1]}",
                                 params={"thumbnailOf": parent["ref"]}),
            default_name="")
        if not await self.store.attach_thumbnail(parent["ref"], meta, blob):
            return None
        if self.on_thumbnail:
            self.on_thumbnail(dict(parent, thumbnailRef=meta["ref"]))
        return meta["ref"]

    async def settled(self) -> None:
        """Wait until queued checksums and previews are done (tests and export use it)."""
        while self._background is not None and not self._background.done():
            await self._background


def _check_id(value: object, what: str) -> None:
    if not is_valid_ref(value):
        raise InvalidInputError(f"{value!r} is not a valid {what}.")


async def _raise_if_failed(future) -> None:
    try:
        await future
    except InvalidInputError:
        raise
    except Exception:
        pass


def _as_options(opts: AssetOptions) -> dict:
    out = {"role": opts.role, "name": opts.name, "params": opts.params}
    if opts.kind:
        out["kind"] = opts.kind
    return out
