import asyncio
import copy
import io
import json
import re
import subprocess
import zipfile

import pytest

from app.core.archive import FORMAT_VERSION
from app.core.errors import InvalidArchiveError
from app.core.transfer import ENTRY_WINDOW
from app.core.intake import WHOLE_READ_BYTES
from app.core import zipwriter
from app.core.zipwriter import ZipEntry, write_zip
from tests.fakes import FakeBlob
from tests.media import data_url, image_bytes, wav_bytes

NOW = 1_763_700_000_000


def snapshot(store):
    return (copy.deepcopy(store.projects), copy.deepcopy(store.metas),
            {ref: blob.data for ref, blob in store.blobs.items()})


@pytest.fixture
def project(harness, run):
    """A project with two frames of the same name, a clip, a voice track and their thumbnails."""
    v = harness.vault
    pid = run(v.create_project({"title": "Sunset: take 2/3", "prompt": "a red sky", "frameCount": 2}))
    frames = [image_bytes("PNG", (40, 30), seed=i) for i in range(2)]
    for i, frame in enumerate(frames):
        run(v.save_data_url(pid, data_url(frame, "image/png"),
                            {"role": "frame", "name": "frame.png", "params": {"seed": i, "prompt": "sky"}}))
    run(v.save_blob(pid, FakeBlob(wav_bytes(0.2), "audio/wav"), {"role": "tts", "name": "../voice?.wav"}))
    run(v.settled())
    return pid


def exported(harness, run, pid):
    name, blob, missing = run(harness.vault.export_project(pid, NOW))
    return name, blob.data, missing


def test_export_places_the_stored_blobs_and_writes_a_manifest_first(harness, run, project, tmp_path):
    name, data, missing = exported(harness, run, project)
    assert name == "Sunset_ take 2_3-2025-11-21.zip" and missing == []
    stored = set(map(id, harness.store.blobs.values()))
    parts = harness.blobs.joined[-1]
    assert sum(1 for p in parts if id(p) in stored) == len(harness.store.blobs)  # placed, not copied
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        assert names[0] == "manifest.json"
        assert sorted(names[1:]) == ["audio/voice.wav", "images/frame-2.png", "images/frame.png",
                                     "thumbnails/frame.thumb-2.webp", "thumbnails/frame.thumb.webp"]
        for entry in manifest["assets"]:
            assert z.read(entry["path"]) == harness.store.blobs[entry["ref"]].data
            assert entry["crc32"] == z.getinfo(entry["path"]).CRC
    assert manifest["format"] == "offline-asset-vault" and manifest["version"] == FORMAT_VERSION
    assert manifest["project"]["title"] == "Sunset: take 2/3" and manifest["project"]["frameCount"] == 2
    (tmp_path / name).write_bytes(data)
    assert subprocess.run(["unzip", "-t", str(tmp_path / name)], capture_output=True).returncode == 0


def test_the_manifest_has_an_asset_a_line_and_is_written_in_steps_the_page_can_breathe_between(
        harness, run, project, monkeypatch):
    async def export_counting_turns():
        turns = 0

        async def ticker():
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)
        tick = asyncio.ensure_future(ticker())
        out = await harness.vault.export_project(project, NOW)
        tick.cancel()
        return out, turns

    (_, whole, _), turns_at_once = run(export_counting_turns())
    monkeypatch.setattr(zipwriter, "STEP_ROWS", 1)
    (_, stepped, _), turns_stepped = run(export_counting_turns())
    assert stepped.data == whole.data
    assets = len(harness.store.metas)
    # a turn per asset for the paths, per asset for the manifest's rows and per zip entry
    assert turns_stepped - turns_at_once >= 3 * assets
    with zipfile.ZipFile(io.BytesIO(whole.data)) as z:
        lines = z.read("manifest.json").decode().splitlines()
    assert len(lines) == 2 + assets and [json.loads(line.rstrip(","))["ref"] for line in lines[1:-1]]
    assert json.loads("\n".join(lines))["assets"][0]["ref"] == json.loads(lines[1].rstrip(","))["ref"]


def test_a_project_without_assets_exports_a_valid_manifest(harness, run):
    pid = run(harness.vault.create_project({"title": "Empty"}))
    _, data, _ = exported(harness, run, pid)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["manifest.json"] and json.loads(z.read("manifest.json"))["assets"] == []


