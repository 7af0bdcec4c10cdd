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
from typing import Awaitable, Callable

from .background import MAX_THUMBNAIL_BYTES, Background
from .dataurl import parse_data_url
from .errors import InvalidInputError, NotFoundError
from .ids import is_valid_ref, new_project_id, new_ref
from .model import (THUMBNAIL_ROLE, AssetOptions, asset_changes, asset_record, default_name, extension, new_project,
                    project_changes)
from .ports import Blob, BlobPort, StorePort, ThumbnailPort
from .sniff import SNIFF_BYTES, MediaType, resolve_type
from .tasks import start_now

MAX_ASSET_BYTES = 4 * 1024 ** 3
MAX_MOVE = 50_000  # refs in one move: a whole large project
ANNOUNCE_SLICE = 500  # changes announced per turn of the event loop after a large write
WHOLE_READ_BYTES = 512 * 1024  # saveBlob reads files up to this whole, and sums them then
BACKUP_QUEUED, BACKUP_DONE, BACKUP_FAILED = "queued", "uploaded", "failed"


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
        self.background = Background(store, blobs, thumbnails, self._attach)
        self._listeners: list[Callable[[dict], None]] = []
        self.backing_up = False  # set by the backup service: new records are queued for upload

    # -- changes: every committed write is announced, once, to every subscriber -------------

    def subscribe(self, listener: Callable[[dict], None]) -> None:
        """``listener(change)`` after each commit; change is {type, action, projectId, ref?}
        with type "project" | "asset" and action "created" | "updated" | "deleted", or "moved"
        (an asset, with ``fromProjectId``: the project it left)."""
        self._listeners.append(listener)

    def _publish(self, kind: str, action: str, project_id: str, ref: str | None = None,
                 from_project: str | None = None) -> None:
        change = {"type": kind, "action": action, "projectId": project_id}
        if ref is not None:
            change["ref"] = ref
        if from_project is not None:
            change["fromProjectId"] = from_project
        for listener in self._listeners:
            try:
                listener(change)
            except Exception as err:  # a subscriber's bug must not undo or fail a committed write
                print(f"change listener failed: {err!r}")

    def announce(self, kind: str, action: str, project_id: str, ref: str | None = None) -> None:
        """A change committed outside the stores' own writes (the backup settings): told the same way."""
        self._publish(kind, action, project_id, ref)

    # -- projects -------------------------------------------------------------------------

    async def create_project(self, options: object) -> str:
        record = new_project(options, new_project_id(), self.clock())
        await self.store.put_project(record)
        self._publish("project", "created", record["id"])
        return record["id"]

    async def get_project(self, project_id: object) -> dict:
        _check_id(project_id, "project ID")
        record = await self.store.get_project(project_id)
        if record is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        return record

    async def list_projects(self) -> list[dict]:
        """Project summaries, oldest first; counts come from the project records (the store keeps
        them with every asset write), so no asset is read."""
        return [{"id": p["id"], "title": p["title"], "createdAt": p["createdAt"], "updatedAt": p["updatedAt"],
                 "assetCount": p.get("assetCount", 0), "bytes": p.get("bytes", 0)}
                for p in sorted(await self.store.list_projects(), key=lambda p: (p["createdAt"], p["id"]))]

    async def update_project(self, project_id: object, fields: object) -> dict:
        """Rename a project or edit its fields; the project as it now stands."""
        _check_id(project_id, "project ID")
        changes = project_changes(fields)
        now = self.clock()
        record = await self.store.update_record("projects", project_id, lambda old: {**old, **changes, "updatedAt": now})
        if record is None:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._publish("project", "updated", project_id)
        return record

    async def delete_project(self, project_id: object) -> dict:
        _check_id(project_id, "project ID")
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
        # The Blob's head is read and its write begun at once; its type is sniffed meanwhile and
        # the metadata joins the same transaction (or, if the bytes are not media, the Blob is
        # dropped from it).
        created = self.clock()
        ref = new_ref()
        sniffed = start_now(self._sniffed_meta(ref, project_id, blob, size, created, opts))
        try:
            found = await self.store.add_to_project(project_id, [(ref, sniffed, blob)], created)
        except Exception:
            await _raise_if_failed(sniffed)  # a file that is not media is told so, even when full
            raise
        meta = await sniffed
        if not found:
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._stored(meta, blob)
        return ref

    async def _sniffed_meta(self, ref: str, project_id: str, blob: Blob, size: int, created: int,
                            opts: AssetOptions) -> dict:
        # A small file is read whole (a slice costs the Blob store as much as the rest of its
        # bytes): its CRC-32 is then in the record from the start, no background read owed.
        whole = size <= WHOLE_READ_BYTES
        head = await self.blobs.head(blob, size if whole else SNIFF_BYTES)
        media = resolve_type(bytes(head[:SNIFF_BYTES]), self.blobs.mime(blob), opts.kind)
        crc = zlib.crc32(head) if whole and len(head) == size else None
        return self._owing(asset_record(ref=ref, project_id=project_id, kind=media.kind, mime=media.mime,
                                        size=size, crc32=crc, created_at=created, options=opts,
                                        default_name=default_name(media.kind, media.mime, created)))

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
        """CRC-32 of a Blob, read in bounded chunks."""
        return await self.background.checksum(blob, size)

    async def _store_new(self, project_id: str, blob: Blob, size: int, crc: int | None, media: MediaType,
                         opts: AssetOptions) -> str:
        # The project is checked inside the write's transaction: no read before it (that cost a
        # round trip per save) and no asset is ever added to a project deleted meanwhile.
        created = self.clock()
        meta = self._owing(asset_record(ref=new_ref(), project_id=project_id, kind=media.kind, mime=media.mime,
                                        size=size, crc32=crc, created_at=created, options=opts,
                                        default_name=default_name(media.kind, media.mime, created)))
        if not await self.store.add_to_project(project_id, [(meta["ref"], meta, blob)], created):
            raise NotFoundError(f"There is no project {project_id!r}: it may have been deleted.")
        self._stored(meta, blob)
        return meta["ref"]

    def _stored(self, meta: dict, blob: Blob, previews: bool = True) -> None:
        self._publish("asset", "created", meta["projectId"], meta["ref"])
        self.background.owe(meta, blob, previews)

    async def add_rescued(self, entries: list[tuple[dict, Blob]], project: dict | None) -> None:
        """Store assets rescued from localStorage, with their new project record the first time."""
        entries = [(self._owing(meta), blob) for meta, blob in entries]
        with self.background.foreground():
            await self.store.add_assets(entries, project)
        project_id = project["id"] if project is not None else entries[0][0]["projectId"]
        self._publish("project", "created" if project is not None else "updated", project_id)
        for meta, blob in entries:
            self.background.owe(meta, blob)

    async def import_project(self, project: dict, entries: list[tuple[dict, Blob]], restored: bool = False) -> bool:
        """Add an imported project with its assets, all or nothing; False if an ID is taken.
        ``restored``: it came from the backup, so it is backed up already, and its previews come
        from there too (see add_restored)."""
        if restored:
            entries = [(dict(meta, backup=BACKUP_DONE), blob) for meta, blob in entries]
        entries = [(self._owing(meta, previews=not restored), blob) for meta, blob in entries]
        with self.background.foreground():  # an import is saves too: the background gives way
            if not await self.store.import_project(project, entries):
                return False
        self._publish("project", "created", project["id"])
        for meta, blob in entries:
            self.background.owe(meta, blob, previews=not restored)
        return True

    async def project_contents(self, project_id: object, refs: set[str] | None = None
                               ) -> tuple[dict, list[dict], Awaitable[dict]]:
        """(project, its assets' metadata, an awaitable of {ref: Blob} for those whose bytes are
        stored): for export; only ``refs`` and their previews when given. The Blobs are being
        read when this returns, so the caller can work out the archive's headers meanwhile."""
        project = await self.get_project(project_id)
        assets = []
        async for chunk in self.iter_assets(project_id):  # 20,000 records in one go held the page
            assets += chunk
        if refs is not None:
            assets = [m for m in assets if m["ref"] in refs or (m["role"] == THUMBNAIL_ROLE
                                                                 and m["params"].get("thumbnailOf") in refs)]
        reading = asyncio.ensure_future(self.store.get_blobs([m["ref"] for m in assets]))
        await asyncio.sleep(0)  # the read's first step runs, and issues every request
        return project, assets, reading

    async def record_crcs(self, crcs: dict[str, int]) -> None:
        # Not announced: a checksum changes nothing anyone looks at, and announcing 10,000 of
        # them would redraw every open view of the project for nothing.
        await self.store.set_crcs(crcs)

    # -- reading and deleting -------------------------------------------------------------

    async def get_meta(self, ref: object) -> dict | None:
        _check_id(ref, "asset ref")
        return _public(await self.store.get_meta(ref))

    async def get_metas(self, refs: list[str]) -> dict:
        """Metadata of many assets in one read (missing ones are absent): for redrawing cards."""
        for ref in refs:
            _check_id(ref, "asset ref")
        return await self.store.get_metas(refs) if refs else {}

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
        return [_public(m) for m in await self.store.list_assets(project_id, kind)]

    async def iter_assets(self, project_id: object, chunk: int = 2000):
        """A project's assets in creation order, ``chunk`` at a time: a 10,000-frame project
        (20,000 records with previews) read and converted in one go blocked the page for
        seconds, while the first chunk is enough to draw the first screen."""
        await self.get_project(project_id)
        after, seen, size = None, set(), chunk
        while True:
            rows = await self.store.list_assets_from(project_id, after, size)
            # The range starts at the last createdAt inclusively: records sharing it (saves in
            # two tabs in one millisecond) are not skipped, and those already yielded are dropped.
            fresh = [m for m in rows if m["ref"] not in seen]
            if fresh:
                yield fresh
            if len(rows) < size:
                return
            last = rows[-1]["createdAt"]
            if last == after:  # a whole chunk at one time: read further from the same place
                seen |= {m["ref"] for m in rows}
                size *= 2
                continue
            after, seen, size = last, {m["ref"] for m in rows if m["createdAt"] == last}, chunk

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
        _check_id(ref, "asset ref")
        changes = asset_changes(fields)

        def change(old: dict) -> dict | None:
            if old["role"] == THUMBNAIL_ROLE:
                return None
            new = {**old, **changes}
            if "backup" in new and new != old:
                # rev: an upload of the old name that ends after this must not mark the new one sent
                new.update(backup=BACKUP_QUEUED, rev=old.get("rev", 0) + 1)
                new.pop("backupError", None)
            return new
        meta = await self.store.update_record("assets", ref, change)
        if meta is None:
            old = await self.store.get_meta(ref)
            if old is not None:
                raise InvalidInputError(f"{ref!r} is a preview; the vault names and keeps previews itself.")
            raise NotFoundError(f"There is no asset {ref!r}: it may have been deleted.")
        self._publish("asset", "updated", meta["projectId"], ref)
        return _public(meta)

    async def move_assets(self, refs: object, project_id: object, sent: bool = False) -> dict:
        """Move files (each with its preview) into another project, all or none, under the same
        refs: a host app's references stay valid. With backup on, each is sent again under its
        new project (the bucket keeps a project's files under the project); ``sent``: the
        bucket has it there already (a move another device made, followed by a sync)."""
        _check_id(project_id, "project ID")
        if not isinstance(refs, list) or not refs or len(refs) > MAX_MOVE:
            raise InvalidInputError(f"moveAssets takes a list of 1 to {MAX_MOVE:,} asset refs.")
        for ref in refs:
            _check_id(ref, "asset ref")
        now = self.clock()

        def change(old: dict) -> dict | None:
            if old["role"] == THUMBNAIL_ROLE and old["params"].get("thumbnailOf") not in asked:  # a preview alone
                return None
            new = dict(old, projectId=project_id, movedAt=now)
            if "backup" in new:
                new.update(backup=BACKUP_DONE if sent else BACKUP_QUEUED, rev=old.get("rev", 0) + 1)
                new.pop("backupError", None)
            return new
        asked = set(refs)
        outcome = await self.store.move_assets(refs, project_id, change, now)
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
        _check_id(ref, "asset ref")
        old = await self.store.get_meta(ref)
        if old is None:
            raise NotFoundError(f"There is no asset {ref!r}: it may have been deleted.")
        if old["role"] == THUMBNAIL_ROLE:
            raise InvalidInputError(f"{ref!r} is a preview; the vault makes previews itself. Replace its file instead.")
        size = self.blobs.size(blob)
        if size == 0:
            raise InvalidInputError("The file is empty (0 bytes).")
        if size > MAX_ASSET_BYTES:
            raise InvalidInputError(f"The file is {size / 2**30:.1f} GiB; the vault takes at most 4 GiB per file.")
        whole = size <= WHOLE_READ_BYTES
        head = await self.blobs.head(blob, size if whole else SNIFF_BYTES)
        media = resolve_type(bytes(head[:SNIFF_BYTES]), self.blobs.mime(blob), None)
        if media.kind != old["kind"]:
            raise InvalidInputError(f"That file is {media.kind} ({media.mime}); {old['name']} is {old['kind']}, "
                                    f"and a host app keeping its ref expects {old['kind']}.")
        # Work still owed on the old bytes (a checksum, a preview) would land on the new record.
        while self.background.owes(ref):
            await asyncio.sleep(0.05)
        meta = dict(old, mime=media.mime, size=size, crc32=zlib.crc32(head) if whole and len(head) == size else None,
                    thumbnailRef=None, rev=old.get("rev", 0) + 1, replacedAt=self.clock())
        meta.pop("pending", None)
        meta.pop("backupError", None)
        if "backup" in meta:
            meta["backup"] = BACKUP_QUEUED  # the bucket holds the old bytes: sent again
        dropped = await self.store.replace_blob(self._owing(meta), blob)
        if dropped is None:
            raise NotFoundError(f"There is no asset {ref!r}: it was deleted meanwhile.")
        for gone in dropped:  # its old preview
            self._publish("asset", "deleted", meta["projectId"], gone)
        self._publish("asset", "updated", meta["projectId"], ref)
        self.background.owe(meta, blob)
        return _public(meta)

    # -- what a record owes: background work (background.py), an upload ---------------------

    def _owing(self, meta: dict, previews: bool = True) -> dict:
        return self._for_backup(self.background.mark(meta, previews))

    def _for_backup(self, meta: dict) -> dict:
        """With backup on, a new record is queued for upload in the transaction that stores it:
        the queue survives a crash a moment after the save as surely as the asset does."""
        if self.backing_up:
            meta.setdefault("backup", BACKUP_QUEUED)
        return meta

    async def resume_background(self) -> int:
        """After a restart: queue the checksums and previews the last session left undone."""
        return await self.background.resume()

    def on_checksums(self, listener: Callable[[], None]) -> None:
        """``listener()`` after each batch of background checksums is stored."""
        self.background.on_checksums(listener)

    async def add_thumbnail(self, parent_ref: str, blob: Blob) -> str | None:
        """Store an image as an asset's preview (a provider's); None if the asset is gone, has a
        preview already, or the image is empty or over 5 MiB."""
        parent = await self.get_meta(parent_ref)
        if parent is None or parent.get("thumbnailRef") or not 0 < self.blobs.size(blob) <= MAX_THUMBNAIL_BYTES:
            return None
        return (await self._attach([(parent, blob)]))[0]

    async def _attach(self, pairs: list[tuple[dict, Blob]], finished: set[str] = frozenset()) -> list[str | None]:
        """Store previews of (parent metadata, image Blob) pairs in one transaction; ``finished``:
        parents that owe nothing more once theirs is stored (their pending mark goes)."""
        data = await self.background.read_all([blob for _, blob in pairs])
        items = []
        for (parent, blob), piece in zip(pairs, data):
            media = resolve_type(bytes(piece[:SNIFF_BYTES]), self.blobs.mime(blob), "image")
            base = parent["name"].rsplit(".", 1)[0]
            meta = asset_record(
                ref=new_ref(), project_id=parent["projectId"], kind="image", mime=media.mime, size=len(piece),
                crc32=zlib.crc32(piece), created_at=self.clock(),
                options=AssetOptions(role=THUMBNAIL_ROLE, name=f"{base}.thumb.{extension(media.mime)}",
                                     params={"thumbnailOf": parent["ref"]}),
                default_name="")
            items.append((parent["ref"], self._for_backup(meta), blob))
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

    # -- backup: its queue is the ``backup`` mark of each record (see _for_backup) ----------

    async def backup_setting(self, key: str) -> object:
        return await self.store.get_setting(key)

    async def save_backup_setting(self, key: str, value: object) -> None:
        """Backup settings and bookkeeping (the secret among them) live in IndexedDB only."""
        await self.store.put_setting(key, value)

    async def requeue_for_backup(self, states: set[str] | None) -> int:
        """Queue every record whose mark is in ``states`` (all records if None); a count."""
        return await self.store.mark_backup(BACKUP_QUEUED, states)

    async def stop_backup(self) -> None:
        self.backing_up = False
        await self.store.mark_backup(None, None)

    async def backup_queue(self, limit: int) -> list[dict]:
        return await self.store.list_backup(BACKUP_QUEUED, limit)

    async def set_backup_states(self, states: dict[str, dict]) -> None:
        """{ref: {"backup": state, "backupError"?: why}}; each announced (the cards show it)."""
        for ref, project_id in (await self.store.set_backup(states)).items():
            self._publish("backup", "updated", project_id, ref)

    async def backup_counts(self) -> dict:
        return await self.store.count_backup()

    async def backup_by_project(self) -> dict[str, dict]:
        return await self.store.backup_by_project()

    async def backup_bytes_queued(self) -> int:
        return await self.store.bytes_queued()

    async def add_restored(self, project_id: str, entries: list[tuple[dict, Blob]]) -> bool:
        """Add assets fetched from the backup (another device's) to a local project, all or nothing.
        No preview is made here for them: the device that made an asset makes its preview and
        backs it up, and a second one made here would be backed up too, two previews of one
        frame in every copy. One that comes later is linked by add_restored_previews."""
        metas = [self._owing(dict(meta, backup=BACKUP_DONE), previews=False) for meta, _ in entries]
        with self.background.foreground():
            if not await self.store.add_to_project(project_id, [(m["ref"], m, b) for m, (_, b) in zip(metas, entries)],
                                                   self.clock()):
                return False
        for meta, (_, blob) in zip(metas, entries):
            self._stored(meta, blob, previews=False)
        return True

    async def add_restored_previews(self, entries: list[tuple[dict, Blob]]) -> int:
        """Previews fetched from the backup for assets this device holds, each linked to its
        parent unless the parent has one; how many were."""
        items = [(meta["params"]["thumbnailOf"], dict(meta, backup=BACKUP_DONE), blob) for meta, blob in entries]
        return sum(await self._attach_items(items))

    async def put_missing_blob(self, ref: str, blob: Blob) -> bool:
        """A lost Blob fetched back (from the backup, its CRC-32 checked by the caller)."""
        project_id = await self.store.put_missing_blob(ref, blob)
        if project_id is None:
            return False
        self._publish("asset", "updated", project_id, ref)
        return True

    def drop_pending_work(self) -> None:
        """Forget queued checksums and previews (their assets were removed underneath us)."""
        self.background.drop()

    async def settled(self) -> None:
        """Wait until queued checksums and previews are done (tests and export use it)."""
        await self.background.settled()


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


def _public(meta: dict | None) -> dict | None:
    """A record as the bridge's contract gives it: without the vault's own ``pending`` mark,
    with its backup state ("none" while backup is off)."""
    if meta is not None:
        meta.pop("pending", None)
        meta.setdefault("backup", "none")
    return meta
