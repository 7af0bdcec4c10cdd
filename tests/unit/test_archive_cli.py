import io
import json
import subprocess
import sys
import zipfile
import zlib

from app.core.zipwriter import ZipEntry, write_zip
from tests.e2e.server import ROOT
from tests.media import data_url, image_bytes


def verify(path):
    return subprocess.run([sys.executable, "-m", "tools.archive", "verify", str(path)],
                          capture_output=True, text=True, cwd=ROOT)


def an_export(harness, run) -> bytes:
    pid = run(harness.vault.create_project({"title": "CLI"}))
    for i in range(2):
        run(harness.vault.save_data_url(pid, data_url(image_bytes("PNG", (30, 20), seed=i), "image/png")))
    run(harness.vault.settled())
    return run(harness.vault.export_project(pid, 0))[1].data


def test_verify_passes_an_export_and_decodes_its_images(harness, run, tmp_path):
    path = tmp_path / "ok.zip"
    path.write_bytes(an_export(harness, run))
    done = verify(path)
    assert done.returncode == 0, done.stderr
    assert "ok.zip: OK" in done.stdout and "4 assets, every CRC-32 verified, 4 images decoded" in done.stdout


def test_verify_fails_on_corruption_and_undecodable_images(harness, run, tmp_path):
    data = an_export(harness, run)
    # Read through a zip reader: a byte scan for "{" can stop inside the header's CRC-32 field.
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    png = image_bytes("PNG", (30, 20), seed=0)
    at = data.index(png) + 30
    (tmp_path / "flipped.zip").write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    done = verify(tmp_path / "flipped.zip")
    assert done.returncode == 1 and "CRC-32 mismatch" in done.stderr
    # Consistent CRCs, but the PNG's body is garbage: only decoding finds it.
    broken = png[:40] + bytes(len(png) - 40)
    entry = dict(manifest["assets"][0], size=len(broken), crc32=zlib.crc32(broken), thumbnailRef=None)
    doc = dict(manifest, assets=[entry])
    parts = write_zip([ZipEntry("manifest.json", data=json.dumps(doc).encode()), ZipEntry(entry["path"], data=broken)])
    (tmp_path / "broken.zip").write_bytes(b"".join(parts))
    done = verify(tmp_path / "broken.zip")
    assert done.returncode == 1 and "the image does not decode" in done.stderr
    (tmp_path / "plain.zip").write_bytes(b"".join(write_zip([ZipEntry("a.png", data=png)])))
    assert "not a vault export" in verify(tmp_path / "plain.zip").stderr