def test_export_checksums_what_the_background_has_not_reached(harness, run):
    pid = run(harness.vault.create_project({"title": "Fresh"}))
    # Big enough not to be summed as it is saved (bytes after a PNG's end are ignored by decoders).
    blob = FakeBlob(image_bytes("PNG", (50, 50), seed=5) + bytes(WHOLE_READ_BYTES), "image/png")


    async def save_then_export():
        ref = await harness.vault.save_blob(pid, blob)
        assert harness.store.metas[ref]["crc32"] is None  # the background has not run yet
        return ref, (await harness.vault.export_project(pid, NOW))[1].data

    ref, data = run(save_then_export())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
    assert harness.store.metas[ref]["crc32"] is not None


def test_export_leaves_out_what_has_no_bytes_and_links_to_no_missing_preview(harness, run, project):
    store = harness.store
    frame, *_ = [r for r, m in store.metas.items() if m["role"] == "frame" and m["thumbnailRef"]]
    voice = next(r for r, m in store.metas.items() if m["kind"] == "audio")
    del store.blobs[voice], store.blobs[store.metas[frame]["thumbnailRef"]]
    name, data, missing = exported(harness, run, project)
    assert sorted(missing) == sorted([store.metas[voice]["name"], "frame.thumb.webp"])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        manifest = json.loads(z.read("manifest.json"))
        paths = {a["path"] for a in manifest["assets"]}
        assert paths == set(z.namelist()[1:]) and len(paths) == 3
        linked = {a["ref"]: a["thumbnailRef"] for a in manifest["assets"]}
        assert linked[frame] is None and all(t is None or t in linked for t in linked.values())


def test_a_round_trip_restores_every_byte_field_and_param(harness, run, project):
    before = snapshot(harness.store)
    _, data, _ = exported(harness, run, project)
    run(harness.vault.delete_project(project))
    assert harness.store.metas == {}
    result = run(harness.vault.import_archive(FakeBlob(data, "application/zip"), "x.zip"))
    assert result == {"projectId": project, "assets": 5, "skipped": []}
    assert snapshot(harness.store) == before


def test_importing_beside_the_original_makes_a_renumbered_copy(harness, run, project):
    _, data, _ = exported(harness, run, project)
    before = snapshot(harness.store)
    result = run(harness.vault.import_archive(FakeBlob(data), "x.zip"))
    assert result["projectId"] != project
    copies = [m for m in harness.store.metas.values() if m["projectId"] == result["projectId"]]
    assert len(copies) == 5 and not {m["ref"] for m in copies} & set(before[1])
    for meta in copies:
        if meta["thumbnailRef"]:
            thumb = harness.store.metas[meta["thumbnailRef"]]
            assert thumb["projectId"] == result["projectId"] and thumb["params"]["thumbnailOf"] == meta["ref"]
    assert {k: v for k, v in harness.store.projects.items() if k != result["projectId"]} == before[0]


