import io
import random
import struct
import subprocess
import unicodedata
import zipfile
import zlib

import pytest

from app.core.errors import InvalidArchiveError
from app.core.zipreader import READ_AHEAD, check_name, read_members, stream_member
from app.core.zipwriter import ZipEntry, write_zip
from tests.fakes import BytesSource
from tests.media import image_bytes


def written(*entries, force_zip64=False) -> bytes:
    return b"".join(write_zip(list(entries), force_zip64=force_zip64))


def deflated(files: dict, **info) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            zi = zipfile.ZipInfo(name)
            zi.compress_type = zipfile.ZIP_DEFLATED
            for k, v in info.items():
                setattr(zi, k, v)
            z.writestr(zi, data)
    return buf.getvalue()


def read_all(data: bytes):
    """Validate and stream every entry, as an import does; returns {name: bytes}."""
    async def go():
        source = BytesSource(data)
        out = {}
        for m in await read_members(source):
            chunks = []
            await stream_member(source, m, chunks.append, chunk_bytes=4096)
            out[m.name] = b"".join(chunks)
        return out
    return go()


def refused(run, data: bytes) -> str:
    with pytest.raises(InvalidArchiveError) as caught:
        run(read_all(data))
    return str(caught.value)


def patch(data: bytes, signature: bytes, offset: int, fmt: str, value) -> bytes:
    """Overwrite a field at ``offset`` inside every header that starts with ``signature``."""
    out = bytearray(data)
    at = out.find(signature)
    while at >= 0:
        struct.pack_into(fmt, out, at + offset, value)
        at = out.find(signature, at + 4)
    return bytes(out)


def test_reads_its_own_archives_plain_and_zip64(run):
    frames = {f"images/{i}.png": image_bytes("PNG", (30, 20), seed=i) for i in range(3)}
    for force in (False, True):
        data = written(*[ZipEntry(n, data=b) for n, b in frames.items()], force_zip64=force)
        assert run(read_all(data)) == frames


def test_reads_python_deflate_info_zip_and_7_zip_archives(run, tmp_path):
    frames = {f"frames/{i}.png": image_bytes("PNG", (64, 48), seed=i) for i in range(3)}
    frames["frames/notes.txt"] = b"hello " * 5000
    assert run(read_all(deflated(frames))) == frames
    folder = tmp_path / "frames"
    folder.mkdir()
    for name, data in frames.items():
        (tmp_path / name).write_bytes(data)
    subprocess.run(["zip", "-q", "-r", "-9", "out.zip", "frames"], cwd=tmp_path, check=True)
    got = run(read_all((tmp_path / "out.zip").read_bytes()))
    assert {k: v for k, v in got.items() if not k.endswith("/")} == frames
    assert got["frames/"] == b""
    # 7-Zip: deflated at its strongest and fastest, stored, and with NTFS times in extra fields.
    for i, flags in enumerate((["-mx=9"], ["-mx=1"], ["-mx=0"], ["-mx=5", "-mtc=on"])):
        subprocess.run(["7zz", "a", "-tzip", "-bso0", *flags, f"7z{i}.zip", "frames"], cwd=tmp_path, check=True)
        got = run(read_all((tmp_path / f"7z{i}.zip").read_bytes()))
        assert {k: v for k, v in got.items() if not k.endswith("/")} == frames, flags
    subprocess.run(["7zz", "a", "-tzip", "-bso0", "-mm=Deflate64", "d64.zip", "frames"], cwd=tmp_path, check=True)
    assert "method 9 (Deflate64) is not supported" in refused(run, (tmp_path / "d64.zip").read_bytes())


@pytest.mark.parametrize("name, reason", [
    ("../x.png", "'..'"),
    ("a/../../x.png", "'..'"),
    ("/etc/x.png", "absolute path"),
    ("..\\x.png", "backslash"),
    ("C:x.png", "drive letter"),
    ("a\x00.png", "NUL"),
    ("a\x1b.png", "control characters"),
    ("a//b.png", "empty path segment"),
])
def test_unsafe_names_are_refused_by_name(run, name, reason):
    message = refused(run, written(ZipEntry("ok.png", data=b"1"), ZipEntry(name, data=b"2")))
    assert reason in message and repr(name) in message


def test_empty_names_are_refused(run):
    assert "the name is empty" in refused(run, written(ZipEntry("", data=b"x")))
    assert check_name("/") == "the name is empty"


@pytest.mark.parametrize("first, second", [
    ("a.png", "a.png"),
    ("Frame.PNG", "frame.png"),
    (unicodedata.normalize("NFC", "café.png"), unicodedata.normalize("NFD", "café.png")),
])
def test_duplicate_names_are_refused_also_after_folding(run, first, second):
    message = refused(run, written(ZipEntry(first, data=b"1"), ZipEntry(second, data=b"2")))
    assert "appears twice" in message


