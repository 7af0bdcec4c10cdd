import asyncio
import copy
import random
import zlib

import pytest

from app.core.errors import InvalidInputError, NotFoundError, QuotaExceededError
from app.core.background import CHUNK_BYTES
from app.core.intake import MonotonicClock
from app.core.vault import Vault
from tests.fakes import FakeThumbnails, FakeBlob, announced
from tests.media import MP4_HEAD, data_url, image_bytes, wav_bytes
from tests.unit.conftest import Harness


def test_crc_over_chunks_matches_zlib(harness, run):
    # Spans several chunks and ends mid-chunk: the streaming CRC must equal the one-shot one.
    data = image_bytes("PNG")[:64] + random.Random(1).randbytes(int(CHUNK_BYTES * 2.5))
    pid = run(harness.vault.create_project({"title": "t"}))
    ref = run(harness.vault.save_blob(pid, FakeBlob(data, "image/png")))
    run(harness.vault.settled())
    meta = run(harness.vault.get_meta(ref))
    assert meta["crc32"] == zlib.crc32(data)
    assert meta["size"] == len(data)
    assert max(end - start for start, end in harness.blobs.reads if start < len(data)) <= CHUNK_BYTES
    assert run(harness.vault.get_blob(ref)).data == data


def test_data_url_is_stored_with_sniffed_kind_and_params(harness, run):
    png = image_bytes("PNG", seed=3)
    pid = run(harness.vault.create_project({"title": "Sunset", "frameCount": 2}))
    ref = run(harness.vault.save_data_url(pid, data_url(png, "image/png"),
                                          {"role": "frame", "params": {"seed": 7, "prompt": "sun"}}))
    meta = run(harness.vault.get_meta(ref))
    assert meta["kind"] == "image" and meta["mime"] == "image/png" and meta["role"] == "frame"
    assert meta["params"] == {"seed": 7, "prompt": "sun"}
    assert meta["crc32"] == zlib.crc32(png)
    assert run(harness.vault.get_blob(ref)).data == png


