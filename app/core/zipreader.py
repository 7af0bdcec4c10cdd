"""A zip reader that trusts nothing: it reads the end records and central directory through
ranged reads (``Blob.slice`` in the browser, a file on CPython), checks every entry, and then
streams each entry's data to verify its CRC-32 in bounded chunks.

    members = await read_members(source)                 # validated, or InvalidArchiveError
    await stream_member(source, members[0], on_chunk)    # CRC checked; deflate inflated in bounds

``source`` has ``size`` and ``read_many(ranges) -> [bytes]`` (several ranges in one trip: in the
browser each trip to the Blob store costs more than the bytes). Refused: absolute paths, drive
letters, ``..``, backslashes, NUL or control characters, empty names, names equal after case
folding and Unicode normalisation, symlinks, encryption, methods other than STORE and DEFLATE,
split archives, more than MAX_ENTRIES entries, local headers that disagree with the central
directory, overlapping entries, sizes over the caps, DEFLATE beyond MAX_RATIO:1, and CRC errors.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol

from .errors import InvalidArchiveError

MAX_ENTRIES = 10_000
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # smaller entries may compress better than 100:1 (text, blank frames)
MAX_ENTRY_BYTES = 4 * 1024 ** 3
MAX_TOTAL_BYTES = 16 * 1024 ** 3
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
READ_AHEAD = 2  # reads in flight per entry: one trip to the Blob store overlaps the next

METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd"}

EOCD = b"PK\x05\x06"
EOCD_SIZE = 22
U16, U32 = 0xFFFF, 0xFFFFFFFF
FLAG_ENCRYPTED = 0x0001
FLAG_DESCRIPTOR = 0x0008
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_UTF8 = 0x0800
S_IFMT, S_IFLNK, S_IFREG, S_IFDIR = 0o170000, 0o120000, 0o100000, 0o040000
_DRIVE = re.compile(r"^[A-Za-z]:")


class Source(Protocol):
    size: int

    def read_many(self, ranges: list[tuple[int, int]]) -> Awaitable[list[bytes]]: ...


@dataclass
class Member:
    name: str
    raw_name: bytes
    method: int
    flags: int
    crc32: int
    compressed: int
    size: int
    header_offset: int
    is_dir: bool
    data_offset: int = -1


def _refuse(where: str, why: str) -> InvalidArchiveError:
    return InvalidArchiveError(f"{where}: {why}" if where else why)


async def _read(source: Source, start: int, end: int) -> bytes:
    return (await source.read_many([(start, end)]))[0]


async def read_members(source: Source, max_total: int = MAX_TOTAL_BYTES) -> list[Member]:
    size = source.size
    if size == 0:
        raise _refuse("", "The file is empty (0 bytes), not a zip archive.")
    if size < EOCD_SIZE:
        raise _refuse("", f"The file is {size} bytes long: too short to be a zip archive.")
    count, cd_size, cd_offset, end_of_cd = await _end_records(source)
    if count > MAX_ENTRIES:
        raise _refuse("", f"The archive lists {count:,} entries; the limit is {MAX_ENTRIES:,}.")
    if cd_size > MAX_DIRECTORY_BYTES or cd_offset + cd_size != end_of_cd:
        raise _refuse("", "The archive's central directory is not where its end record says "
                          "(the file is truncated or has bytes added).")
    members = _parse_directory(await _read(source, cd_offset, end_of_cd), count)
    _check_names(members)
    await _check_local_headers(source, members, cd_offset)
    total = 0
    for m in members:
        _check_sizes(m)
        total += m.size
    if total > max_total:
        raise _refuse("", f"The archive would unpack to {total / 2**30:.1f} GiB; the limit is "
                          f"{max_total / 2**30:.0f} GiB.")
    return members


async def _end_records(source: Source) -> tuple[int, int, int, int]:
    size = source.size
    tail_start = max(0, size - (EOCD_SIZE + U16))
    tail = await _read(source, tail_start, size)
    pos = tail.rfind(EOCD)
    while pos >= 0 and pos + EOCD_SIZE + struct.unpack_from("<H", tail, pos + 20)[0] != len(tail):
        pos = tail.rfind(EOCD, 0, pos)
    if pos < 0:
        if tail_start == 0 and tail.startswith(b"PK\x03\x04"):
            raise _refuse("", "The archive is truncated: its end record is missing.")
        raise _refuse("", "This is not a zip archive (no end record found).")
    disk, cd_disk, on_disk, count, cd_size, cd_offset, _ = struct.unpack_from("<HHHHIIH", tail, pos + 4)
    eocd_at = tail_start + pos
    locator_at = eocd_at - 20
    has_locator = locator_at >= 0 and (await _read(source, locator_at, locator_at + 4)) == b"PK\x06\x07"
    if has_locator:
        locator = await _read(source, locator_at, eocd_at)
        _, zip64_disk, record_at, disks = struct.unpack("<IIQI", locator)
        if zip64_disk != 0 or disks != 1 or record_at + 56 > locator_at:
            raise _refuse("", "The archive's ZIP64 locator is damaged or points at another disk.")
        record = await _read(source, record_at, record_at + 56)
        if record[:4] != b"PK\x06\x06":
            raise _refuse("", "The archive's ZIP64 end record is missing (truncated?).")
        (disk, cd_disk, on_disk, count, cd_size, cd_offset) = struct.unpack_from("<IIQQQQ", record, 16)
        end_of_cd = record_at
    else:
        if U32 in (cd_size, cd_offset) or count == U16:
            raise _refuse("", "The archive needs ZIP64 records but has none (truncated?).")
        end_of_cd = eocd_at
    if disk != 0 or cd_disk != 0 or on_disk != count:
        raise _refuse("", "Split or spanned archives (several disks) are not supported.")
    return count, cd_size, cd_offset, end_of_cd


def _decode_name(raw: bytes, flags: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if flags & FLAG_UTF8:
            raise _refuse(repr(raw.decode("utf-8", "replace")), "the name is not valid UTF-8") from None
        return raw.decode("cp437")  # the zip default before UTF-8, as Python's zipfile reads it


def _parse_directory(cd: bytes, count: int) -> list[Member]:
    members = []
    at = 0
    for index in range(count):
        if cd[at:at + 4] != b"PK\x01\x02" or at + 46 > len(cd):
            raise _refuse("", f"The central directory is damaged at entry {index + 1}.")
        (made_by, _, flags, method, _, _, crc, compressed, size, name_len, extra_len, comment_len,
         disk, _, ext_attr, offset) = struct.unpack_from("<HHHHHHIIIHHHHHII", cd, at + 4)
        raw = cd[at + 46:at + 46 + name_len]
        extra = cd[at + 46 + name_len:at + 46 + name_len + extra_len]
        at += 46 + name_len + extra_len + comment_len
        if at > len(cd):
            raise _refuse("", f"The central directory is damaged at entry {index + 1}.")
        name = _decode_name(raw, flags)
        where = repr(name)
        size, compressed, offset, disk = _zip64_fields(extra, size, compressed, offset, disk, where)
        if disk not in (0, U16):
            raise _refuse(where, "the entry is on another disk of a split archive")
        if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) or method == 99:
            raise _refuse(where, "the entry is encrypted; the vault only imports unencrypted archives")
        mode = ext_attr >> 16
        if made_by >> 8 == 3 and mode & S_IFMT == S_IFLNK:
            raise _refuse(where, "the entry is a symbolic link, which an import never follows")
        if method not in (0, 8):
            known = f" ({METHOD_NAMES[method]})" if method in METHOD_NAMES else ""
            raise _refuse(where, f"compression method {method}{known} is not supported (only stored and "
                                 "deflated; zip it again with the standard Deflate method)")
        is_dir = name.endswith("/") or (made_by >> 8 == 3 and mode & S_IFMT == S_IFDIR)
        members.append(Member(name, raw, method, flags, crc, compressed, size, offset, is_dir))
    if at != len(cd):
        raise _refuse("", "The central directory has bytes its end record does not account for.")
    return members


def _zip64_fields(extra: bytes, size: int, compressed: int, offset: int, disk: int, where: str):
    wanted = [v == U32 for v in (size, compressed, offset)] + [disk == U16]
    if not any(wanted):
        return size, compressed, offset, disk
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4:at + 4 + length]
        at += 4 + length
        if tag != 1:
            continue
        values = [size, compressed, offset, disk]
        pos = 0
        for i, need in enumerate(wanted):
            if need:
                fmt, width = ("<I", 4) if i == 3 else ("<Q", 8)
                if pos + width > len(body):
                    raise _refuse(where, "the entry's ZIP64 field is too short")
                values[i] = struct.unpack_from(fmt, body, pos)[0]
                pos += width
        return tuple(values)
    raise _refuse(where, "the entry's sizes need a ZIP64 field, which is missing")


def check_name(name: str) -> str | None:
    """Why a name is unsafe to unpack anywhere, or None."""
    if not name or name.strip("/") == "":
        return "the name is empty"
    if "\x00" in name:
        return "the name contains a NUL character"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "the name contains control characters"
    if "\\" in name:
        return "the name contains a backslash (a Windows path)"
    if name.startswith("/"):
        return "the name is an absolute path"
    if _DRIVE.match(name):
        return "the name starts with a drive letter"
    parts = name.rstrip("/").split("/")
    if any(p in ("..", ".") for p in parts):
        return "the name contains a '..' or '.' path segment"
    if any(p == "" for p in parts):
        return "the name contains an empty path segment ('//')"
    return None


def folded(name: str) -> str:
    """The key two names collide under: case folded and Unicode-normalised (NFC)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold()).rstrip("/")