def test_symlinks_encryption_and_other_methods_are_refused(run):
    link = deflated({"link.png": b"/etc/passwd"}, create_system=3, external_attr=0o120777 << 16)
    assert "symbolic link" in refused(run, link)
    plain = written(ZipEntry("a.png", data=b"abc"))
    encrypted = patch(patch(plain, b"PK\x03\x04", 6, "<H", 0x0801), b"PK\x01\x02", 8, "<H", 0x0801)
    assert "encrypted" in refused(run, encrypted)
    bzip2 = patch(patch(plain, b"PK\x03\x04", 8, "<H", 12), b"PK\x01\x02", 10, "<H", 12)
    assert "compression method 12" in refused(run, bzip2)


def test_a_deflate_bomb_is_refused_before_it_is_inflated(run):
    bomb = deflated({"big.png": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 30_000
    assert "over the 100:1 limit" in refused(run, bomb)


def test_deflate_that_unpacks_beyond_its_declared_size_is_stopped(run):
    data = deflated({"a.png": bytes(100_000)})
    liar = patch(patch(data, b"PK\x03\x04", 22, "<I", 50_000), b"PK\x01\x02", 24, "<I", 50_000)
    assert "more bytes than the archive declares" in refused(run, liar)


def test_crc_errors_and_damage_are_refused(run):
    frame = image_bytes("PNG", (30, 20), seed=1)
    good = written(ZipEntry("a.png", data=frame), ZipEntry("b.png", data=frame[::-1]))
    at = good.index(frame) + 40
    flipped = good[:at] + bytes([good[at] ^ 1]) + good[at + 1:]
    assert "CRC-32 mismatch" in refused(run, flipped) and "'a.png'" in refused(run, flipped)
    assert "truncated" in refused(run, good[: len(good) // 2])
    assert "central directory" in refused(run, good[:-30] + good[-22:])
    assert "not a zip archive" in refused(run, random.Random(1).randbytes(5000))
    assert "empty" in refused(run, b"")
    assert "too short" in refused(run, b"PK\x05\x06")


def test_local_headers_must_agree_and_entries_must_not_overlap(run):
    good = written(ZipEntry("a.png", data=b"aaaa"), ZipEntry("b.png", data=b"bbbb"))
    renamed = good.replace(b"a.pngaaaa", b"x.pngaaaa", 1)
    assert "names a different file" in refused(run, renamed)
    # An entry that claims more bytes than it has runs into the next entry's header.
    overlap = bytearray(good)
    for signature, at in ((b"PK\x03\x04", 18), (b"PK\x01\x02", 20)):
        struct.pack_into("<II", overlap, good.index(signature) + at, 40, 40)  # a.png's sizes only
    assert "overlaps 'b.png'" in refused(run, bytes(overlap))


def test_too_many_entries_are_refused(run):
    many = written(*[ZipEntry(f"{i}.png", data=b"") for i in range(10_001)])
    assert "10,001 entries; the limit is 10,000" in refused(run, many)


def test_stored_entries_are_checked_in_bounded_chunks(run):
    frame = random.Random(2).randbytes(50_000)
    data = written(ZipEntry("a.png", data=frame))
    source = BytesSource(data)

    async def go():
        members = await read_members(source)
        source.ranges.clear()
        await stream_member(source, members[0], None, chunk_bytes=8192)
    run(go())
    assert max(end - start for start, end in source.ranges) == 8192
    assert sum(end - start for start, end in source.ranges) == len(frame)
    assert zlib.crc32(frame) == struct.unpack_from("<I", data, 14)[0]


class InFlightSource(BytesSource):
    """Counts reads asked for and neither awaited nor closed: the reads a slow Blob store overlaps."""

    def __init__(self, data):
        super().__init__(data)
        self.in_flight = self.most_in_flight = 0

    def read_many(self, ranges):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return _Read(self, super().read_many(ranges))


class _Read:
    def __init__(self, source, asked):
        self.source, self.asked = source, asked

    def __await__(self):
        self.source.in_flight -= 1
        return self.asked.__await__()

    def close(self):
        self.source.in_flight -= 1
        self.asked.close()


def test_the_next_reads_are_in_flight_while_a_chunk_is_checked(run):
    frame = random.Random(3).randbytes(50_000)
    source = InFlightSource(written(ZipEntry("a.png", data=frame)))

    async def go():
        members = await read_members(source)
        source.ranges.clear()
        source.most_in_flight = 0
        await stream_member(source, members[0], None, chunk_bytes=8192)
    run(go())
    assert source.most_in_flight == READ_AHEAD == 2
    assert source.in_flight == 0
    starts = [start for start, _ in source.ranges]
    assert starts == sorted(starts) and len(starts) == 7  # each byte asked for once, in order


def test_a_refusal_midway_closes_the_reads_still_in_flight(run):
    frame = random.Random(4).randbytes(50_000)
    good = written(ZipEntry("a.png", data=frame))
    source = InFlightSource(good[: good.index(frame) + 20_000])

    async def go():
        members = await read_members(BytesSource(good))
        await stream_member(source, members[0], None, chunk_bytes=8192)
    with pytest.raises(InvalidArchiveError, match="truncated"):
        run(go())
    assert source.most_in_flight == 2 and source.in_flight == 0
