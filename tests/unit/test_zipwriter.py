import io
import subprocess
import zipfile
import zlib

import pytest

from app.core import zipwriter
from app.core.zipwriter import ZipEntry, dos_datetime, write_zip, write_zip_steps
from tests.media import image_bytes

DAY_MS = 1_763_700_000_000  # 2025-11-21 04:40 UTC


def assemble(parts) -> bytes:
    """What the browser's new Blob(parts) does, with bytes standing in for the Blobs."""
    return b"".join(parts)


def media_entries():
    frames = [image_bytes("PNG", (40, 30), seed=i) for i in range(3)]
    entries = [ZipEntry("manifest.json", data=b'{"format": "x"}', mtime_ms=DAY_MS)]
    entries += [ZipEntry(f"images/frame {i} é.png", len(f), zlib.crc32(f), source=f, mtime_ms=DAY_MS)
                for i, f in enumerate(frames)]
    return entries, frames


def unzip_t(path) -> str:
    done = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def seven_zip_t(path) -> str:
    """7-Zip's own test of an archive (Debian's 7zip package: 7zz)."""
    done = subprocess.run(["7zz", "t", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "Everything is Ok" in done.stdout, done.stdout + done.stderr
    return done.stdout


def seven_zip_names(path) -> list[str]:
    done = subprocess.run(["7zz", "l", "-slt", "-sccUTF-8", str(path)], capture_output=True, text=True, check=True)
    return [line[len("Path = "):] for line in done.stdout.splitlines()[1:]
            if line.startswith("Path = ") and not line.endswith(str(path))]


@pytest.mark.parametrize("force_zip64", [False, True])
def test_python_zipfile_and_unzip_read_what_is_written(tmp_path, force_zip64):
    entries, frames = media_entries()
    parts = write_zip(entries, force_zip64=force_zip64)
    # The media are placed as they are (the browser's Blobs): never copied into a header part.
    assert [p for p in parts if any(p is f for f in frames)] == frames
    data = assemble(parts)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert z.namelist() == ["manifest.json"] + [f"images/frame {i} é.png" for i in range(3)]
        assert [z.read(n) for n in z.namelist()[1:]] == frames
        info = z.getinfo("images/frame 0 é.png")
        assert info.compress_type == zipfile.ZIP_STORED and info.flag_bits & 0x800
        assert info.date_time == (2025, 11, 21, 4, 40, 0)
        assert (info.external_attr >> 16) == 0o100644
    path = tmp_path / "out.zip"
    path.write_bytes(data)
    out = unzip_t(path)
    assert "No errors detected" in out and out.count("OK") == 4
    assert (b"PK\x06\x06" in data) is force_zip64 and (b"PK\x06\x07" in data) is force_zip64
    assert "Files: 4" in seven_zip_t(path)
    assert seven_zip_names(path) == ["manifest.json"] + [f"images/frame {i} é.png" for i in range(3)]


def test_zip64_is_used_for_more_than_65535_entries(tmp_path):
    entries = [ZipEntry(f"f/{i}.txt", data=str(i).encode()) for i in range(65_536)]
    data = assemble(write_zip(entries))
    assert b"PK\x06\x06" in data[-200:]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert len(names) == 65_536 and z.read("f/65535.txt") == b"65535"
    (tmp_path / "many.zip").write_bytes(data)
    assert "No errors detected" in unzip_t(tmp_path / "many.zip")
    assert "Files: 65536" in seven_zip_t(tmp_path / "many.zip")


def test_an_empty_archive_is_a_valid_zip():
    with zipfile.ZipFile(io.BytesIO(assemble(write_zip([])))) as z:
        assert z.namelist() == []


def test_dos_datetime_clamps_to_the_formats_range():
    assert dos_datetime(0) == (0, (1 << 5) | 1)  # 1980-01-01, the earliest a zip can say
    t, d = dos_datetime(DAY_MS)
    assert (d >> 9) + 1980 == 2025 and (d >> 5) & 15 == 11 and d & 31 == 21
    assert (t >> 11, (t >> 5) & 63, (t & 31) * 2) == (4, 40, 0)


def test_the_stepped_writer_gives_the_same_parts_and_pauses_every_step(monkeypatch):
    entries, _ = media_entries()
    whole = write_zip(entries)
    monkeypatch.setattr(zipwriter, "STEP_ROWS", 2)
    steps = write_zip_steps(entries)
    pauses = 0
    while True:
        try:
            next(steps)
            pauses += 1
        except StopIteration as done:
            parts = done.value
            break
    assert pauses == len(entries) // 2 and parts == whole
