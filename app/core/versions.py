"""Versions that order changes across devices: a hybrid logical clock.

    versions = VersionClock(clock, device)   # clock: the vault's (ms, strictly increasing)
    v = versions.stamp()                      # [ms, device]: newer than anything seen here
    versions.witness(v_from_the_bucket)       # a later stamp here is newer than that one
    newer(a, b)                               # a orders after b (None: before everything)

Wall clocks differ between devices, so a stamp is the later of this device's clock and one past
the newest version it has seen (its own or another device's): an edit made after a sync is
newer than every edit that sync brought in, whatever the clocks say. Equal milliseconds are
ordered by the device ID, so every device orders every pair of versions the same way. The ID
only breaks ties; a new one per start of the page is enough for that.

A record keeps a version per field group (``versions``): an asset's ``meta`` (name, role,
params) and ``bytes`` (the media and its type, size and CRC-32), a project's ``fields``.
A record from before versions has none, and orders before every versioned change.
"""

from __future__ import annotations

from typing import Callable

ASSET_GROUPS = ("meta", "bytes")
META_FIELDS = ("name", "role", "params")
BYTES_FIELDS = ("mime", "size", "crc32")  # the kind stays: a host app keeping the ref expects it


class VersionClock:
    def __init__(self, clock: Callable[[], int], device: str):
        self._clock = clock
        self.device = device
        self._high = 0

    def stamp(self) -> list:
        self._high = max(self._clock(), self._high + 1)
        return [self._high, self.device]

    def witness(self, version: object) -> None:
        if is_version(version):
            self._high = max(self._high, version[0])

    def witness_all(self, record: dict) -> None:
        """Every version ``record`` carries (one taken in from the bucket)."""
        for found in ((record or {}).get("versions") or {}).values():
            self.witness(found)


def is_version(value: object) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int)
            and not isinstance(value[0], bool) and isinstance(value[1], str))


def version(record: dict | None, group: str) -> tuple | None:
    """The record's version of ``group`` (None: never changed since versions began)."""
    found = ((record or {}).get("versions") or {}).get(group)
    return tuple(found) if is_version(found) else None


def newer(a, b) -> bool:
    """Whether version ``a`` orders after ``b``."""
    a = tuple(a) if a is not None else None
    b = tuple(b) if b is not None else None
    return a is not None and (b is None or a > b)


def stamped(record: dict, group: str, stamp: list) -> dict:
    """``record`` with ``group`` at version ``stamp``."""
    return dict(record, versions={**(record.get("versions") or {}), group: list(stamp)})


def check_versions(value: object) -> bool:
    """Whether a manifest's ``versions`` (absent, or {group: version}) is well formed."""
    return value is None or (isinstance(value, dict) and all(isinstance(k, str) and is_version(v)
                                                             for k, v in value.items()))
