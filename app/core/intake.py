"""Record intake: what a file becomes before it is stored. Its size is checked, its type sniffed
from its first bytes (never taken from a name or a claim alone), its CRC-32 summed where that
costs little, and its record built with a new ref and the vault's clock.

    media, crc = await sniff_blob(blobs, blob, size, opts.kind)
    meta = new_asset(new_ref(), project_id, media, size, crc, clock(), opts)
"""

from __future__ import annotations

import zlib
from typing import Callable

from .errors import InvalidInputError
from .ids import is_valid_ref, new_ref
from .model import THUMBNAIL_ROLE, AssetOptions, asset_record, default_name, extension
from .ports import Blob, BlobPort
from .sniff import SNIFF_BYTES, MediaType, resolve_type

MAX_ASSET_BYTES = 4 * 1024 ** 3
# A small file is read whole (a slice costs the Blob store as much as the rest of its bytes): its
# CRC-32 is then in the record from the start, no background read owed.
WHOLE_READ_BYTES = 512 * 1024


class MonotonicClock:
    """Milliseconds since the epoch, strictly increasing, so createdAt orders saves as called."""

    def __init__(self, now_ms: Callable[[], float]):
        self._now_ms = now_ms
        self._last = 0

    def __call__(self) -> int:
        self._last = max(int(self._now_ms()), self._last + 1)
        return self._last


def check_id(value: object, what: str) -> None:
    if not is_valid_ref(value):
        raise InvalidInputError(f"{value!r} is not a valid {what}.")


def check_size(size: int) -> None:
    if size == 0:
        raise InvalidInputError("The file is empty (0 bytes).")
    if size > MAX_ASSET_BYTES:
        raise InvalidInputError(f"The file is {size / 2**30:.1f} GiB; the vault takes at most 4 GiB per file.")


async def sniff_blob(blobs: BlobPort, blob: Blob, size: int, kind: str | None) -> tuple[MediaType, int | None]:
    """The media type of a Blob's bytes, and its CRC-32 if it was small enough to read whole."""
    whole = size <= WHOLE_READ_BYTES
    head = await blobs.head(blob, size if whole else SNIFF_BYTES)
    media = resolve_type(bytes(head[:SNIFF_BYTES]), blobs.mime(blob), kind)
    return media, zlib.crc32(head) if whole and len(head) == size else None


def options_for_url(url: object, opts: AssetOptions) -> AssetOptions:
    """A file fetched from ``url`` (http(s) or blob:) is named as the URL names it, unless ``opts`` do."""
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://", "blob:")):
        raise InvalidInputError("saveFromUrl takes an http(s) or blob: URL; use saveDataUrl for data: URLs.")
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1][:100]
    if opts.name or "." not in tail:
        return opts
    return AssetOptions(opts.kind, opts.role, tail, opts.params)


def new_asset(ref: str, project_id: str, media: MediaType, size: int, crc: int | None, created: int,
              opts: AssetOptions) -> dict:
    return asset_record(ref=ref, project_id=project_id, kind=media.kind, mime=media.mime, size=size, crc32=crc,
                        created_at=created, options=opts, default_name=default_name(media.kind, media.mime, created))


def new_preview(parent: dict, data: bytes, mime: str, created: int) -> dict:
    """The record of an image (``data``) stored as ``parent``'s preview."""
    media = resolve_type(bytes(data[:SNIFF_BYTES]), mime, "image")
    base = parent["name"].rsplit(".", 1)[0]
    return asset_record(ref=new_ref(), project_id=parent["projectId"], kind="image", mime=media.mime, size=len(data),
                        crc32=zlib.crc32(data), created_at=created, default_name="",
                        options=AssetOptions(role=THUMBNAIL_ROLE, name=f"{base}.thumb.{extension(media.mime)}",
                                             params={"thumbnailOf": parent["ref"]}))


def as_options(opts: AssetOptions) -> dict:
    out = {"role": opts.role, "name": opts.name, "params": opts.params}
    if opts.kind:
        out["kind"] = opts.kind
    return out


def public(meta: dict | None) -> dict | None:
    """A record as the bridge's contract gives it: without the vault's own ``pending`` mark,
    with its backup state ("none" while backup is off)."""
    if meta is not None:
        meta.pop("pending", None)
        meta.setdefault("backup", "none")
    return meta
