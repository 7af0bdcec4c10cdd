"""Vault.update_project and Vault.update_asset: renames and field edits, checked, in one write."""
import copy

import pytest

from app.core.errors import InvalidInputError, NotFoundError
from tests.fakes import FakeBlob, announced
from tests.media import image_bytes


def test_a_project_edit_changes_the_fields_given_and_keeps_its_counters(harness, run):
    pid = run(harness.vault.create_project({"title": "Dawn", "prompt": "sea", "frameCount": 24}))
    run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG"), "image/png")))
    run(harness.vault.settled())
    before = run(harness.vault.get_project(pid))
    seen = announced(harness.vault)
    harness.now[0] += 5000
    got = run(harness.vault.update_project(pid, {"title": " Dusk ", "mood": "calm", "frameCount": None, "durationSec": 2.5}))
    assert {k: got[k] for k in ("title", "prompt", "mood", "frameCount", "durationSec")} == \
        {"title": "Dusk", "prompt": "sea", "mood": "calm", "frameCount": None, "durationSec": 2.5}
    assert (got["assetCount"], got["bytes"], got["createdAt"]) == (before["assetCount"], before["bytes"], before["createdAt"])
    assert got["updatedAt"] > before["updatedAt"]
    assert run(harness.vault.get_project(pid)) == got
    assert seen == [{"type": "project", "action": "updated", "projectId": pid}]


@pytest.mark.parametrize("fields", [{"title": ""}, {"title": None}, {"frameCount": 2.5}, {"durationSec": -1},
                                    {"colour": "red"}, {}, "Dusk", {"prompt": "x" * 5000}])
def test_a_bad_project_edit_is_refused_and_changes_nothing(harness, run, fields):
    pid = run(harness.vault.create_project({"title": "Dawn"}))
    before = copy.deepcopy(harness.store.projects)
    with pytest.raises(InvalidInputError):
        run(harness.vault.update_project(pid, fields))
    assert harness.store.projects == before
    with pytest.raises(NotFoundError):
        run(harness.vault.update_project("p_nothing_here", {"title": "x"}))


def test_an_asset_is_renamed_and_its_params_edited_its_bytes_untouched(harness, run):
    pid = run(harness.vault.create_project({"title": "t"}))
    png = image_bytes("PNG")
    ref = run(harness.vault.save_blob(pid, FakeBlob(png, "image/png"), {"name": "a.png", "params": {"seed": 1}}))
    run(harness.vault.settled())
    thumb = harness.store.metas[ref]["thumbnailRef"]
    meta = run(harness.vault.update_asset(ref, {"name": " take 2.png ", "params": {"seed": 2}}))
    assert (meta["name"], meta["params"], meta["role"], meta["thumbnailRef"]) == ("take 2.png", {"seed": 2}, "image", thumb)
    assert "rev" not in meta  # no backup: nothing to send again
    assert run(harness.vault.get_blob(ref)).data == png
    for fields, said in (({"name": ""}, "needs a name"), ({"role": "thumbnail"}, "vault's own"),
                         ({"kind": "audio"}, "takes the fields"), ({"params": [1]}, "params must be")):
        with pytest.raises(InvalidInputError, match=said):
            run(harness.vault.update_asset(ref, fields))
    with pytest.raises(InvalidInputError, match="preview"):
        run(harness.vault.update_asset(thumb, {"name": "x"}))
    with pytest.raises(NotFoundError):
        run(harness.vault.update_asset("a_nothing_here", {"name": "x"}))
    assert run(harness.vault.get_meta(ref))["name"] == "take 2.png"


def test_a_backed_up_asset_edited_is_sent_again_and_a_late_upload_of_the_old_name_does_not_count(harness, run):
    harness.vault.marks.start()
    pid = run(harness.vault.create_project({"title": "t"}))
    ref = run(harness.vault.save_blob(pid, FakeBlob(image_bytes("PNG"), "image/png")))
    run(harness.vault.marks.set_states({ref: {"backup": "uploaded", "ifRev": 0}}))
    assert run(harness.vault.update_asset(ref, {"name": "renamed.png"}))["backup"] == "queued"
    run(harness.vault.marks.set_states({ref: {"backup": "uploaded", "ifRev": 0}}))
    assert harness.store.metas[ref]["backup"] == "queued"