def _check_names(members: list[Member]) -> None:
    seen: dict[str, str] = {}
    for m in members:
        problem = check_name(m.name)
        if problem:
            raise _refuse(repr(m.name), problem)
        key = folded(m.name)
        if key in seen:
            same = "" if seen[key] == m.name else f" (same as {seen[key]!r} once case and accents are normalised)"
            raise _refuse(repr(m.name), f"the name appears twice{same}")
        seen[key] = m.name


async def _check_local_headers(source: Source, members: list[Member], cd_offset: int) -> None:
    # One trip for every fixed-size part; names and extras follow in a second trip.
    for m in members:
        if m.header_offset + 30 > cd_offset:
            raise _refuse(repr(m.name), "its local header lies outside the archive's data (truncated?)")
    fixed = await source.read_many([(m.header_offset, m.header_offset + 30) for m in members])
    tails = []
    for m, head in zip(members, fixed):
        if head[:4] != b"PK\x03\x04":
            raise _refuse(repr(m.name), "its local header is missing where the central directory says")
        name_len, extra_len = struct.unpack_from("<HH", head, 26)
        start = m.header_offset + 30
        m.data_offset = start + name_len + extra_len
        tails.append((start, start + name_len + extra_len))
    rest = await source.read_many(tails) if members else []
    ends = []
    for m, head, tail in zip(members, fixed, rest):
        (_, flags, method, _, _, crc, compressed, size, name_len, extra_len) = struct.unpack_from(
            "<HHHHHIIIHH", head, 4)
        where = repr(m.name)
        if tail[:name_len] != m.raw_name:
            raise _refuse(where, "its local header names a different file than the central directory")
        if method != m.method or (flags & FLAG_ENCRYPTED) != (m.flags & FLAG_ENCRYPTED):
            raise _refuse(where, "its local header disagrees with the central directory (method or flags)")
        if not flags & FLAG_DESCRIPTOR:
            size, compressed, _, _ = _zip64_fields(tail[name_len:], size, compressed, 0, 0, where)
            if (crc, compressed, size) != (m.crc32, m.compressed, m.size):
                raise _refuse(where, "its local header disagrees with the central directory (CRC or sizes)")
        ends.append((m.header_offset, m.data_offset + m.compressed, m))
    ends.sort(key=lambda e: e[0])
    for (_, end, m), nxt in zip(ends, ends[1:] + [(cd_offset, 0, None)]):
        if end > nxt[0]:
            other = f"overlaps {nxt[2].name!r}" if nxt[2] else "runs into the central directory"
            raise _refuse(repr(m.name), f"its data {other} (a crafted or damaged archive)")