def test_a_plain_zip_imports_its_media_and_reports_the_rest(harness, run):
    frames = {f"shots/{i:03}.png": image_bytes("PNG", (64, 48), seed=i) for i in range(3)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("shots/", b"")
        for name, frame in frames.items():
            z.writestr(name, frame)
        z.writestr("shots/notes.txt", b"take two")
        z.writestr("__MACOSX/shots/._000.png", b"\x00\x05\x16\x07")
        z.writestr("shots/.DS_Store", b"\x00\x00\x00\x01Bud1")
    result = run(harness.vault.import_archive(FakeBlob(buf.getvalue()), "My shots.zip"))
    assert harness.store.projects[result["projectId"]]["title"] == "My shots"
    metas = sorted((m for m in harness.store.metas.values() if m["role"] != "thumbnail"), key=lambda m: m["createdAt"])
    assert [m["name"] for m in metas] == ["000.png", "001.png", "002.png"]
    assert [harness.store.blobs[m["ref"]].data for m in metas] == list(frames.values())
    assert all(m["kind"] == "image" and m["mime"] == "image/png" and m["crc32"] for m in metas)
    assert sorted(result["skipped"]) == ["__MACOSX/shots/._000.png: macOS resource data",
                                         "shots/.DS_Store: a hidden file",
                                         "shots/notes.txt: not an image, video or audio file"]
    run(harness.vault.settled())
    assert len(harness.thumbnails.made) == 3  # previews are made for imported images too


def test_entries_are_checked_several_at_once_and_the_first_bad_one_is_named(harness, run, monkeypatch):
    frames = {f"{i:02}.png": image_bytes("PNG", (24, 16), seed=i) for i in range(12)}
    good = b"".join(write_zip([ZipEntry(n, data=d) for n, d in frames.items()]))
    bad = bytearray(good)
    for name in ("04.png", "09.png"):  # a flipped byte in each of two entries' data
        bad[good.index(frames[name]) + 30] ^= 1
    in_flight, most = [0], [0]
    read_many = harness.blobs.read_many

    def counted(blob, ranges):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        asked = read_many(blob, ranges)

        async def arrive():  # a trip to the Blob store: other work runs meanwhile
            await asyncio.sleep(0)
            in_flight[0] -= 1
            return await asked
        return arrive()
    monkeypatch.setattr(harness.blobs, "read_many", counted)

    result = run(harness.vault.import_archive(FakeBlob(good), "frames.zip"))
    assert result["assets"] == 12 and most[0] == ENTRY_WINDOW > 1
    run(harness.vault.settled())  # its previews are made in the background
    before = snapshot(harness.store)
    for _ in range(3):  # whichever finishes first, the report names the first bad entry in order
        with pytest.raises(InvalidArchiveError, match=r"'04\.png'.*CRC-32 mismatch"):
            run(harness.vault.import_archive(FakeBlob(bytes(bad)), "frames.zip"))
        assert snapshot(harness.store) == before


def manifest_zip(manifest: dict, files: dict) -> bytes:
    entries = [ZipEntry("manifest.json", data=json.dumps(manifest).encode())]
    entries += [ZipEntry(n, data=d) for n, d in files.items()]
    return b"".join(write_zip(entries))


def test_refusals_leave_the_store_unchanged(harness, run, project):
    _, good, _ = exported(harness, run, project)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        manifest = json.loads(z.read("manifest.json"))
        files = {n: z.read(n) for n in z.namelist()[1:]}
    first = manifest["assets"][0]["path"]
    newer = dict(manifest, version=FORMAT_VERSION + 1)
    lost = {n: d for n, d in files.items() if n != first}
    lying = dict(manifest, assets=[dict(manifest["assets"][0], size=1)] + manifest["assets"][1:])
    as_audio = dict(manifest, assets=[dict(manifest["assets"][0], kind="audio", mime="audio/wav")]
                    + manifest["assets"][1:])
    cases = {
        "format version 2; this vault reads version 1": manifest_zip(newer, files),
        "the manifest lists it but the archive does not hold it": manifest_zip(manifest, lost),
        "size or CRC-32 disagrees with the manifest": manifest_zip(lying, files),
        "says it is audio/wav, but its bytes are image/png": manifest_zip(as_audio, files),
        "not valid JSON": b"".join(write_zip([ZipEntry("manifest.json", data=b"{oops")])),
        "no image, video or audio file": b"".join(write_zip([ZipEntry("notes.txt", data=b"hi")])),
        "'..'": b"".join(write_zip([ZipEntry("../x.png", data=image_bytes())])),
        "CRC-32 mismatch": good.replace(files[first][20:40], bytes(20), 1),
    }
    before = snapshot(harness.store)
    for reason, data in cases.items():
        with pytest.raises(InvalidArchiveError, match=re.escape(reason)):
            run(harness.vault.import_archive(FakeBlob(data), "bad.zip"))
        assert snapshot(harness.store) == before, reason


def test_a_selection_exports_those_files_and_their_previews_only_and_imports_as_a_project(harness, run, project):
    frames = [m for m in run(harness.vault.list_assets(project)) if m["role"] == "frame"]
    picked = {frames[1]["ref"]}
    _name, blob, missing = run(harness.vault.export_project(project, NOW, None, picked))
    with zipfile.ZipFile(io.BytesIO(blob.data)) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert sorted(z.namelist()[1:]) == ["images/frame.png", "thumbnails/frame.thumb.webp"]
    assert [e["ref"] for e in manifest["assets"] if e["role"] == "frame"] == [frames[1]["ref"]]
    assert missing == []
    result = run(harness.vault.import_archive(blob))
    assert result["assets"] == 2  # the frame and its preview, linked again
