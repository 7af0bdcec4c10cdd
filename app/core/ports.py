"""The seams between the pure core and the browser: what the vault needs, not how it is done.

app/browser implements these over IndexedDB, Blob and localStorage; tests/fakes.py implements
them in memory with the same semantics. A ``Blob`` here is an opaque handle the core never opens
except through ``BlobPort.read``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Protocol

Blob = Any


class StorePort(Protocol):
    """Projects and assets. Every method that writes is one atomic transaction."""

    async def put_project(self, record: dict) -> None: ...
    async def update_record(self, store: str, key: str, change: Callable[[dict], dict | None]) -> dict | None:
        """Read-modify-write of one record ("projects" or "assets") in one transaction, so no
        write in between (a project's counters) is lost: ``change(old)`` gives the new record,
        or None to leave it. The record written, or None if there is none (or none was written)."""
    async def get_project(self, project_id: str) -> dict | None: ...
    async def list_projects(self) -> list[dict]: ...
    async def list_assets(self, project_id: str | None, kind: str | None = None) -> list[dict]:
        """Metadata only (never Blob data), ordered by createdAt; project_id None lists all."""
    async def list_assets_from(self, project_id: str, after: int | None, count: int) -> list[dict]:
        """Up to ``count`` of a project's assets with createdAt >= ``after`` (all if None), in order."""
    async def get_meta(self, ref: str) -> dict | None: ...
    async def get_metas(self, refs: list[str]) -> dict[str, dict]:
        """Many records in one transaction; refs with none are left out."""
    async def get_blob(self, ref: str) -> Blob | None: ...
    async def get_blobs(self, refs: list[str]) -> dict[str, Blob]:
        """Many Blobs in one transaction; refs with no Blob are left out."""
    async def add_assets(self, entries: list[tuple[dict, Blob]], project: dict | None) -> None:
        """Store metadata and Blobs (and the project record, if given) all or nothing."""
    async def add_to_project(self, project_id: str, entries: list[tuple[str, dict | Awaitable[dict], Blob]],
                             updated_at: int) -> bool:
        """Store (ref, metadata, Blob) entries into an existing project and touch its updatedAt,
        all or nothing; False (nothing stored) if the project is gone. Metadata may be a future
        still being computed (the Blob's write can start meanwhile); an entry whose future fails
        is not stored, and the caller raises its error."""
    async def import_project(self, project: dict, entries: list[tuple[dict, Blob]]) -> bool:
        """Add a new project with its assets, all or nothing; False (nothing stored) if the
        project ID or any ref is taken already."""
    async def set_crcs(self, crcs: dict[str, int], finished: set[str] = frozenset()) -> set[str]:
        """Record many CRC-32s in one transaction, dropping the ``pending`` mark of the refs in
        ``finished``; the refs whose asset still exists."""
    async def attach_thumbnails(self, items: list[tuple[str, dict, Blob]],
                                finished: set[str] = frozenset()) -> list[bool]:
        """Store (parent ref, metadata, Blob) previews in one transaction, each linked from its
        parent unless the parent is gone or has a preview already; parents in ``finished`` lose
        their ``pending`` mark either way. A preview goes into its parent's project as the
        transaction finds it (the parent may have moved since): its metadata is updated so."""
    async def list_pending(self) -> list[dict]:
        """The records marked ``pending`` (owed a checksum or a preview), from an index."""
    async def clear_pending(self, refs: list[str]) -> None:
        """Drop the ``pending`` mark of these records."""
    async def get_setting(self, key: str) -> object:
        """A backup setting or piece of bookkeeping (None if unset); never leaves IndexedDB."""
    async def put_setting(self, key: str, value: object) -> None:
        """Store a setting (None deletes it)."""
    async def mark_backup(self, state: str | None, only: set[str] | None) -> int:
        """Set the ``backup`` mark of every record whose mark is in ``only`` (every record if
        None) to ``state`` (None removes it), dropping ``backupError``; how many, in one transaction."""
    async def list_backup(self, state: str, limit: int | None) -> list[dict]:
        """Up to ``limit`` records whose ``backup`` mark is ``state``, from an index."""
    async def set_backup(self, states: dict[str, dict]) -> dict[str, str]:
        """Write {ref: {"backup": state, "backupError"?: why}} onto records that still exist and
        are marked (backup not turned off meanwhile); {ref: projectId} of those changed."""
    async def count_backup(self) -> dict:
        """{"queued", "uploaded", "failed": counts}, from the index alone (cheap: status redraws often)."""
    async def backup_by_project(self) -> dict[str, dict]:
        """{projectId: {"queued", "failed"}} for the projects with any record waiting or failed."""
    async def bytes_queued(self) -> int:
        """Total size of the queued records (reads each of them: ask seldom)."""
    async def put_missing_blob(self, ref: str, blob: Blob) -> str | None:
        """Store the Blob of an asset whose metadata is there but whose Blob is gone (fetched back
        from the backup); its project ID, or None if the asset is gone or has its Blob again."""
    async def replace_blob(self, meta: dict, blob: Blob) -> list[str] | None:
        """Puts ``meta`` and ``blob`` in place of the asset's, its old preview (record and Blob)
        deleted and the project's totals moved, in one transaction; the refs deleted, or None if
        the asset is gone."""
    async def move_assets(self, refs: list[str], project_id: str, change: Callable[[dict], dict | None],
                          updated_at: int) -> dict | None:
        """Move assets, each with its preview, into an existing project in one transaction:
        ``change(old)`` gives each record's new form (None refuses it), both projects' counters
        follow and the target's updatedAt becomes ``updated_at``. Assets in that project already
        are left as they are. None if the project is gone; else {"moved": [(from project ID,
        new record)], "missing": [refs], "refused": [refs]}, and nothing is written unless the
        last two are empty."""
    async def delete_asset(self, ref: str) -> list[str] | None:
        """Delete an asset and its thumbnail; unlink it if it is one. The refs deleted (the asset's
        first), or None if there is no such asset."""
    async def delete_project(self, project_id: str) -> tuple[int, int] | None:
        """Delete a project and all its assets. (count, bytes) or None if there is no project."""


class BlobPort(Protocol):
    def size(self, blob: Blob) -> int: ...
    def mime(self, blob: Blob) -> str: ...
    def read(self, blob: Blob, start: int, end: int) -> Awaitable[bytes]:
        """Start reading now (so reads can overlap work); await for the bytes."""
    def head(self, blob: Blob, length: int) -> Awaitable[bytes]:
        """The first ``length`` bytes (fewer if the Blob is shorter), for sniffing its type."""
    def read_many(self, blob: Blob, ranges: list[tuple[int, int]]) -> Awaitable[list[bytes]]:
        """Several ranges in one trip (each clipped to the Blob's end)."""
    def slice(self, blob: Blob, start: int, end: int, mime: str) -> Blob: ...
    def join(self, parts: list, mime: str) -> Blob:
        """One Blob of bytes and Blob parts, in order; Blob parts are referenced, not copied."""
    async def assemble(self, parts: list, mime: str) -> Blob:
        """``join`` for thousands of parts (an export's), in steps the page stays responsive through."""
    def from_bytes(self, data: bytes, mime: str) -> Blob: ...
    async def fetch(self, url: str) -> Blob:
        """Download a URL into a Blob; raises InvalidInputError with the reason on failure."""


class ThumbnailPort(Protocol):
    async def make(self, blob: Blob, kind: str, mime: str) -> Blob | None:
        """A small JPEG preview of an image or a video's poster frame; None if it cannot decode."""


class RemoteStore(Protocol):
    """One bucket of an S3-compatible server (app/browser/s3.py). Failures raise RemoteAuthError,
    RemoteNotFoundError, RemoteUnreachableError or RemoteError (app.core.errors) with a message a
    person can act on; a conditional write that lost a race raises RemoteConflict."""

    async def check(self) -> None:
        """Prove the bucket exists and the key may list, write and delete in it."""
    async def put(self, key: str, blob: Blob, mime: str, crc32: int | None) -> None:
        """Upload a Blob as is (its bytes never enter Python); ``crc32`` is sent for the server to check."""
    async def put_bytes(self, key: str, data: bytes, mime: str, if_match: str | None = None,
                        if_none_match: bool = False) -> str:
        """A small object written only if its ETag is still ``if_match`` (or, with
        ``if_none_match``, only if it does not exist); its new ETag."""
    async def get(self, key: str) -> tuple[Blob, str] | None:
        """(Blob, ETag), or None if there is no such object."""
    async def list(self, prefix: str, delimiter: str | None = None) -> tuple[list[dict], list[str]]:
        """Every key under ``prefix`` ({"key", "size"}), and the common prefixes if ``delimiter``."""
    async def delete(self, key: str) -> None: ...
    async def start_multipart(self, key: str, mime: str) -> str:
        """A new multipart upload's ID."""
    async def put_part(self, key: str, upload_id: str, number: int, blob: Blob) -> str:
        """Upload one part (a Blob slice); its ETag."""
    async def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        """{part number: (ETag, size)} the server holds, or None if it no longer knows the upload."""
    async def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None: ...
    async def abort_multipart(self, key: str, upload_id: str) -> None: ...


class KeyValuePort(Protocol):
    """localStorage: raises StorageUnavailableError when it cannot be used, QuotaExceededError when full."""

    def keys(self) -> list[str]: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def remove(self, key: str) -> None: ...
