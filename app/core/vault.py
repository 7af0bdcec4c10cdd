"""The vault: projects and media assets over a store, a Blob reader and a thumbnailer.

    vault = Vault(store, blobs, thumbnails, clock=MonotonicClock(time_ms))
    pid = await vault.create_project({"title": "Sunset"})
    ref = await vault.save_data_url(pid, "data:image/png;base64,...", {"role": "frame"})

Ingest reads each Blob once, in bounded chunks, to learn its type from its bytes and its CRC-32
(what makes export free of media reads later). Only one checksum runs at a time, so with
concurrent saves the CRC of one asset overlaps the IndexedDB write of the one before.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Callable

from .dataurl import parse_data_url
from .errors import InvalidInputError, NotFoundError
from .ids import is_valid_ref, new_project_id, new_ref
from .model import AssetOptions, asset_record, default_name, new_project
from .ports import Blob, BlobPort, StorePort, ThumbnailPort
from .sniff import SNIFF_BYTES, MediaType, resolve_type

CHUNK_BYTES = 1024 * 1024
MAX_ASSET_BYTES = 4 * 1024 ** 3
THUMBNAIL_ROLE = "thumbnail"


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
        self._digest_lock = asyncio.Lock()
        self._thumb_queue: list[tuple[dict, Blob]] = []
        self._thumb_task: asyncio.Task | None = None
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
        opts = AssetOptions.parse(options)
        project = await self.get_project(project_id)
        parsed = parse_data_url(text)
        media = resolve_type(parsed.data[:SNIFF_BYTES], parsed.mime, opts.kind)
        crc = zlib.crc32(parsed.data)
        blob = self.blobs.from_bytes(parsed.data, media.mime)
        return await self._store_new(project, blob, len(parsed.data), crc, media, opts)

    async def save_blob(self, project_id: object, blob: Blob, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        project = await self.get_project(project_id)
        size = self.blobs.size(blob)
        if size == 0:
            raise InvalidInputError("The file is empty (0 bytes).")
        if size > MAX_ASSET_BYTES:
            raise InvalidInputError(f"The file is {size / 2**30:.1f} GiB; the vault takes at most 4 GiB per file.")
        async with self._digest_lock:
            media, crc = await self._digest(blob, size, self.blobs.mime(blob), opts.kind)
        return await self._store_new(project, blob, size, crc, media, opts)

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

    async def _digest(self, blob: Blob, size: int, claimed_mime: str, claimed_kind: str | None):
        pending = self.blobs.read(blob, 0, min(CHUNK_BYTES, size))
        media: MediaType | None = None
        crc = 0
        offset = 0
        while offset < size:
            chunk = await pending
            if not chunk:
                raise InvalidInputError("The file ended early while it was being read.")
            end = offset + len(chunk)
            if end < size:
                pending = self.blobs.read(blob, end, min(end + CHUNK_BYTES, size))
            if media is None:
                media = resolve_type(bytes(chunk[:SNIFF_BYTES]), claimed_mime, claimed_kind)
            crc = zlib.crc32(chunk, crc)
            offset = end
        return media, crc

    async def _store_new(self, project: dict, blob: Blob, size: int, crc: int, media: MediaType,
                         opts: AssetOptions) -> str:
        created = self.clock()
        meta = asset_record(ref=new_ref(), project_id=project["id"], kind=media.kind, mime=media.mime,
                            size=size, crc32=crc, created_at=created, options=opts,
                            default_name=default_name(media.kind, media.mime, created))
        touched = dict(project, updatedAt=created)
        await self.store.add_assets([(meta, blob)], touched)
        self._want_thumbnail(meta, blob)
        return meta["ref"]

    # -- reading and deleting -------------------------------------------------------------

    async def get_meta(self, ref: object) -> dict | None:
        _check_id(ref, "asset ref")
        return await self.store.get_meta(ref)

    async def get_blob(self, ref: object) -> Blob | None:
        _check_id(ref, "asset ref")
        return await self.store.get_blob(ref)

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

    # -- thumbnails -----------------------------------------------------------------------

    def _want_thumbnail(self, meta: dict, blob: Blob) -> None:
        if self.thumbnails is None or meta["role"] == THUMBNAIL_ROLE or meta["kind"] == "audio":
            return
        self._thumb_queue.append((meta, blob))
        if self._thumb_task is None or self._thumb_task.done():
            self._thumb_task = asyncio.ensure_future(self._drain_thumbnails())

    async def _drain_thumbnails(self) -> None:
        # One at a time, after the saves that queued them: previews never hold up a save.
        while self._thumb_queue:
            meta, blob = self._thumb_queue.pop(0)
            try:
                await self._make_thumbnail(meta, blob)
            except Exception as err:  # a preview is optional: the asset itself is stored
                print(f"thumbnail for {meta['ref']} failed: {err}")

    async def _make_thumbnail(self, parent: dict, blob: Blob) -> None:
        thumb = await self.thumbnails.make(blob, parent["kind"], parent["mime"])
        if thumb is None:
            return
        size = self.blobs.size(thumb)
        data = await self.blobs.read(thumb, 0, size)
        created = self.clock()
        base = parent["name"].rsplit(".", 1)[0]
        meta = asset_record(
            ref=new_ref(), project_id=parent["projectId"], kind="image", mime="image/webp", size=size,
            crc32=zlib.crc32(data), created_at=created,
            options=AssetOptions(role=THUMBNAIL_ROLE, name=f"{base}.thumb.webp",
                                 params={"thumbnailOf": parent["ref"]}),
            default_name="")
        if await self.store.attach_thumbnail(parent["ref"], meta, thumb) and self.on_thumbnail:
            self.on_thumbnail(dict(parent, thumbnailRef=meta["ref"]))

    async def thumbnails_settled(self) -> None:
        """Wait until queued previews are made (tests and the UI use it; saves never do)."""
        while self._thumb_task is not None and not self._thumb_task.done():
            await self._thumb_task


def _check_id(value: object, what: str) -> None:
    if not is_valid_ref(value):
        raise InvalidInputError(f"{value!r} is not a valid {what}.")


def _as_options(opts: AssetOptions) -> dict:
    out = {"role": opts.role, "name": opts.name, "params": opts.params}
    if opts.kind:
        out["kind"] = opts.kind
    return out
