"""Export a project as a zip without reading its media, and import one all or nothing.

    name, blob, missing = await vault.export_project(project_id, now_ms)
    result = await vault.import_archive(archive_blob, "frames.zip", progress=print)

The vault is the door: it calls these with its own Blob store (``blobs``) and clock, and the
functions meet the vault itself only through its methods.

Export writes headers only: the media entries are the stored Blobs themselves, placed between
headers by the browser (``new Blob(parts)``), with sizes and CRC-32s from the metadata. Import
validates the whole archive first (structure, names, sizes, every CRC, the manifest) and stores
nothing until all of it has passed; then the project and every asset go into one transaction.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Callable

from .archive import (MANIFEST, archive_file_name, asset_meta, export_steps, is_skipped_in_plain_zip,
                      match_manifest, project_record, read_manifest_entry)
from .errors import InvalidArchiveError, InvalidInputError
from .ids import new_project_id, new_ref
from .model import AssetOptions, asset_record, default_name, new_project
from .sniff import SNIFF_BYTES, resolve_type
from .zipreader import read_members, stream_member
from .zipwriter import write_zip_steps

Progress = Callable[[int, int], None]
# Entries checked at once. A small entry is a single read, and alone each would wait out a whole
# trip to the Blob store; 8 (x READ_AHEAD reads of 4 MiB) measured ~1.5x faster than 1.
ENTRY_WINDOW = 8


class BlobSource:
    """The zip reader's view of a Blob: its size and ranged reads."""

    def __init__(self, blobs, blob):
        self.blobs = blobs
        self.blob = blob
        self.size = blobs.size(blob)

    def read_many(self, ranges):
        return self.blobs.read_many(self.blob, ranges)


async def export_project(vault, blobs, project_id: object, now_ms: int, progress: Progress | None = None,
                         refs: set[str] | None = None):
    """(file name, archive Blob, names of assets left out because their bytes are gone); of
    ``refs`` alone (and their previews) when given: the archive of a selection."""
    project, assets, reading = await vault.project_contents(project_id, refs)
    # The headers are worked out while the browser reads the Blobs (both take ~1 s at 20,000
    # entries). Assets saved moments ago have no checksum yet: those wait for their Blobs.
    refs = {m["ref"] for m in assets}
    ready = all(m["crc32"] is not None and (m.get("thumbnailRef") is None or m["thumbnailRef"] in refs)
                for m in assets)
    parts = await _zip_parts(project, assets, now_ms) if ready else None
    stored = await reading
    missing = [m["name"] for m in assets if m["ref"] not in stored]
    if missing or not ready:
        parts = await _parts(vault, project, [dict(m) for m in assets if m["ref"] in stored], stored, now_ms,
                             progress)
    parts = [stored[p] if isinstance(p, str) else p for p in parts]
    return archive_file_name(project["title"], now_ms), await blobs.assemble(parts, "application/zip"), missing


async def _parts(vault, project: dict, assets: list[dict], blobs: dict, now_ms: int, progress: Progress | None):
    """The archive's parts for what is stored: checksums made for assets that have none yet,
    and no preview link to a preview whose bytes are gone."""
    kept = {m["ref"] for m in assets}
    unsummed = [m for m in assets if m["crc32"] is None]
    total = sum(m["size"] for m in unsummed)
    done = 0
    for meta in unsummed:
        meta["crc32"] = await vault.checksum(blobs[meta["ref"]], meta["size"])
        await vault.record_crcs({meta["ref"]: meta["crc32"]})
        done += meta["size"]
        if progress:
            progress(done, total)
    for meta in assets:
        if meta.get("thumbnailRef") not in kept:
            meta["thumbnailRef"] = None
    return await _zip_parts(project, assets, now_ms)


async def _zip_parts(project: dict, assets: list[dict], now_ms: int) -> list:
    """The archive's parts, worked out a step at a time: at 20,000 entries the manifest and the
    headers were one ~0.4 s task that froze the page (and its progress bar)."""
    entries, _manifest = await _stepped(export_steps(project, assets, now_ms))
    return await _stepped(write_zip_steps(entries))


