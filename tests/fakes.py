"""In-memory stand-ins for the browser ports, with the same semantics as app/browser's adapters:
atomic writes, metadata apart from bytes, quota and unavailability errors."""

from __future__ import annotations

import asyncio
import copy

from app.core.changes import Change
from app.core.errors import QuotaExceededError, StorageUnavailableError
from app.core.rules import backup_settled, deletion, remarked, takes_preview, to_move, totals


class FakeBlob:
    def __init__(self, data: bytes, type: str = ""):
        self.data = bytes(data)
        self.type = type


class FakeBlobs:
    def __init__(self):
        self.reads: list[tuple[int, int]] = []
        self.urls: dict[str, FakeBlob] = {}
        self.joined: list[list] = []

    def size(self, blob):
        return len(blob.data)

    def mime(self, blob):
        return blob.type

    def read(self, blob, start, end):
        self.reads.append((start, end))

        async def done():
            return blob.data[start:end]
        return done()

    async def head(self, blob, length):
        self.reads.append((0, length))
        return blob.data[:length]

    def read_many(self, blob, ranges):
        self.reads.extend(ranges)

        async def done():
            return [blob.data[start:end] for start, end in ranges]
        return done()

    def slice(self, blob, start, end, mime):
        return FakeBlob(blob.data[start:end], mime)

    def join(self, parts, mime):
        self.joined.append(list(parts))
        return FakeBlob(b"".join(p if isinstance(p, bytes) else p.data for p in parts), mime)

    async def assemble(self, parts, mime):
        return self.join(parts, mime)

    def from_bytes(self, data, mime):
        return FakeBlob(data, mime)

    async def fetch(self, url):
        from app.core.errors import InvalidInputError
        if url not in self.urls:
            raise InvalidInputError(f"Could not download {url}: 404 Not Found.")
        return self.urls[url]


class FakeThumbnails:
    def __init__(self):
        self.made = []

    async def make(self, blob, kind, mime):
        await asyncio.sleep(0)
        self.made.append(mime)
        from tests.media import image_bytes
        return FakeBlob(image_bytes("WEBP", (32, 24), seed=len(self.made)), "image/webp")


