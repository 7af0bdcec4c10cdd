"""Edits reach every device at sync (issue 31, its first step): renames, params, new bytes and a
project's fields carry versions (app/core/versions.py), and the newer one wins everywhere."""

import asyncio
import zlib

import pytest

from app.core.backup import manifest as manifests
from app.core.versions import VersionClock, newer
from tests.fakes import FakeBlob, FakeRemote
from tests.media import image_bytes
from tests.unit.test_backup import Device, frames, remote_manifest, shut


@pytest.fixture
def three(run):
    bucket = FakeRemote()
    devices = Device(bucket), Device(bucket), Device(bucket)
    yield devices
    shut(run, *devices)


def synced_all(run, devices, rounds: int = 2) -> list[dict]:
    results = []
    for _ in range(rounds):
        for dev in devices:
            run(dev.idle())
            results.append(run(dev.backup.sync_now()))
    for dev in devices:
        run(dev.idle())
    return results


async def listed_in_bucket(dev, pid, ok) -> None:
    """Until the bucket's manifest of ``pid`` is as ``ok`` says (a device's loop writes it)."""
    for _ in range(3000):
        doc = remote_manifest(dev.remote, pid)
        if doc is not None and ok(doc):
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"the manifest never got there: {remote_manifest(dev.remote, pid)}")


def state(run, dev, pid):
    """What a person sees of a project on a device: its title, and each file's name, params and bytes."""
    files = {}
    for meta in run(dev.vault.list_assets(pid)):
        if meta["role"] != "thumbnail":
            files[meta["ref"]] = (meta["name"], meta["params"], zlib.crc32(run(dev.vault.get_blob(meta["ref"])).data))
    return run(dev.vault.get_project(pid))["title"], files


def shared_project(run, devices, count=4):
    a = devices[0]
    for dev in devices:
        run(dev.configure())
    pid = run(a.vault.create_project({"title": "Start"}))
    refs = run(frames(a, pid, count))
    run(a.idle(uploaded=2 * count))
    for dev in devices[1:]:
        run(dev.backup.restore_project(pid))
    return pid, refs


def test_three_devices_take_each_others_edits_whatever_the_order(three, run):
    a, b, c = three
    pid, refs = shared_project(run, three)
    run(frames(a, pid, 1, seed=50))
    run(a.vault.delete_asset(refs[0]))
    run(a.vault.update_project(pid, {"title": "Dusk", "mood": "calm"}))
    run(frames(b, pid, 1, seed=60))
    run(b.vault.update_asset(refs[1], {"name": "hero.png", "params": {"prompt": "a hero"}}))
    run(frames(c, pid, 2, seed=70))
    new_bytes = image_bytes("PNG", (20, 14), seed=99)
    run(c.vault.replace_blob(refs[2], FakeBlob(new_bytes, "image/png")))
    results = synced_all(run, (c, b, a))
    seen = [state(run, dev, pid) for dev in three]
    assert seen[0] == seen[1] == seen[2]
    title, files = seen[0]
    assert title == "Dusk" and run(b.vault.get_project(pid))["mood"] == "calm"
    assert refs[0] not in files and len(files) == 3 + 1 + 1 + 2
    assert files[refs[1]][:2] == ("hero.png", {"prompt": "a hero"})
    assert files[refs[2]][2] == zlib.crc32(new_bytes)
    assert sum(r["changed"] for r in results) >= 6  # each edit taken by the two other devices
    # Nothing is fetched or changed again once all agree.
    assert all(run(dev.backup.sync_now())["changed"] == 0 for dev in three)
    # The new bytes' preview is the one their device made, on every device.
    previews = {run(dev.vault.get_meta(refs[2]))["thumbnailRef"] for dev in three}
    assert len(previews) == 1 and None not in previews


def test_two_renames_of_one_file_end_as_the_later_one_everywhere(three, run):
    a, b, c = three
    pid, refs = shared_project(run, three, count=1)
    run(a.vault.update_asset(refs[0], {"name": "first.png"}))
    b.now[0] += 5_000  # b's rename is later
    run(b.vault.update_asset(refs[0], {"name": "second.png"}))
    synced_all(run, (b, a, c))  # the later one syncs first: the earlier one must not undo it
    assert {run(dev.vault.get_meta(refs[0]))["name"] for dev in three} == {"second.png"}
    listed = {r["ref"]: r for r in remote_manifest(a.remote, pid)["assets"]}
    assert listed[refs[0]]["name"] == "second.png"