async def _stepped(steps):
    """A *_steps generator run to its end, the event loop turning between its steps."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        await asyncio.sleep(0)


async def import_archive(vault, blobs, clock, blob, file_name: str = "", progress: Progress | None = None) -> dict:
    source = BlobSource(blobs, blob)
    members = await read_members(source)
    by_name = {m.name: m for m in members}
    skipped: list[str] = []
    manifest = None
    if MANIFEST in by_name:
        manifest = await read_manifest_entry(source, by_name[MANIFEST])
        plan, skipped = match_manifest(manifest, members)
    else:
        plan = []
        for member in members:
            why = None if member.is_dir else is_skipped_in_plain_zip(member.name)
            if why:
                skipped.append(f"{member.name}: {why}")
            elif not member.is_dir:
                plan.append((member, None))

    verified = []
    total, done = sum(m.size for m, _ in plan), 0
    async for (member, asset), stored in _verify_in_order(blobs, source, plan):
        if stored is None:
            skipped.append(f"{member.name}: not an image, video or audio file")
        else:
            verified.append((member, asset) + stored)
        done += member.size
        if progress:
            progress(done, total)
    if not verified:
        raise InvalidArchiveError("The archive holds no image, video or audio file to import"
                                  + (f" (skipped: {'; '.join(skipped[:5])})." if skipped else "."))

    project, entries = _records(clock, manifest, verified, file_name)
    if not await vault.import_project(project, entries):
        # Its project or refs exist (imported before, or never deleted): import it as a copy.
        project, entries = _renumbered(project, entries)
        if not await vault.import_project(project, entries):
            raise InvalidArchiveError("The archive's IDs collide with stored ones even after renumbering.")
    return {"projectId": project["id"], "assets": len(entries), "skipped": skipped}


async def _verify_in_order(blobs, source: BlobSource, plan):
    """Yields (plan item, result of _verified_entry) in order, ENTRY_WINDOW entries in flight.
    The first refusal stops the rest."""
    items = iter(plan)
    running: deque = deque()

    def start_next() -> None:
        item = next(items, None)
        if item is not None:
            running.append((item, asyncio.ensure_future(_verified_entry(blobs, source, *item))))

    try:
        for _ in range(ENTRY_WINDOW):
            start_next()
        while running:
            item, task = running[0]
            stored = await task
            running.popleft()
            start_next()
            yield item, stored
    finally:
        for _, task in running:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: a second refusal is not the one to report
            else:
                task.cancel()


async def _verified_entry(blobs, source: BlobSource, member, asset):
    """(media type, Blob to store) after the CRC check; None if a plain zip's entry is not media."""
    head = bytearray()
    parts = []

    def keep(piece: bytes) -> None:
        if len(head) < SNIFF_BYTES:
            head.extend(piece[:SNIFF_BYTES - len(head)])
        if member.method == 8:  # inflated bytes leave the wasm heap at once, as Blob parts
            parts.append(blobs.from_bytes(piece, ""))

    await stream_member(source, member, keep)
    try:
        media = resolve_type(bytes(head), asset.mime if asset else None, asset.kind if asset else None)
    except InvalidInputError as err:
        if asset is not None:
            raise InvalidArchiveError(f"{member.name!r}: {err}") from None
        return None
    if member.method == 0:  # stored: the archive's own bytes, not a copy
        data = blobs.slice(source.blob, member.data_offset, member.data_offset + member.size, media.mime)
    else:
        data = blobs.join(parts, media.mime)
    return media, data


def _records(clock, manifest, verified, file_name: str):
    now = clock()
    if manifest is not None:
        project = project_record(manifest, new_project_id(), now)
    else:
        title = file_name.rsplit("/", 1)[-1].removesuffix(".zip").removesuffix(".ZIP").strip()[:200]
        project = new_project({"title": title or "Imported archive"}, new_project_id(), now)
    entries = []
    for member, asset, media, data in verified:
        if asset is not None:  # the manifest's size and CRC-32 matched the entry's (match_manifest)
            meta = asset_meta(asset, project["id"], media.kind, media.mime)
        else:
            created = clock()
            name = member.name.rsplit("/", 1)[-1]
            options = AssetOptions(role=media.kind, name=name[:255],
                                   params={"importedFrom": file_name, "path": member.name} if file_name
                                   else {"path": member.name})
            meta = asset_record(ref=new_ref(), project_id=project["id"], kind=media.kind, mime=media.mime,
                                size=member.size, crc32=member.crc32, created_at=created, options=options,
                                default_name=default_name(media.kind, media.mime, created))
        entries.append((meta, data))
    return project, entries


def _renumbered(project: dict, entries: list):
    project = dict(project, id=new_project_id())
    new = {meta["ref"]: new_ref() for meta, _ in entries}
    out = []
    for meta, data in entries:
        meta = dict(meta, ref=new[meta["ref"]], projectId=project["id"],
                    thumbnailRef=new.get(meta["thumbnailRef"]) if meta["thumbnailRef"] else None)
        if meta["params"].get("thumbnailOf") in new:
            meta["params"] = dict(meta["params"], thumbnailOf=new[meta["params"]["thumbnailOf"]])
        out.append((meta, data))
    return project, out