def _check_sizes(m: Member) -> None:
    where = repr(m.name)
    if m.is_dir:
        if m.size:
            raise _refuse(where, "a folder entry holds data")
        return
    if m.size > MAX_ENTRY_BYTES:
        raise _refuse(where, f"the file is {m.size / 2**30:.1f} GiB; the limit is 4 GiB per file")
    if m.method == 0 and m.compressed != m.size:
        raise _refuse(where, "a stored entry's sizes disagree")
    if m.method == 8 and m.size > RATIO_FLOOR and m.size > MAX_RATIO * max(m.compressed, 1):
        raise _refuse(where, f"it would expand {m.size // max(m.compressed, 1):,}:1 when unpacked, "
                             f"over the {MAX_RATIO}:1 limit (a zip bomb?)")


async def stream_member(source: Source, m: Member, on_chunk: Callable[[bytes], None] | None = None,
                        chunk_bytes: int = CHUNK_BYTES) -> None:
    """Read an entry's data in bounded chunks, inflating DEFLATE, and check its size and CRC-32.
    ``on_chunk`` receives the (uncompressed) bytes in order, if the caller keeps them."""
    entry = _Entry(source, m, on_chunk, chunk_bytes)
    try:
        entry.ask()
        while entry.reads:
            want, pending = entry.reads.popleft()
            chunk = (await pending)[0]
            if len(chunk) != want:
                raise _refuse(entry.where, "the file ended inside this entry (truncated)")
            entry.ask()
            entry.feed(chunk)
            del chunk  # not held in the wasm heap while the next read is awaited
    finally:
        entry.drop()
    entry.finish()


