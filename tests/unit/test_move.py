"""Vault.move_assets: files (with their previews) into another project, all or none, same refs."""
import copy

import pytest

from app.core.errors import InvalidInputError, NotFoundError
from tests.fakes import FakeBlob, announced
from tests.media import image_bytes


def two_projects(harness, run, count=2):
    a = run(harness.vault.create_project({"title": "A"}))
    b = run(harness.vault.create_project({"title": "B"}))
    refs = [run(harness.vault.save_blob(a, FakeBlob(image_bytes("PNG", (16, 12), seed=i), "image/png")))
            for i in range(count)]
    run(harness.vault.settled())
    return a, b, refs


def test_files_move_with_their_previews_under_the_same_refs_and_both_counts_follow(harness, run):
    a, b, refs = two_projects(harness, run, 3)
    previews = [harness.store.metas[r]["thumbnailRef"] for r in refs]
    blob = run(harness.vault.get_blob(refs[0])).data
    seen = announced(harness.vault)
    harness.now[0] += 1000
    assert run(harness.vault.move_assets(refs[:2], b)) == {"projectId": b, "moved": 2}
    assert {m["ref"] for m in run(harness.vault.list_assets(b))} == set(refs[:2] + previews[:2])
    assert {m["ref"] for m in run(harness.vault.list_assets(a))} == {refs[2], previews[2]}
    assert run(harness.vault.get_blob(refs[0])).data == blob
    assert run(harness.vault.get_meta(refs[0]))["thumbnailRef"] == previews[0]
    pa, pb = run(harness.vault.get_project(a)), run(harness.vault.get_project(b))
    sizes = {r: harness.store.metas[r]["size"] for r in refs + previews}
    assert (pa["assetCount"], pa["bytes"]) == (1, sizes[refs[2]] + sizes[previews[2]])  # files; bytes of all
    assert (pb["assetCount"], pb["bytes"]) == (2, sum(sizes[r] for r in refs[:2] + previews[:2]))
    assert pb["updatedAt"] == harness.now[0]
    assert sorted((c["ref"], c["action"], c["projectId"], c["fromProjectId"]) for c in seen) == \
        sorted((r, "moved", b, a) for r in refs[:2] + previews[:2])
    # Moved back, and a file already there is left as it is.
    assert run(harness.vault.move_assets(refs, a)) == {"projectId": a, "moved": 2}
    assert {m["projectId"] for m in harness.store.metas.values()} == {a}


def test_a_refused_move_changes_nothing(harness, run):
    a, b, refs = two_projects(harness, run)
    preview = harness.store.metas[refs[0]]["thumbnailRef"]
    before = copy.deepcopy((harness.store.metas, harness.store.projects))
    for refs_given, project, error, said in (
            ([refs[0], "a_gone_meanwhile"], b, NotFoundError, "1 of the files are gone"),
            (refs, "p_nothing_here", NotFoundError, "no project"),
            ([preview], b, InvalidInputError, "is a preview"),
            ([], b, InvalidInputError, "list of 1 to"),
            (refs[0], b, InvalidInputError, "list of 1 to"),
            ([refs[0], "../x"], b, InvalidInputError, "not a valid asset ref"),
            (refs, "bad id!", InvalidInputError, "not a valid project ID")):
        with pytest.raises(error, match=said):
            run(harness.vault.move_assets(refs_given, project))
    assert (harness.store.metas, harness.store.projects) == before


def test_a_preview_made_after_its_file_moved_lands_beside_it(harness, run):
    a = run(harness.vault.create_project({"title": "A"}))
    b = run(harness.vault.create_project({"title": "B"}))
    ref = run(harness.vault.save_blob(a, FakeBlob(image_bytes("PNG", (16, 12)), "image/png")))
    run(harness.vault.move_assets([ref], b))  # before its preview was made
    run(harness.vault.settled())
    preview = harness.store.metas[ref]["thumbnailRef"]
    assert preview and harness.store.metas[preview]["projectId"] == b
    pa, pb = run(harness.vault.get_project(a)), run(harness.vault.get_project(b))
    assert (pa["assetCount"], pa["bytes"]) == (0, 0)
    sizes = harness.store.metas[ref]["size"] + harness.store.metas[preview]["size"]
    assert (pb["assetCount"], pb["bytes"]) == (1, sizes)


def test_a_backed_up_file_moved_is_sent_again_under_its_new_project(harness, run):
    harness.vault.marks.start()
    a, b, refs = two_projects(harness, run, 1)
    run(harness.vault.marks.set_states({refs[0]: {"backup": "uploaded", "ifRev": 0}}))
    meta = run(harness.vault.get_meta(refs[0]))
    run(harness.vault.move_assets(refs, b))
    moved = run(harness.vault.get_meta(refs[0]))
    assert (moved["backup"], moved["rev"], moved["projectId"]) == ("queued", meta.get("rev", 0) + 1, b)
    run(harness.vault.marks.set_states({refs[0]: {"backup": "uploaded", "ifRev": 0}}))  # a late upload of the old
    assert harness.store.metas[refs[0]]["backup"] == "queued"