class FakeStore:
    """Projects, asset metadata and Blobs in separate maps; a write is all or nothing."""

    def __init__(self, quota_bytes: int | None = None):
        self.projects: dict[str, dict] = {}
        self.metas: dict[str, dict] = {}
        self.blobs: dict[str, FakeBlob] = {}
        self.settings: dict[str, object] = {}
        self.quota_bytes = quota_bytes

    def _used(self):
        return sum(len(b.data) for b in self.blobs.values())

    async def put_project(self, record):
        self.projects[record["id"]] = copy.deepcopy(record)

    async def update_record(self, store, key, change):
        await asyncio.sleep(0)
        records = self.projects if store == "projects" else self.metas
        old = records.get(key)
        new = change(copy.deepcopy(old)) if old is not None else None
        if new is None:
            return None
        records[key] = copy.deepcopy(new)
        return copy.deepcopy(new)

    async def get_project(self, project_id):
        return copy.deepcopy(self.projects.get(project_id))

    async def list_projects(self):
        return [copy.deepcopy(p) for p in self.projects.values()]

    async def list_assets(self, project_id, kind=None):
        rows = [m for m in self.metas.values()
                if (project_id is None or m["projectId"] == project_id) and (kind is None or m["kind"] == kind)]
        return copy.deepcopy(sorted(rows, key=lambda m: (m["projectId"], m["createdAt"], m["ref"])))

    async def list_assets_from(self, project_id, after, count):
        rows = await self.list_assets(project_id)
        return [m for m in rows if after is None or m["createdAt"] >= after][:count]

    async def get_meta(self, ref):
        return copy.deepcopy(self.metas.get(ref))

    async def get_metas(self, refs):
        return {r: copy.deepcopy(self.metas[r]) for r in refs if r in self.metas}

    async def get_blob(self, ref):
        return self.blobs.get(ref)

    async def get_blobs(self, refs):
        return {r: self.blobs[r] for r in refs if r in self.blobs}

    async def add_assets(self, entries, project):
        await asyncio.sleep(0)
        added = sum(len(blob.data) for _, blob in entries)
        if self.quota_bytes is not None and self._used() + added > self.quota_bytes:
            raise QuotaExceededError("Storage is full.")
        for meta, blob in entries:
            self.metas[meta["ref"]] = copy.deepcopy(meta)
            self.blobs[meta["ref"]] = blob
        if project is not None:
            self.projects[project["id"]] = copy.deepcopy(project)
        self._recount()

    def _recount(self):
        """Project counters by the rule the IndexedDB store keeps them in each write's transaction."""
        counted = totals(self.metas.values())
        for project in self.projects.values():
            project["assetCount"], project["bytes"] = counted.get(project["id"], (0, 0))

    async def add_to_project(self, project_id, entries, updated_at):
        await asyncio.sleep(0)
        if project_id not in self.projects:
            return False
        ready = []
        for _ref, meta, blob in entries:
            if not isinstance(meta, dict):
                try:
                    meta = await meta
                except Exception:
                    continue
            ready.append((meta, blob))
        await self.add_assets(ready, dict(self.projects[project_id], updatedAt=updated_at))
        return True

    async def import_project(self, project, entries):
        await asyncio.sleep(0)
        if project["id"] in self.projects or any(meta["ref"] in self.metas for meta, _ in entries):
            return False
        await self.add_assets(entries, project)
        return True

    async def set_crcs(self, crcs, finished=frozenset()):
        await asyncio.sleep(0)
        done = {ref for ref in crcs if ref in self.metas}
        for ref in done:
            self.metas[ref]["crc32"] = crcs[ref]
        self._unmark(finished)
        return done

    async def attach_thumbnails(self, items, finished=frozenset()):
        await asyncio.sleep(0)
        attached = []
        for parent_ref, meta, blob in items:
            ok = takes_preview(self.metas.get(parent_ref))
            if ok:
                meta["projectId"] = self.metas[parent_ref]["projectId"]  # moved since the preview was made
                self.metas[meta["ref"]] = copy.deepcopy(meta)
                self.blobs[meta["ref"]] = blob
                self.metas[parent_ref]["thumbnailRef"] = meta["ref"]
            attached.append(ok)
        self._unmark(finished)
        self._recount()
        return attached

    async def list_pending(self):
        await asyncio.sleep(0)
        return [copy.deepcopy(m) for m in self.metas.values() if "pending" in m]

    async def clear_pending(self, refs):
        await asyncio.sleep(0)
        self._unmark(refs)

    async def get_setting(self, key):
        await asyncio.sleep(0)
        return copy.deepcopy(self.settings.get(key))

    async def put_setting(self, key, value):
        await asyncio.sleep(0)
        if value is None:
            self.settings.pop(key, None)
        else:
            self.settings[key] = copy.deepcopy(value)

    async def mark_backup(self, state, only):
        await asyncio.sleep(0)
        count = 0
        for ref, meta in self.metas.items():
            if (new := remarked(meta, state, only)) is not None:
                self.metas[ref] = new
                count += 1
        return count

    async def list_backup(self, state, limit):
        await asyncio.sleep(0)
        found = [copy.deepcopy(m) for _, m in sorted(self.metas.items()) if m.get("backup") == state]
        return found[:limit] if limit is not None else found

    async def set_backup(self, states):
        await asyncio.sleep(0)
        changed = {}
        for ref, fields in states.items():
            meta = self.metas.get(ref)
            if meta is not None and (new := backup_settled(meta, copy.deepcopy(fields))) is not None:
                self.metas[ref] = new
                changed[ref] = meta["projectId"]
        return changed

    async def count_backup(self):
        await asyncio.sleep(0)
        counts = {"queued": 0, "uploaded": 0, "failed": 0}
        for meta in self.metas.values():
            if meta.get("backup") in counts:
                counts[meta["backup"]] += 1
        return counts

    async def backup_by_project(self):
        await asyncio.sleep(0)
        out = {}
        for meta in self.metas.values():
            if meta.get("backup") in ("queued", "failed"):
                out.setdefault(meta["projectId"], {"queued": 0, "failed": 0})[meta["backup"]] += 1
        return out

    async def bytes_queued(self):
        await asyncio.sleep(0)
        return sum(m["size"] for m in self.metas.values() if m.get("backup") == "queued")

    def _unmark(self, refs):
        for ref in refs:
            if ref in self.metas:
                self.metas[ref].pop("pending", None)

    async def put_missing_blob(self, ref, blob):
        await asyncio.sleep(0)
        if ref in self.metas and ref not in self.blobs:
            self.blobs[ref] = blob
            return self.metas[ref]["projectId"]
        return None

    async def replace_blob(self, meta, blob):
        await asyncio.sleep(0)
        old = self.metas.get(meta["ref"])
        if old is None:
            return None
        doomed = [r for r in deletion(old)[0] if r in self.metas]  # the old bytes' preview goes with them
        for r in doomed:
            self.metas.pop(r)
            self.blobs.pop(r, None)
        self.metas[meta["ref"]] = copy.deepcopy(meta)
        self.blobs[meta["ref"]] = blob
        if meta["projectId"] in self.projects:  # as the IndexedDB store does, in the same write
            self.projects[meta["projectId"]]["updatedAt"] = meta["replacedAt"]
        self._recount()
        return doomed

    async def move_assets(self, refs, project_id, change, updated_at):
        await asyncio.sleep(0)
        if project_id not in self.projects:
            return None
        refs = list(dict.fromkeys(refs))
        missing = [r for r in refs if r not in self.metas]
        moving, previews = to_move({r: self.metas[r] for r in refs if r in self.metas}, project_id)
        moving.update((r, self.metas[r]) for r in previews if r in self.metas)
        news = [(old, change(copy.deepcopy(old))) for old in moving.values()]
        refused = [old["ref"] for old, new in news if new is None]
        if missing or refused:
            return {"moved": [], "missing": missing, "refused": refused}
        for _old, new in news:
            self.metas[new["ref"]] = copy.deepcopy(new)
        if news:
            self.projects[project_id]["updatedAt"] = updated_at
        self._recount()
        return {"moved": [(old["projectId"], copy.deepcopy(new)) for old, new in news], "missing": [], "refused": []}

    async def delete_asset(self, ref):
        meta = self.metas.get(ref)
        if meta is None:
            return None
        along, parent = deletion(meta)
        doomed = [ref] + [r for r in along if r in self.metas]
        if parent in self.metas:
            self.metas[parent]["thumbnailRef"] = None
        for r in doomed:
            self.metas.pop(r)
            self.blobs.pop(r, None)
        self._recount()
        return doomed

    async def delete_project(self, project_id):
        if project_id not in self.projects:
            return None
        doomed = [r for r, m in self.metas.items() if m["projectId"] == project_id]
        size = sum(self.metas[r]["size"] for r in doomed)
        for r in doomed:
            del self.metas[r]
            self.blobs.pop(r, None)
        del self.projects[project_id]
        return len(doomed), size