def test_a_rename_on_one_device_and_new_bytes_on_another_are_both_kept(three, run):
    a, b, c = three
    pid, refs = shared_project(run, three, count=1)
    run(b.vault.update_asset(refs[0], {"name": "renamed.png"}))
    new_bytes = image_bytes("PNG", (18, 10), seed=7)
    c.now[0] += 1_000
    run(c.vault.replace_blob(refs[0], FakeBlob(new_bytes, "image/png")))
    synced_all(run, (b, c, a), rounds=3)
    for dev in three:
        meta = run(dev.vault.get_meta(refs[0]))
        assert meta["name"] == "renamed.png" and meta["crc32"] == zlib.crc32(new_bytes)
        assert run(dev.vault.get_blob(refs[0])).data == new_bytes
    row = {r["ref"]: r for r in remote_manifest(a.remote, pid)["assets"]}[refs[0]]
    assert (row["name"], row["crc32"]) == ("renamed.png", zlib.crc32(new_bytes))
    assert a.remote.objects[f"team/projects/{pid}/{row['path']}"][0] == new_bytes  # the join was sent


def test_a_clock_behind_still_orders_an_edit_after_what_it_took_in():
    ahead, behind = VersionClock(lambda: 5_000, "ahead"), VersionClock(lambda: 1_000, "behind")
    theirs = ahead.stamp()
    behind.witness(theirs)
    assert newer(behind.stamp(), theirs)
    same = [VersionClock(lambda: 7, d).stamp() for d in ("x", "y")]
    assert newer(same[1], same[0]) and not newer(same[0], same[1])  # the device ID breaks a tie


def test_a_row_newer_in_every_group_is_listed_and_a_split_goes_to_the_later():
    old = {"ref": "a_1", "versions": {"meta": [1, "x"], "bytes": [1, "x"]}}
    renamed = {"ref": "a_1", "versions": {"meta": [5, "y"], "bytes": [1, "x"]}}
    rebytes = {"ref": "a_1", "versions": {"meta": [1, "x"], "bytes": [7, "z"]}}
    assert manifests.listed_row(old, renamed) is renamed and manifests.listed_row(renamed, old) is renamed
    assert manifests.listed_row(renamed, rebytes) is rebytes and manifests.listed_row(rebytes, renamed) is rebytes
    assert manifests.listed_row({"ref": "a_1"}, old) is old  # a row from before versions is older


def test_a_device_that_has_not_synced_yet_does_not_list_its_older_row_over_a_newer_one(three, run):
    """A manifest is rewritten after every burst of uploads, sync or not: the stale device's
    row for a file renamed elsewhere must not replace the rename in the bucket (a fresh device
    restoring from it would get the old name, and the renaming device would never be told)."""
    a, b, _ = three
    pid, refs = shared_project(run, three, count=1)
    b.now[0] += 60_000  # b's clock is ahead: versions, not clocks (nor updatedAt), order the edits
    run(a.vault.update_asset(refs[0], {"name": "new.png"}))
    run(a.vault.update_project(pid, {"title": "Retitled"}))
    run(a.idle())
    run(listed_in_bucket(a, pid, lambda doc: doc["project"]["title"] == "Retitled" and any(
        r["name"] == "new.png" for r in doc["assets"])))
    run(frames(b, pid, 1, seed=5))  # b uploads and rewrites the manifest, holding the old row
    run(b.idle())
    listed = {r["ref"]: r for r in remote_manifest(a.remote, pid)["assets"]}
    assert listed[refs[0]]["name"] == "new.png" and len(listed) == 4
    assert remote_manifest(a.remote, pid)["project"]["title"] == "Retitled"


def test_a_device_whose_clock_is_behind_still_wins_with_an_edit_made_after_restoring(three, run):
    a, b, _ = three
    a.now[0] += 3_600_000  # a's clock is an hour ahead
    pid, refs = shared_project(run, three, count=1)
    run(a.vault.update_asset(refs[0], {"name": "from-a.png"}))
    synced_all(run, (a, b))
    run(b.vault.update_asset(refs[0], {"name": "from-b.png"}))  # later, on a clock an hour behind
    synced_all(run, (b, a))
    assert {run(dev.vault.get_meta(refs[0]))["name"] for dev in (a, b)} == {"from-b.png"}
