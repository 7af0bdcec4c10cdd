"""Vault.replace_blob: new media under a ref a host app keeps."""
import copy
import zlib

import pytest

from app.core.errors import InvalidInputError, NotFoundError
from tests.fakes import FakeBlob, announced
from tests.media import image_bytes, wav_bytes


def _saved_image(harness, run, seed=1, params=None):
    pid = run(harness.vault.create_project({"title": "t"}))
    ref = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG", seed=seed), "image/png"),
                                      {"role": "frame", "name": "f.png", "params": params or {"seed": 1}}))
    run(harness.vault.settled())
    return pid, ref


def test_new_bytes_keep_the_ref_name_and_params_and_get_a_new_checksum_and_preview(harness, run):
    pid, ref = _saved_image(harness, run, params={"prompt": "dawn", "frameNumber": 3})
    old_thumb = harness.store.metas[ref]["thumbnailRef"]
    seen = announced(harness.vault)
    jpeg = image_bytes("JPEG", (80, 60), seed=9)
    meta = run(harness.vault.replace_blob(ref, FakeBlob(jpeg, "")))  # type from the bytes, not the label
    assert (meta["ref"], meta["name"], meta["params"]) == (ref, "f.png", {"prompt": "dawn", "frameNumber": 3})
    assert (meta["mime"], meta["size"], meta["crc32"], meta["rev"]) == ("image/jpeg", len(jpeg), zlib.crc32(jpeg), 1)
    assert run(harness.vault.get_blob(ref)).data == jpeg
    assert old_thumb not in harness.store.metas and old_thumb not in harness.store.blobs
    run(harness.vault.settled())
    new_thumb = harness.store.metas[ref]["thumbnailRef"]
    assert new_thumb and new_thumb != old_thumb and harness.store.metas[new_thumb]["params"] == {"thumbnailOf": ref}
    assert seen[:2] == [{"type": "asset", "action": "deleted", "projectId": pid, "ref": old_thumb},
                        {"type": "asset", "action": "updated", "projectId": pid, "ref": ref}]
    summary = run(harness.vault.get_project(pid))
    assert (summary["assetCount"], summary["bytes"]) == (1, len(jpeg) + harness.store.metas[new_thumb]["size"])


def test_a_lost_file_is_replaced_in_place(harness, run):
    pid, ref = _saved_image(harness, run)
    harness.store.blobs.pop(ref)  # evicted, or a placeholder from a backup
    assert run(harness.vault.get_blob(ref)) is None
    png = image_bytes("PNG", seed=5)
    run(harness.vault.replace_blob(ref, FakeBlob(png, "image/png")))
    assert run(harness.vault.get_blob(ref)).data == png


def test_wrong_kind_previews_empty_and_unknown_refs_are_refused_and_nothing_changes(harness, run):
    pid, ref = _saved_image(harness, run)
    thumb = harness.store.metas[ref]["thumbnailRef"]
    before = (copy.deepcopy(harness.store.metas), dict(harness.store.blobs), copy.deepcopy(harness.store.projects))
    with pytest.raises(InvalidInputError, match=r"audio .*f\.png is image"):
        run(harness.vault.replace_blob(ref, FakeBlob(wav_bytes(), "audio/wav")))
    with pytest.raises(InvalidInputError, match="not an image, video or audio"):
        run(harness.vault.replace_blob(ref, FakeBlob(b"%PDF-1.7 hello", "image/png")))
    with pytest.raises(InvalidInputError, match="preview"):
        run(harness.vault.replace_blob(thumb, FakeBlob(image_bytes("PNG"), "image/png")))
    with pytest.raises(InvalidInputError, match="empty"):
        run(harness.vault.replace_blob(ref, FakeBlob(b"", "image/png")))
    with pytest.raises(NotFoundError, match="no asset"):
        run(harness.vault.replace_blob("nope-123", FakeBlob(image_bytes("PNG"), "image/png")))
    assert (harness.store.metas, dict(harness.store.blobs), harness.store.projects) == before


def test_an_upload_of_the_old_bytes_ending_after_a_replace_leaves_the_new_ones_queued(harness, run):
    harness.vault.marks.start()
    pid, ref = _saved_image(harness, run)
    assert harness.store.metas[ref]["backup"] == "queued"
    run(harness.vault.marks.set_states({ref: {"backup": "uploaded", "ifRev": 0}}))
    assert harness.store.metas[ref]["backup"] == "uploaded"
    run(harness.vault.replace_blob(ref, FakeBlob(image_bytes("PNG", seed=7), "image/png")))
    assert harness.store.metas[ref]["backup"] == "queued"  # the bucket holds the old bytes
    run(harness.vault.marks.set_states({ref: {"backup": "uploaded", "ifRev": 0}}))  # a late old upload
    assert harness.store.metas[ref]["backup"] == "queued"
    run(harness.vault.marks.set_states({ref: {"backup": "uploaded", "ifRev": 1}}))
    assert harness.store.metas[ref]["backup"] == "uploaded"
