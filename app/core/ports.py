"""The seams between the pure core and the browser: what the vault needs, not how it is done.

app/browser implements these over IndexedDB, Blob and localStorage; tests/fakes.py implements
them in memory with the same semantics. A ``Blob`` here is an opaque handle the core never opens
except through ``BlobPort.read``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Protocol

Blob = Any


class StorePort(Protocol):
    """Projects and assets. Every method that writes is one atomic transaction."""

    async def put_project(self, record: dict) -> None: ...
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
        their ``pending`` mark either way."""
    async def list_pending(self) -> list[dict]:
        """The records marked ``pending`` (owed a checksum or a preview), from an index."""
    async def clear_pending(self, refs: list[str]) -> None:
        """Drop the ``pending`` mark of these records."""
    async def delete_asset(self, ref: str) -> tuple[int, int] | None:
        """Delete an asset and its thumbnail; unlink it if it is one. (count, bytes) or None."""
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
    def from_bytes(self, data: bytes, mime: str) -> Blob: ...
    async def fetch(self, url: str) -> Blob:
        """Download a URL into a Blob; raises InvalidInputError with the reason on failure."""


class ThumbnailPort(Protocol):
    async def make(self, blob: Blob, kind: str, mime: str) -> Blob | None:
        """A small JPEG preview of an image or a video's poster frame; None if it cannot decode."""


class KeyValuePort(Protocol):
    """localStorage: raises StorageUnavailableError when it cannot be used, QuotaExceededError when full."""

    def keys(self) -> list[str]: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def remove(self, key: str) -> None: ...
