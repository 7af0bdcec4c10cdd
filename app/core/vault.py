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
from typing import Callable

from .background import MAX_THUMBNAIL_BYTES, Background
from .backup_marks import BackupMarks
from . import transfer
from .changes import Change, ChangeBus
from .dataurl import parse_data_url
from .errors import InvalidInputError, NotFoundError
from .ids import new_project_id, new_ref
from .intake import as_options, check_id, check_size, new_asset, new_preview, options_for_url, public, sniff_blob
from .model import THUMBNAIL_ROLE, AssetOptions, asset_changes, new_project, project_changes
from .ports import Blob, BlobPort, StorePort, ThumbnailPort
from .reads import Reads
from .restored import Restored
from .rules import BACKUP_DONE, edited, moved, replaced
from .sniff import SNIFF_BYTES, resolve_type
from .tasks import raise_if_refused, start_now
from .versions import VersionClock, stamped

MAX_MOVE = 50_000  # refs in one move: a whole large project
ANNOUNCE_SLICE = 500  # changes announced per turn of the event loop after a large write


class Vault(Reads, Restored):
    """The one door for writes, export and import; its reads are reads.py's, and what it takes in
    from the backup restored.py's."""

    def __init__(self, store: StorePort, blobs: BlobPort, thumbnails: ThumbnailPort | None,
                 clock: Callable[[], int]):
        self.store = store
        self.blobs = blobs
        self.thumbnails = thumbnails
        self.clock = clock
        # Parts of the door with a module each: work owed in the background, the backup's marks.
        self._bus = ChangeBus()
        self.versions = VersionClock(clock, new_ref()[2:])  # orders edits across devices (versions.py)
        self.background = Background(store, blobs, thumbnails, self._attach, self._bus.publish)
        self.marks = BackupMarks(store, self._publish)

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """``listener(change)`` for every change, once (app/core/changes.py)."""
        self._bus.subscribe(listener)

    def announce(self, change: Change) -> None:
        """A change made outside the vault's own writes (generation status, the backup's settings
        and progress, another tab's change): told on the same stream."""
        self._bus.publish(change)

    def _publish(self, kind: str, action: str, project_id: str, ref: str | None = None,
                 from_project: str | None = None) -> None:
        self._bus.publish(Change(kind, action, project_id, ref, from_project))

    # -- projects -------------------------------------------------------------------------

    async def create_project(self, options: object) -> str:
        record = new_project(options, new_project_id(), self.clock())
        await self.store.put_project(record)
        self._publish("project", "created", record["id"])
        return record["id"]

    async def update_project(self, project_id: object, fields: object) -> dict:
        """Rename a project or edit its fields; the project as it now stands."""
        check_id(project_id, "project ID")
        changes = project_changes(fields)
        now, stamp = self.clock(), self.versions.stamp()
        record = await self.store.update_record("projects", project_id,
                                                lambda old: stamped({**old, **changes, "updatedAt": now}, "fields", stamp))
        if record is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._publish("project", "updated", project_id)
        return record

    async def delete_project(self, project_id: object) -> dict:
        check_id(project_id, "project ID")
        result = await self.store.delete_project(project_id)
        if result is None:
            raise NotFoundError(f"There is no project {project_id!r} to delete.")
        self.background.forget(project_id=project_id)
        self._publish("project", "deleted", project_id)
        return {"assetsDeleted": result[0], "bytesFreed": result[1]}

    # -- saving ---------------------------------------------------------------------------

    async def save_data_url(self, project_id: object, text: object, options: object = None) -> str:
        with self.background.foreground():
            return await self._save_data_url(project_id, text, options)

    async def save_blob(self, project_id: object, blob: Blob, options: object = None) -> str:
        with self.background.foreground():
            return await self._save_blob(project_id, blob, options)

    @property
    def busy(self) -> bool:
        """Saves or imports are in flight."""
        return self.background.busy

    async def _save_data_url(self, project_id: object, text: object, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        check_id(project_id, "project ID")
        parsed = parse_data_url(text)
        media = resolve_type(parsed.data[:SNIFF_BYTES], parsed.mime, opts.kind)
        crc = zlib.crc32(parsed.data)
        blob = self.blobs.from_bytes(parsed.data, media.mime)
        return await self._store_new(project_id, blob, len(parsed.data), crc, media, opts)

    async def _save_blob(self, project_id: object, blob: Blob, options: object = None) -> str:
        opts = AssetOptions.parse(options)
        check_id(project_id, "project ID")
        size = self.blobs.size(blob)
        check_size(size)
        # The Blob's head is read and its write begun at once; its type is sniffed meanwhile and
        # the metadata joins the same transaction (or, if the bytes are not media, the Blob is
        # dropped from it).
        created = self.clock()
        ref = new_ref()
        sniffed = start_now(self._sniffed_meta(ref, project_id, blob, size, created, opts))
        try:
            found = await self.store.add_to_project(project_id, [(ref, sniffed, blob)], created)
        except Exception:
            await raise_if_refused(sniffed)  # a file that is not media is told so, even when full
            raise
        meta = await sniffed
        if not found:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._stored(meta, blob)
        return ref

    async def _sniffed_meta(self, ref: str, project_id: str, blob: Blob, size: int, created: int,
                            opts: AssetOptions) -> dict:
        media, crc = await sniff_blob(self.blobs, blob, size, opts.kind)
        return self._owing(new_asset(ref, project_id, media, size, crc, created, opts))

    async def save_from_url(self, project_id: object, url: object, options: object = None) -> str:
        opts = options_for_url(url, AssetOptions.parse(options))
        await self.get_project(project_id)
        return await self.save_blob(project_id, await self.blobs.fetch(url), as_options(opts))

    async def checksum(self, blob: Blob, size: int) -> int:
        """CRC-32 of a Blob, read in bounded chunks."""
        return await self.background.checksum(blob, size)

    async def _store_new(self, project_id: str, blob: Blob, size: int, crc: int | None, media,
                         opts: AssetOptions) -> str:
        # The project is checked inside the write's transaction: no read before it (that cost a
        # round trip per save) and no asset is ever added to a project deleted meanwhile.
        created = self.clock()
        meta = self._owing(new_asset(new_ref(), project_id, media, size, crc, created, opts))
        if not await self.store.add_to_project(project_id, [(meta["ref"], meta, blob)], created):
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._stored(meta, blob)
        return meta["ref"]

    def _stored(self, meta: dict, blob: Blob, previews: bool = True) -> None:
        self._publish("asset", "created", meta["projectId"], meta["ref"])
        self.background.owe(meta, blob, previews)

    async def add_rescued(self, found: list, project_id: str | None, title: str) -> tuple[str, list[str]]:
        """Store media rescued from localStorage (legacy.Rescued), in a new project titled
        ``title`` the first time (``project_id`` None); (the project's ID, the new refs)."""
        project = new_project({"title": title}, new_project_id(), self.clock()) if project_id is None else None
        pid = project["id"] if project else project_id
        entries = [(self._owing(new_asset(new_ref(), pid, f.media, len(f.data), zlib.crc32(f.data), self.clock(),
                                          AssetOptions(None, f.options.role, f.name, f.options.params))),
                    self.blobs.from_bytes(f.data, f.media.mime)) for f in found]
        with self.background.foreground():
            await self.store.add_assets(entries, project)
        self._publish("project", "created" if project else "updated", pid)
        for meta, blob in entries:
            self.background.owe(meta, blob)
        return pid, [meta["ref"] for meta, _ in entries]

    async def import_project(self, project: dict, entries: list[tuple[dict, Blob]], restored: bool = False) -> bool:
        """Add an imported project with its assets, all or nothing; False if an ID is taken.
        ``restored``: it came from the backup, so it is backed up already, and its previews come
        from there too (see add_restored)."""
        if restored:
            entries = [(dict(meta, backup=BACKUP_DONE), blob) for meta, blob in entries]
            for record in [project] + [meta for meta, _ in entries]:
                self.versions.witness_all(record)  # an edit here then orders after the restored ones
        entries = [(self._owing(meta, previews=not restored), blob) for meta, blob in entries]
        with self.background.foreground():  # an import is saves too: the background gives way
            if not await self.store.import_project(project, entries):
                return False
        self._publish("project", "created", project["id"])
        for meta, blob in entries:
            self.background.owe(meta, blob, previews=not restored)
        return True

    async def export_project(self, project_id: object, now_ms: int, progress=None, refs: set[str] | None = None):
        """(file name, archive Blob, names of files left out: their bytes are gone): transfer.py."""
        return await transfer.export_project(self, self.blobs, project_id, now_ms, progress, refs)

    async def import_archive(self, blob: Blob, file_name: str = "", progress=None) -> dict:
        """A project from an archive, all or nothing: transfer.py."""
        return await transfer.import_archive(self, self.blobs, self.clock, blob, file_name, progress)

    async def record_crcs(self, crcs: dict[str, int]) -> None:
        # Not announced: a checksum changes nothing anyone looks at, and announcing 10,000 of
        # them would redraw every open view of the project for nothing.
        await self.store.set_crcs(crcs)

    # -- deleting and editing -----------------------------------------------------------

    async def delete_asset(self, ref: object) -> bool:
        meta = await self.get_meta(ref)
        if meta is None or (dropped := await self.store.delete_asset(ref)) is None:
            return False
        # Its preview goes with it, and says so: the backup's tombstone for the preview is what
        # keeps other devices (and this one's next pull) from bringing it back as an orphan.
        self.background.forget(dropped)
        for gone in dropped:
            self._publish("asset", "deleted", meta["projectId"], gone)
        return True

    async def update_asset(self, ref: object, fields: object) -> dict:
        """Rename a file, or change its role or params; its bytes stay. With backup on it is sent
        again (the bucket's copy is named after the file and carries its params)."""
        check_id(ref, "asset ref")
        meta = await self.store.update_record("assets", ref, edited(asset_changes(fields), self.versions.stamp()))
        if meta is None:
            old = await self.store.get_meta(ref)
            if old is not None:
                raise InvalidInputError(f"{ref!r} is a preview; the vault names and keeps previews itself.")
            raise NotFoundError(f"There is no asset {ref!r}: it may have been deleted.")
        self._publish("asset", "updated", meta["projectId"], ref)
        return public(meta)

    async def move_assets(self, refs: object, project_id: object, sent: bool = False) -> dict:
        """Move files (each with its preview) into another project, all or none, under the same
        refs: a host app's references stay valid. With backup on, each is sent again under its
        new project (the bucket keeps a project's files under the project); ``sent``: the
        bucket has it there already (a move another device made, followed by a sync)."""
        check_id(project_id, "project ID")
        if not isinstance(refs, list) or not refs or len(refs) > MAX_MOVE:
            raise InvalidInputError(f"moveAssets takes a list of 1 to {MAX_MOVE:,} asset refs.")
        for ref in refs:
            check_id(ref, "asset ref")
        now = self.clock()
        outcome = await self.store.move_assets(refs, project_id, moved(set(refs), project_id, now, sent), now)
        if outcome is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted. Nothing was moved.")
        if outcome["missing"]:
            raise NotFoundError(f"{len(outcome['missing']):,} of the files are gone (the first: "
                                f"{outcome['missing'][0]!r}); nothing was moved.")
        if outcome["refused"]:
            raise InvalidInputError(f"{outcome['refused'][0]!r} is a preview; it moves with its file. Nothing was moved.")
        self.background.moved((meta["ref"] for _, meta in outcome["moved"]), project_id)
        for index, (from_project, meta) in enumerate(outcome["moved"], 1):
            self._publish("asset", "moved", project_id, meta["ref"], from_project=from_project)
            if index % ANNOUNCE_SLICE == 0:
                await asyncio.sleep(0)  # told in slices: 20,000 at once held the page over a second
        return {"projectId": project_id, "moved": sum(1 for _, m in outcome["moved"] if m["role"] != THUMBNAIL_ROLE)}

    async def replace_blob(self, ref: object, blob: Blob) -> dict:
        """New media under the same ref (a file made again, or a lost one replaced): every
        reference a host app kept stays valid. The bytes must be media of the asset's kind; its
        CRC-32 and preview are made again, and the old Blob and preview go in the transaction
        that stores the new one."""
        check_id(ref, "asset ref")
        old = await self.store.get_meta(ref)
        if old is None:
            raise NotFoundError(f"There is no asset {ref!r}: it may have been deleted.")
        if old["role"] == THUMBNAIL_ROLE:
            raise InvalidInputError(f"{ref!r} is a preview; the vault makes previews itself. Replace its file instead.")
        size = self.blobs.size(blob)
        check_size(size)
        media, crc = await sniff_blob(self.blobs, blob, size, None)
        if media.kind != old["kind"]:
            raise InvalidInputError(f"That file is {media.kind} ({media.mime}); {old['name']} is {old['kind']}, "
                                    f"and a host app keeping its ref expects {old['kind']}.")
        # Work still owed on the old bytes (a checksum, a preview) would land on the new record.
        await self.background.done_with(ref)
        meta = replaced(old, media, size, crc, self.clock(), self.versions.stamp())
        dropped = await self.store.replace_blob(self._owing(meta), blob)
        if dropped is None:
            raise NotFoundError(f"There is no asset {ref!r}: it was deleted meanwhile.")
        for gone in dropped:  # its old preview
            self._publish("asset", "deleted", meta["projectId"], gone)
        self._publish("asset", "updated", meta["projectId"], ref)
        self.background.owe(meta, blob)
        return public(meta)

    # -- what a record owes: background work (background.py), an upload ---------------------

    def _owing(self, meta: dict, previews: bool = True) -> dict:
        return self.marks.mark_new(self.background.mark(meta, previews))

    async def add_thumbnail(self, parent_ref: str, blob: Blob) -> str | None:
        """Store an image as an asset's preview (a provider's); None if the asset is gone, has a
        preview already, or the image is empty or over 5 MiB."""
        parent = await self.get_meta(parent_ref)
        if parent is None or parent.get("thumbnailRef") or not 0 < self.blobs.size(blob) <= MAX_THUMBNAIL_BYTES:
            return None
        return (await self._attach([(parent, blob)]))[0]

    async def fetch_thumbnail(self, parent_ref: str, url: str) -> str | None:
        """A provider's preview of an asset, downloaded and stored as add_thumbnail stores one."""
        return await self.add_thumbnail(parent_ref, await self.blobs.fetch(url))

    async def _attach(self, pairs: list[tuple[dict, Blob]], finished: set[str] = frozenset()) -> list[str | None]:
        """Store previews of (parent metadata, image Blob) pairs in one transaction; ``finished``:
        parents that owe nothing more once theirs is stored (their pending mark goes)."""
        data = await self.background.read_all([blob for _, blob in pairs])
        items = []
        for (parent, blob), piece in zip(pairs, data):
            meta = new_preview(parent, piece, self.blobs.mime(blob), self.clock())
            items.append((parent["ref"], self.marks.mark_new(meta), blob))
        attached = await self._attach_items(items, finished)
        return [meta["ref"] if ok else None for (_, meta, _), ok in zip(items, attached)]

    async def _attach_items(self, items: list[tuple[str, dict, Blob]], finished: set[str] = frozenset()) -> list[bool]:
        """(parent ref, preview metadata, Blob): each stored and linked unless its parent is gone
        or has a preview; each one that was is announced with its parent."""
        attached = await self.store.attach_thumbnails(items, finished)
        for (parent_ref, meta, _), ok in zip(items, attached):
            if ok:
                self._publish("asset", "created", meta["projectId"], meta["ref"])
                self._publish("asset", "updated", meta["projectId"], parent_ref)
        return attached

    async def settled(self) -> None:
        """Wait until queued checksums and previews are done (tests and export use it)."""
        await self.background.settled()