def announced(vault) -> list[dict]:
    """What ``vault`` announces from now on, as the ``assetvault:change`` events' details."""
    heard: list[dict] = []
    vault.subscribe(lambda change: change.announced and heard.append(change.detail()))
    return heard


def broadcast(source, target) -> None:
    """The BroadcastChannel from one tab's vault to another's: what ``source`` announces reaches
    ``target``'s stream as another tab's change, through the same detail the channel carries."""
    def post(change: Change) -> None:
        if change.announced and not change.elsewhere:
            target.announce(Change.from_detail(change.detail()))
    source.subscribe(post)


class FakeKV:
    """localStorage: string keys and values, a quota in UTF-16 code units like Chromium's."""

    def __init__(self, items=None, quota_chars: int = 5 * 1024 * 1024, available: bool = True):
        self.items = dict(items or {})
        self.quota_chars = quota_chars
        self.available = available

    def _check(self):
        if not self.available:
            raise StorageUnavailableError("localStorage is disabled in this browser.")

    def keys(self):
        self._check()
        return list(self.items)

    def get(self, key):
        self._check()
        return self.items.get(key)

    def set(self, key, value):
        self._check()
        used = sum(len(k) + len(v) for k, v in self.items.items() if k != key)
        if used + len(key) + len(value) > self.quota_chars:
            raise QuotaExceededError("localStorage is full.")
        self.items[key] = value

    def remove(self, key):
        self._check()
        self.items.pop(key, None)