class _Entry:
    """One entry's bytes as they arrive: read READ_AHEAD chunks ahead, inflated, counted, summed."""

    def __init__(self, source: Source, m: Member, on_chunk, chunk_bytes: int):
        self.source, self.m, self.on_chunk, self.chunk_bytes = source, m, on_chunk, chunk_bytes
        self.where = repr(m.name)
        self.inflater = zlib.decompressobj(-15) if m.method == 8 else None
        self.crc = self.produced = 0
        self.reads: deque = deque()  # (length expected, awaitable bytes)
        self.at, self.end = m.data_offset, m.data_offset + m.compressed

    def ask(self) -> None:
        while len(self.reads) < READ_AHEAD and self.at < self.end:
            stop = min(self.at + self.chunk_bytes, self.end)
            self.reads.append((stop - self.at, self.source.read_many([(self.at, stop)])))
            self.at = stop

    def feed(self, chunk: bytes) -> None:
        if self.inflater is None:
            return self.take(chunk)
        while chunk:  # output in pieces of at most chunk_bytes, however well it compressed
            try:
                self.take(self.inflater.decompress(chunk, self.chunk_bytes))
            except zlib.error as err:
                raise _refuse(self.where, f"its compressed data is corrupt ({err})") from None
            chunk = self.inflater.unconsumed_tail

    def take(self, piece: bytes) -> None:
        self.produced += len(piece)
        if self.produced > self.m.size:
            raise _refuse(self.where, "it unpacks to more bytes than the archive declares")
        self.crc = zlib.crc32(piece, self.crc)
        if self.on_chunk is not None and piece:
            self.on_chunk(piece)

    def drop(self) -> None:
        for _, pending in self.reads:  # refused midway: reads not awaited are dropped, not leaked
            close = getattr(pending, "close", None)
            if close:
                close()

    def finish(self) -> None:
        m, where = self.m, self.where
        if self.inflater is not None:
            try:
                self.take(self.inflater.flush())
            except zlib.error as err:
                raise _refuse(where, f"its compressed data is corrupt ({err})") from None
            if not self.inflater.eof or self.inflater.unused_data:
                raise _refuse(where, "its compressed data is incomplete or has trailing bytes")
        if self.produced != m.size:
            raise _refuse(where, f"it holds {self.produced:,} bytes, not the {m.size:,} the archive declares")
        if self.crc != m.crc32:
            raise _refuse(where, f"CRC-32 mismatch (stored {m.crc32:08x}, computed {self.crc:08x}): the data is corrupt")
