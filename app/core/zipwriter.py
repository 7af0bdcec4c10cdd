"""A zip writer that never touches the entries' bytes: headers only, from known sizes and CRCs.

    parts = write_zip([ZipEntry("manifest.json", data=b"{...}"),
                       ZipEntry("images/a.png", size=123, crc32=0x1234, source=blob_js)])
    # -> [b"PK\\x03\\x04...", b"{...}", b"PK\\x03\\x04...", blob_js, b"PK\\x01\\x02...PK\\x05\\x06..."]

Every entry is STORED (media is compressed already) with a UTF-8 name. ZIP64 records are written
when a size or offset passes 4 GiB or there are more than 65,535 entries, or for every entry
when ``force_zip64`` is set (how tests exercise them on small data). The caller joins the parts
(in the browser: ``new Blob(parts)``), so export time and memory grow with the number of
entries, not with their size.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from typing import Any, Generator

U16 = 0xFFFF
U32 = 0xFFFFFFFF
UTF8_FLAG = 0x0800
VERSION_ZIP = 20  # 2.0: what a plain stored entry needs
VERSION_ZIP64 = 45
MADE_BY_UNIX = 3 << 8
FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--
STEP_ROWS = 2000  # entries per step of the *_steps generators (~20-30 ms each in Pyodide)


@dataclass(frozen=True)
class ZipEntry:
    name: str
    size: int = 0
    crc32: int = 0
    source: Any = None  # an opaque handle placed in the parts as is (a Blob)
    data: bytes | None = None  # small inline content (the manifest); size and CRC computed
    mtime_ms: int = 0

    def resolved(self) -> "ZipEntry":
        if self.data is None:
            return self
        return ZipEntry(self.name, len(self.data), zlib.crc32(self.data), None, self.data, self.mtime_ms)


def dos_datetime(ms: int) -> tuple[int, int]:
    """(time, date) in MS-DOS format, UTC; clamped to 1980-2107, the range the format has."""
    t = time.gmtime(max(ms, 0) / 1000)
    if t.tm_year < 1980:
        return 0, (1 << 5) | 1
    year = min(t.tm_year, 2107)
    return (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2), ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday


def run_steps(steps: Generator):
    """A *_steps generator run to its end at once: its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def write_zip(entries: list[ZipEntry], force_zip64: bool = False) -> list:
    return run_steps(write_zip_steps(entries, force_zip64))


def write_zip_steps(entries: list[ZipEntry], force_zip64: bool = False) -> Generator[None, None, list]:
    """write_zip in steps of STEP_ROWS entries (a generator that returns the parts)."""
    parts: list = []
    central: list[bytes] = []
    offset = 0
    for i, raw in enumerate(entries, 1):
        if i % STEP_ROWS == 0:
            yield
        entry = raw.resolved()
        name = entry.name.encode("utf-8")
        big = force_zip64 or entry.size >= U32
        far = force_zip64 or offset >= U32
        dos_time, dos_date = dos_datetime(entry.mtime_ms)
        version = VERSION_ZIP64 if (big or far) else VERSION_ZIP
        local_extra = struct.pack("<HHQQ", 1, 16, entry.size, entry.size) if big else b""
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, version, UTF8_FLAG, 0, dos_time, dos_date, entry.crc32,
            U32 if big else entry.size, U32 if big else entry.size, len(name), len(local_extra))
        parts.append(header + name + local_extra)
        parts.append(entry.data if entry.data is not None else entry.source)
        # ZIP64 extra in the central directory: only the fields whose header slot says 0xFFFFFFFF.
        fields = ([entry.size, entry.size] if big else []) + ([offset] if far else [])
        central_extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
        central.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, MADE_BY_UNIX | version, version, UTF8_FLAG, 0, dos_time,
            dos_date, entry.crc32, U32 if big else entry.size, U32 if big else entry.size, len(name),
            len(central_extra), 0, 0, 0, FILE_MODE, U32 if far else offset) + name + central_extra)
        offset += len(header) + len(name) + len(local_extra) + entry.size
    directory = b"".join(central)
    parts.append(directory + _end_records(len(entries), len(directory), offset, force_zip64))
    return parts


def _end_records(count: int, cd_size: int, cd_offset: int, force_zip64: bool) -> bytes:
    zip64 = force_zip64 or count > U16 - 1 or cd_size >= U32 or cd_offset >= U32
    out = b""
    if zip64:
        record_offset = cd_offset + cd_size
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, MADE_BY_UNIX | VERSION_ZIP64, VERSION_ZIP64,
                           0, 0, count, count, cd_size, cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, U16 if zip64 else count, U16 if zip64 else count,
                       U32 if zip64 else cd_size, U32 if zip64 else cd_offset, 0)
    return out