def test_list_assets_orders_by_creation_and_filters_kind(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    refs = [run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG", seed=i)))) for i in range(3)]
    audio = run(harness.vault.save_blob(pid, FakeBlob(wav_bytes(), "audio/wav")))
    listed = [m["ref"] for m in run(harness.vault.list_assets(pid)) if m["role"] != "thumbnail"]
    assert listed == refs + [audio]
    assert [m["ref"] for m in run(harness.vault.list_assets(pid, {"kind": "audio"}))] == [audio]
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        run(harness.vault.list_assets(pid, {"kind": "text"}))


def test_thumbnails_are_linked_and_deleted_with_their_asset(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    ref = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG"))))
    audio = run(harness.vault.save_blob(pid, FakeBlob(wav_bytes())))
    run(harness.vault.settled())
    meta = run(harness.vault.get_meta(ref))
    thumb = run(harness.vault.get_meta(meta["thumbnailRef"]))
    assert thumb["role"] == "thumbnail" and thumb["params"] == {"thumbnailOf": ref}
    assert run(harness.vault.get_meta(audio))["thumbnailRef"] is None
    assert run(harness.vault.delete_asset(ref)) is True
    assert run(harness.vault.get_meta(thumb["ref"])) is None
    assert run(harness.vault.delete_asset(ref)) is False


def test_mismatched_claim_stores_nothing(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    before = copy.deepcopy(harness.store.metas)
    with pytest.raises(InvalidInputError, match="says it is video/mp4"):
        run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG"), "video/mp4")))
    with pytest.raises(InvalidInputError, match="not an image, video or audio"):
        run(harness.vault.save_data_url(pid, data_url(b"%PDF-1.7 hello", "image/png")))
    with pytest.raises(InvalidInputError, match="empty"):
        run(harness.vault.save_blob(pid, FakeBlob(b"", "image/png")))
    assert harness.store.metas == before


def test_quota_error_leaves_earlier_assets_intact(run):
    h = Harness(quota_bytes=10_000)
    pid = run(h.vault.create_project({"title": "t"}))
    first = run(h.vault.save_blob(pid, FakeBlob(MP4_HEAD + b"\x00" * 5000)))
    with pytest.raises(QuotaExceededError):
        run(h.vault.save_blob(pid, FakeBlob(MP4_HEAD + b"\x00" * 6000)))
    assert [m["ref"] for m in run(h.vault.list_assets(pid)) if m["role"] != "thumbnail"] == [first]


def test_unknown_project_and_bad_ids(harness, run):
    with pytest.raises(NotFoundError, match="no project 'p_nope'"):
        run(harness.vault.save_blob("p_nope", FakeBlob(image_bytes())))
    with pytest.raises(InvalidInputError, match="not a valid project ID"):
        run(harness.vault.list_assets("../x"))
    with pytest.raises(InvalidInputError, match="not a valid asset ref"):
        run(harness.vault.get_meta("x" * 65))


def test_delete_project_frees_its_assets_only(harness, run):
    keep = run(harness.vault.create_project({"title": "keep"}))
    drop = run(harness.vault.create_project({"title": "drop"}))
    kept = run(harness.vault.save_blob(keep, FakeBlob(wav_bytes())))
    sizes = [len(wav_bytes(0.2)), len(wav_bytes(0.3))]
    run(harness.vault.save_blob(drop, FakeBlob(wav_bytes(0.2))))
    run(harness.vault.save_blob(drop, FakeBlob(wav_bytes(0.3))))
    assert run(harness.vault.delete_project(drop)) == {"assetsDeleted": 2, "bytesFreed": sum(sizes)}
    summaries = run(harness.vault.list_projects())
    assert [(s["title"], s["assetCount"]) for s in summaries] == [("keep", 1)]
    assert run(harness.vault.get_meta(kept)) is not None
    with pytest.raises(NotFoundError):
        run(harness.vault.delete_project(drop))


def test_options_are_validated(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    blob = FakeBlob(image_bytes())
    with pytest.raises(InvalidInputError, match="Unknown asset option"):
        run(harness.vault.save_blob(pid, blob, {"colour": "red"}))
    with pytest.raises(InvalidInputError, match="params must be plain JSON"):
        run(harness.vault.save_blob(pid, blob, {"params": {"x": float("nan")}}))
    with pytest.raises(InvalidInputError, match="limit is 65536"):
        run(harness.vault.save_blob(pid, blob, {"params": {"x": "y" * 70000}}))
    with pytest.raises(InvalidInputError, match="needs a title"):
        run(harness.vault.create_project({"title": "  "}))
    with pytest.raises(InvalidInputError, match="frameCount must be a whole number"):
        run(harness.vault.create_project({"title": "t", "frameCount": 2.5}))


def test_save_from_url_names_the_asset_after_the_file(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    harness.blobs.urls["https://example.test/media/clip.png?sig=1"] = FakeBlob(image_bytes(), "image/png")
    ref = run(harness.vault.save_from_url(pid, "https://example.test/media/clip.png?sig=1", {"role": "frame"}))
    assert run(harness.vault.get_meta(ref))["name"] == "clip.png"
    with pytest.raises(InvalidInputError, match="404"):
        run(harness.vault.save_from_url(pid, "https://example.test/missing.png"))
    with pytest.raises(InvalidInputError, match="http\\(s\\) or blob"):
        run(harness.vault.save_from_url(pid, "file:///etc/passwd"))


def test_a_blob_save_returns_before_its_checksum_which_follows_in_the_background(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    blobs = [FakeBlob(MP4_HEAD + random.Random(i).randbytes(CHUNK_BYTES * 3 - len(MP4_HEAD))) for i in range(3)]

    async def all_at_once():
        return await asyncio.gather(*(harness.vault.save_blob(pid, b) for b in blobs))

    async def save_and_look(data):
        ref = await harness.vault.save_blob(pid, FakeBlob(data))
        return harness.store.metas[ref]["crc32"]  # as the caller sees it when the save resolves

    # A small file is read whole, once, and summed then; of a big one the save read only the
    # first bytes (its type), and nothing was summed yet.
    small = MP4_HEAD + b"\x00" * 100
    assert run(save_and_look(small)) == zlib.crc32(small) and harness.blobs.reads == [(0, len(small))]
    harness.blobs.reads.clear()
    assert run(save_and_look(blobs[0].data)) is None and harness.blobs.reads == [(0, 64)]
    run(harness.vault.settled())
    harness.blobs.reads.clear()
    refs = run(all_at_once())
    run(harness.vault.settled())
    assert [harness.store.metas[r]["crc32"] for r in refs] == [zlib.crc32(b.data) for b in blobs]
    # One checksum at a time, each in whole chunks.
    big = [(s, e) for s, e in harness.blobs.reads if e - s > 4096]  # not heads or previews
    assert [s for s, _ in big] == [0, CHUNK_BYTES, 2 * CHUNK_BYTES] * 3
    assert all(e - s == CHUNK_BYTES for s, e in big)


def test_work_left_undone_is_resumed_after_a_restart_from_the_pending_marks_alone(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    clip = MP4_HEAD + b"\x01" * 5000
    frame = image_bytes("PNG", (40, 30), seed=3)
    done = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG", (40, 30), seed=4), "image/png")))
    run(harness.vault.settled())
    assert "pending" not in harness.store.metas[done]  # its work is done: unmarked

    async def save_then_close():
        refs = [await harness.vault.save_blob(pid, FakeBlob(clip)),
                await harness.vault.save_blob(pid, FakeBlob(frame, "image/png"))]
        harness.vault.background.drop()  # the page closed before the background ran
        return refs

    clip_ref, frame_ref = run(save_then_close())
    assert [harness.store.metas[r].get("pending") for r in (clip_ref, frame_ref)] == [1, 1]
    assert run(harness.vault.get_meta(clip_ref)).keys() == harness.store.metas[done].keys() | {"backup"}  # not in the contract
    listed_all = []
    original = harness.store.list_assets
    harness.store.list_assets = lambda project_id, kind=None: listed_all.append(project_id) or original(project_id, kind)
    fresh = Vault(harness.store, harness.blobs, FakeThumbnails(), MonotonicClock(lambda: 2_000_000_000_000))
    assert run(fresh.background.resume()) == 2
    run(fresh.settled())
    assert listed_all == []  # the index of marks, not every record
    metas = harness.store.metas
    assert metas[frame_ref]["crc32"] == zlib.crc32(frame) and metas[frame_ref]["thumbnailRef"] in metas
    assert metas[clip_ref]["crc32"] == zlib.crc32(clip)
    assert not [m["ref"] for m in metas.values() if "pending" in m]
    assert run(fresh.background.resume()) == 0


def test_a_file_with_no_preview_to_be_had_is_unmarked_and_not_retried(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))

    async def nothing(blob, kind, mime):
        return None
    harness.thumbnails.make = nothing
    ref = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG", (40, 30), seed=5), "image/png")))
    run(harness.vault.settled())
    meta = harness.store.metas[ref]
    assert meta["crc32"] is not None and meta["thumbnailRef"] is None and "pending" not in meta


def test_get_blobs_reads_many_and_leaves_out_the_missing(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    refs = [run(harness.vault.save_blob(pid, FakeBlob(wav_bytes(0.1 * (i + 1))))) for i in range(2)]
    got = run(harness.vault.get_blobs(refs + ["a_gone"]))
    assert sorted(got) == sorted(refs) and got[refs[1]].data == wav_bytes(0.2)
    with pytest.raises(InvalidInputError):
        run(harness.vault.get_blobs(["../x"]))


def test_a_blob_that_is_not_media_is_refused_as_such_even_when_storage_is_full(run):
    full = Harness(quota_bytes=10)
    pid = run(full.vault.create_project({"title": "t"}))
    with pytest.raises(InvalidInputError, match="not an image, video or audio file"):
        run(full.vault.save_blob(pid, FakeBlob(b"%PDF-1.7 " + b"x" * 100, "image/png")))
    with pytest.raises(QuotaExceededError):
        run(full.vault.save_blob(pid, FakeBlob(image_bytes(), "image/png")))
    assert full.store.metas == {} and full.store.blobs == {}


def test_a_blob_save_into_a_missing_project_stores_nothing(harness, run):
    with pytest.raises(NotFoundError):
        run(harness.vault.save_blob("p_gone", FakeBlob(image_bytes(), "image/png")))
    assert harness.store.metas == {} and harness.store.blobs == {}


def test_every_commit_is_announced_once_after_it_lands(harness, run):
    seen = []
    harness.vault.subscribe(lambda change: change.announced and seen.append(
        (change.detail(), change.ref in harness.store.metas)))
    pid = run(harness.vault.create_project({"title": "t"}))
    ref = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG"), "image/png")))
    run(harness.vault.settled())
    thumb = harness.store.metas[ref]["thumbnailRef"]
    assert run(harness.vault.delete_asset(ref)) is True
    run(harness.vault.delete_project(pid))
    changes = [c for c, _ in seen]
    assert changes == [
        {"type": "project", "action": "created", "projectId": pid},
        {"type": "asset", "action": "created", "projectId": pid, "ref": ref},
        {"type": "asset", "action": "created", "projectId": pid, "ref": thumb},
        {"type": "asset", "action": "updated", "projectId": pid, "ref": ref},  # its preview link
        {"type": "asset", "action": "deleted", "projectId": pid, "ref": ref},
        {"type": "asset", "action": "deleted", "projectId": pid, "ref": thumb},  # deleted with it
        {"type": "project", "action": "deleted", "projectId": pid},
    ]
    # Announced after the commit: the asset was there when "created" was heard.
    assert [stored for c, stored in seen if c["action"] == "created" and c["type"] == "asset"] == [True, True]


def test_a_failing_listener_does_not_fail_the_write(harness, run):
    harness.vault.subscribe(lambda change: 1 / 0)
    heard = announced(harness.vault)
    pid = run(harness.vault.create_project({"title": "t"}))
    assert run(harness.vault.get_project(pid))["title"] == "t" and heard[0]["projectId"] == pid


def test_project_counters_follow_every_write_and_listing_reads_no_asset(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    other = run(harness.vault.create_project({"title": "u"}))
    png, wav = image_bytes("PNG", seed=1), wav_bytes(0.2)
    ref = run(harness.vault.save_blob(pid, FakeBlob(png, "image/png")))
    run(harness.vault.save_data_url(pid, data_url(wav, "audio/wav")))
    run(harness.vault.save_blob(other, FakeBlob(wav_bytes(0.1))))
    run(harness.vault.settled())
    thumb = harness.store.metas[harness.store.metas[ref]["thumbnailRef"]]
    listed = []
    original = harness.store.list_assets

    async def spy(*args):
        listed.append(args)
        return await original(*args)

    harness.store.list_assets = spy
    summaries = {s["id"]: s for s in run(harness.vault.list_projects())}
    assert listed == []
    # Files, as the project's page shows them; bytes of everything it holds, previews too.
    assert (summaries[pid]["assetCount"], summaries[pid]["bytes"]) == (2, len(png) + len(wav) + thumb["size"])
    assert (summaries[other]["assetCount"], summaries[other]["bytes"]) == (1, len(wav_bytes(0.1)))
    run(harness.vault.delete_asset(ref))  # its preview goes with it
    summary = {s["id"]: s for s in run(harness.vault.list_projects())}[pid]
    assert (summary["assetCount"], summary["bytes"]) == (1, len(wav))


def test_background_work_goes_in_batches_not_one_transaction_per_asset(harness, run):
    calls = {"set_crcs": 0, "attach_thumbnails": 0}
    for name in calls:
        original = getattr(harness.store, name)

        def counted(*args, _name=name, _original=original):
            calls[_name] += 1
            return _original(*args)
        setattr(harness.store, name, counted)
    pid = run(harness.vault.create_project({"title": "frames"}))
    frames = [image_bytes("PNG", (8, 8), seed=i) for i in range(300)]

    async def burst():
        return await asyncio.gather(*(harness.vault.save_blob(pid, FakeBlob(f, "image/png")) for f in frames))

    harness.blobs.reads.clear()
    refs = run(burst())
    run(harness.vault.settled())
    assert [harness.store.metas[r]["crc32"] for r in refs] == [zlib.crc32(f) for f in frames]
    assert all(harness.store.metas[r]["thumbnailRef"] for r in refs)
    # Small files: summed as they were saved, from the one read that also told their type.
    assert calls == {"set_crcs": 0, "attach_thumbnails": 300 // 16 + 1}
    # Heads (one per save) aside, the previews took one read per batch.
    assert len(harness.blobs.reads) == 300 + 300 // 16 + 1



def test_iter_assets_yields_every_asset_once_in_order_even_when_times_tie(harness, run):
    vault, store = harness.vault, harness.store
    pid = run(vault.create_project({"title": "Chunks"}))
    refs = [run(vault.save_data_url(pid, data_url(image_bytes("PNG", seed=i), "image/png"))) for i in range(7)]
    run(vault.settled())
    # Two tabs saving in one millisecond: three records share a creation time across a chunk edge.
    for ref in refs[2:5]:
        store.metas[ref]["createdAt"] = store.metas[refs[2]]["createdAt"]

    async def chunks():
        return [chunk async for chunk in vault.iter_assets(pid, chunk=3)]
    got = run(chunks())
    seen = [m["ref"] for chunk in got for m in chunk]
    assert seen == [m["ref"] for m in run(vault.list_assets(pid))]
    assert len(got) >= 3 and all(len(c) <= 3 for c in got)


def test_get_metas_reads_many_and_leaves_out_unknown_refs(harness, run):
    vault = harness.vault
    pid = run(vault.create_project({"title": "Many"}))
    refs = [run(vault.save_data_url(pid, data_url(image_bytes("PNG", seed=i), "image/png"))) for i in range(3)]
    got = run(vault.get_metas(refs + ["a_unknownref1234"]))
    assert sorted(got) == sorted(refs) and all(got[r]["ref"] == r for r in refs)