class BytesSource:
    """The zip reader's source over bytes in memory; records the ranges it was asked for."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)
        self.ranges: list[tuple[int, int]] = []

    async def read_many(self, ranges):
        self.ranges.extend(ranges)
        return [self.data[start:end] for start, end in ranges]


class FakeRemote:
    """One bucket in memory, with S3's semantics where the vault relies on them: ETags, conditional
    writes, listing with a delimiter. ``faults`` are raised by the next requests, in order;
    ``requests`` logs (method, key) of every request that reached the "server"."""

    def __init__(self, objects: dict | None = None):
        self.objects: dict[str, tuple[bytes, str]] = objects if objects is not None else {}
        self.faults: list[Exception] = []
        self.requests: list[tuple[str, str]] = []
        self.sent_crcs: dict[str, int | None] = {}
        self.uploads: dict[str, dict[int, bytes]] = {}  # multipart uploads in progress
        self._etags = 0

    async def _request(self, method: str, key: str) -> None:
        await asyncio.sleep(0)
        if self.faults:
            raise self.faults.pop(0)
        self.requests.append((method, key))

    def _store(self, key: str, data: bytes) -> str:
        self._etags += 1
        etag = f'"e{self._etags}"'
        self.objects[key] = (bytes(data), etag)
        return etag

    async def check(self):
        await self._request("CHECK", "")

    async def put(self, key, blob, mime, crc32):
        await self._request("PUT", key)
        self.sent_crcs[key] = crc32
        self._store(key, blob.data)

    async def put_bytes(self, key, data, mime, if_match=None, if_none_match=False):
        from app.core.errors import RemoteConflict
        await self._request("PUT", key)
        current = self.objects.get(key)
        if (if_match and (current is None or current[1] != if_match)) or (if_none_match and current is not None):
            raise RemoteConflict(key)
        return self._store(key, data)

    async def get(self, key):
        await self._request("GET", key)
        if key not in self.objects:
            return None
        data, etag = self.objects[key]
        return FakeBlob(data, "application/octet-stream"), etag

    async def list(self, prefix, delimiter=None):
        await self._request("LIST", prefix)
        keys, prefixes = [], set()
        for key, (data, _) in sorted(self.objects.items()):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix):]
            if delimiter and delimiter in rest:
                prefixes.add(prefix + rest.split(delimiter, 1)[0] + delimiter)
            else:
                keys.append({"key": key, "size": len(data)})
        return keys, sorted(prefixes)

    async def delete(self, key):
        await self._request("DELETE", key)
        self.objects.pop(key, None)

    async def start_multipart(self, key, mime):
        await self._request("POST", key)
        upload_id = f"u{len(self.uploads) + 1}"
        self.uploads[upload_id] = {}
        return upload_id

    async def put_part(self, key, upload_id, number, blob):
        await self._request(f"PUT part {number}", key)
        self.uploads[upload_id][number] = blob.data
        return f'"p{number}-{len(blob.data)}"'

    async def list_parts(self, key, upload_id):
        await self._request("LIST parts", key)
        if upload_id not in self.uploads:
            return None
        return {n: (f'"p{n}-{len(d)}"', len(d)) for n, d in self.uploads[upload_id].items()}

    async def complete_multipart(self, key, upload_id, parts):
        await self._request("COMPLETE", key)
        held = self.uploads.pop(upload_id)
        assert [n for n, _ in parts] == sorted(held), "every part, in order"
        self._store(key, b"".join(held[n] for n, _ in parts))

    async def abort_multipart(self, key, upload_id):
        await self._request("ABORT", key)
        self.uploads.pop(upload_id, None)
