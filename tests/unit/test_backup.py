"""The backup service against an in-memory bucket (FakeRemote): queue, retries, manifests, restore, sync."""

import asyncio
import json
import zlib

import pytest

from app.core.backup import layout, multipart
from app.core.backup.service import CONFIG_KEY, WAIT_CRC_S, Backup
from app.core.errors import (IntegrityError, InvalidInputError, RemoteAuthError, RemoteError,
                             RemoteUnreachableError)
from tests.fakes import FakeBlob, FakeRemote, broadcast
from tests.media import image_bytes, wav_bytes
from tests.unit.conftest import Harness

SECRET = "s3cr3t-value-that-must-not-leak"


class Device(Harness):
    """One browser profile: its own vault, sharing a bucket with other devices."""

    def __init__(self, remote: FakeRemote, acquire=None, store=None):
        super().__init__(store=store)
        self.remote = remote
        self.online = True
        self.naps: list[float] = []
        self.backup = Backup(self.vault, self.blobs, lambda config: self.remote, lambda: self.now[0], self._sleep,
                             lambda: 0.5, lambda: self.online, acquire)
        self.vault.subscribe(self.backup.changed)

    async def _sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        await asyncio.sleep(0.001)

    async def configure(self, **over):
        return await self.backup.configure(dict(settings(), **over))

    async def idle(self, uploaded: int | None = None) -> dict:
        """Until the vault's previews are in, and then the loop has nothing queued and no
        manifest due (or ``uploaded`` are up)."""
        await self.vault.settled()
        for _ in range(2000):
            await asyncio.sleep(0.001)
            counts = await self.vault.marks.counts()
            if not self.backup._dirty and counts["queued"] == 0 and (uploaded is None or counts["uploaded"] >= uploaded):
                return counts
        raise AssertionError(f"backup did not settle: {await self.vault.marks.counts()}")


def settings():
    return {"endpoint": "http://127.0.0.1:8333", "bucket": "vault-backup", "prefix": "team/",
            "accessKeyId": "AKTEST", "secretAccessKey": SECRET}


@pytest.fixture
def bucket():
    return FakeRemote()


def shut(run, *devices) -> None:
    """Stop each device's upload loop, on the loop it runs on (the test's own)."""
    async def close():
        for dev in devices:
            dev.backup.close()
    run(close())


@pytest.fixture
def two(bucket, run):
    """Two devices (browser profiles) sharing one bucket."""
    a, b = Device(bucket), Device(bucket)
    yield a, b
    shut(run, a, b)


@pytest.fixture
def device(bucket, run):
    dev = Device(bucket)
    yield dev
    shut(run, dev)


def remote_manifest(bucket: FakeRemote, pid: str) -> dict | None:
    found = bucket.objects.get(layout.manifest_key("team", pid))
    return json.loads(found[0]) if found else None


async def frames(device: Device, pid: str, count: int, seed: int = 0) -> list[str]:
    return [await device.vault.save_blob(pid, FakeBlob(image_bytes("PNG", (16, 12), seed=seed + i), "image/png"))
            for i in range(count)]


def test_configure_tests_the_connection_and_keeps_the_secret_out_of_sight(device, bucket, run):
    shown = run(device.configure())
    assert bucket.requests[0] == ("CHECK", "")
    assert shown["enabled"] and shown["prefix"] == "team" and shown["accessKeyId"] == "AKTEST"
    assert SECRET not in json.dumps(shown) and SECRET[-4:] in shown["secretAccessKey"]
    assert device.store.settings[CONFIG_KEY]["secretAccessKey"] == SECRET  # IndexedDB only
    assert SECRET not in repr(device.backup.config)
    status = run(device.backup.status())
    assert status["enabled"] and SECRET not in json.dumps(status)


def test_a_failed_connection_test_saves_nothing(device, bucket, run):
    bucket.faults.append(RemoteAuthError("The secret key does not match"))
    with pytest.raises(RemoteAuthError):
        run(device.configure())
    assert CONFIG_KEY not in device.store.settings and device.backup.config is None
    with pytest.raises(InvalidInputError, match="bucket name"):
        run(device.configure(bucket="Not A Bucket"))
    device.online = False
    with pytest.raises(RemoteUnreachableError, match="offline"):
        run(device.configure())
    assert CONFIG_KEY not in device.store.settings
    pid = run(device.vault.create_project({"title": "t"}))
    ref = run(frames(device, pid, 1))[0]
    assert run(device.vault.get_meta(ref))["backup"] == "none"


def test_media_saved_before_and_after_configuring_is_uploaded_and_listed(device, bucket, run):
    pid = run(device.vault.create_project({"title": "Trip"}))
    before = run(frames(device, pid, 2))
    run(device.configure())
    after = run(frames(device, pid, 3, seed=10))
    audio = run(device.vault.save_blob(pid, FakeBlob(wav_bytes(), "audio/wav")))
    counts = run(device.idle(uploaded=11))  # 5 frames, their 5 previews, the audio
    assert counts["failed"] == 0
    doc = remote_manifest(bucket, pid)
    rows = {row["ref"]: row for row in doc["assets"]}
    for ref in before + after + [audio]:
        meta = run(device.vault.get_meta(ref))
        assert meta["backup"] == "uploaded"
        data, _ = bucket.objects[layout.object_key("team", pid, rows[ref]["path"])]
        assert data == run(device.vault.get_blob(ref)).data
        assert zlib.crc32(data) == rows[ref]["crc32"] == bucket.sent_crcs[layout.object_key("team", pid, rows[ref]["path"])]
        assert rows[ref]["thumbnailRef"] == meta["thumbnailRef"]
    assert doc["project"]["title"] == "Trip" and doc["format"] == "offline-asset-vault"


def test_checksums_can_be_left_off_for_providers_that_reject_them(device, bucket, run):
    run(device.configure(checksums=False))
    pid = run(device.vault.create_project({"title": "t"}))
    run(frames(device, pid, 1))
    run(device.idle(uploaded=2))
    assert set(bucket.sent_crcs.values()) == {None}


def test_offline_saves_wait_with_no_request_and_go_when_back_online(device, bucket, run):
    run(device.configure())
    device.online = False
    sent = len(bucket.requests)
    pid = run(device.vault.create_project({"title": "t"}))
    refs = run(frames(device, pid, 3))
    run(device.vault.settled())
    run(asyncio.sleep(0.05))
    assert len(bucket.requests) == sent
    status = run(device.backup.status())
    assert status["queued"] == 6 and "offline" in status["lastError"].lower()
    assert status["bytesQueued"] == sum(m["size"] for m in device.store.metas.values())
    device.online = True
    device.backup.wake()  # what the page's "online" event does
    run(device.idle(uploaded=6))
    assert all(run(device.vault.get_meta(r))["backup"] == "uploaded" for r in refs)


def test_a_flaky_server_is_retried_with_growing_jittered_pauses(device, bucket, run):
    run(device.configure())
    bucket.faults.extend(RemoteUnreachableError("503 SlowDown") for _ in range(3))
    pid = run(device.vault.create_project({"title": "t"}))
    ref = run(frames(device, pid, 1))[0]
    run(device.idle(uploaded=2))
    backoffs = [n for n in device.naps if n != WAIT_CRC_S]  # waiting for a checksum, not a backoff
    # One pause per failed pass (a pass may lose several requests to the storm), each twice the
    # last: half the step for sure plus a random half (rand = 0.5 here).
    assert len(backoffs) >= 2 and backoffs == [0.75 * 2 ** i for i in range(len(backoffs))]
    assert run(device.vault.get_meta(ref))["backup"] == "uploaded"


def test_wrong_keys_stop_the_queue_until_the_user_acts(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    bucket.faults.append(RemoteAuthError("The secret key does not match access key 'AKTEST'."))
    ref = run(frames(device, pid, 1))[0]
    for _ in range(200):
        run(asyncio.sleep(0.002))
        if device.backup._stopped:
            break
    sent = len(bucket.requests)
    run(asyncio.sleep(0.05))
    assert len(bucket.requests) == sent  # no hammering with a wrong key
    status = run(device.backup.status())
    assert "secret key does not match" in status["lastError"] and status["queued"] >= 1
    assert any(m["backup"] == "queued" for m in run(device.vault.list_assets(pid)))  # waiting, not failed
    result = run(device.backup.sync_now())
    assert result["uploaded"] == status["queued"] and run(device.vault.get_meta(ref))["backup"] == "uploaded"


def test_an_asset_the_server_refuses_is_failed_with_its_reason_and_retried_by_sync(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    bucket.faults.append(RemoteError("Could not upload: it is larger than this server accepts."))
    run(frames(device, pid, 1))
    counts = run(device.idle())
    assert counts["failed"] == 1
    failed = [m for m in run(device.vault.list_assets(pid)) if m["backup"] == "failed"]
    assert "larger than this server accepts" in failed[0]["backupError"]
    run(device.backup.sync_now())
    assert run(device.vault.marks.counts())["failed"] == 0


def test_a_lost_manifest_race_is_merged_not_overwritten(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    # Another device listed its own frame in this project's manifest a moment ago.
    other = {"ref": "a_fromOtherDevice1", "path": "images/x-a_fromOtherDevice1.png", "kind": "image", "role": "image",
             "name": "x.png", "mime": "image/png", "size": 3, "crc32": zlib.crc32(b"abc"), "params": {},
             "createdAt": 1, "thumbnailRef": None}
    doc = {"format": "offline-asset-vault", "version": 1, "project": {"id": pid, "title": "t", "updatedAt": 0},
           "assets": [other], "deleted": {}}
    bucket.objects[layout.object_key("team", pid, other["path"])] = (b"abc", '"x"')
    bucket.objects[layout.manifest_key("team", pid)] = (json.dumps(doc).encode(), '"m1"')
    bucket.faults.append(None)  # placeholder replaced below
    bucket.faults.clear()
    original = bucket.put_bytes
    raced = []

    async def racing(key, data, mime, if_match=None, if_none_match=False):
        if not raced:  # the other device writes again between our read and our write
            raced.append(1)
            bucket.objects[key] = (bucket.objects[key][0], '"m2"')
        return await original(key, data, mime, if_match, if_none_match)

    bucket.put_bytes = racing
    refs = run(frames(device, pid, 2))
    run(device.idle(uploaded=4))
    listed = {row["ref"] for row in remote_manifest(bucket, pid)["assets"]}
    assert raced and listed >= set(refs) | {"a_fromOtherDevice1"}


def test_a_deletion_reaches_the_manifest_and_is_not_undone_by_a_device_that_still_has_it(two, bucket, run):
    a, b = two
    run(a.configure())
    pid = run(a.vault.create_project({"title": "Shared"}))
    refs = run(frames(a, pid, 3))
    run(a.idle(uploaded=6))
    run(b.configure())
    assert run(b.backup.restore_project(pid))["assets"] == 6
    preview = run(a.vault.get_meta(refs[0]))["thumbnailRef"]
    run(a.vault.delete_asset(refs[0]))
    run(a.backup.sync_now())
    doc = remote_manifest(bucket, pid)
    # Its preview, deleted with it, is tombstoned too: else the manifest kept it, and the next
    # pull brought it back to every device as a preview of nothing.
    for gone in (refs[0], preview):
        assert gone in doc["deleted"] and gone not in {r["ref"] for r in doc["assets"]}
    # b still holds it; its next sync deletes it there and keeps it deleted in the bucket.
    result = run(b.backup.sync_now())
    assert result["deleted"] == 1 and run(b.vault.get_meta(refs[0])) is None
    doc = remote_manifest(bucket, pid)
    assert refs[0] not in {r["ref"] for r in doc["assets"]} and refs[0] in doc["deleted"]
    run(a.backup.sync_now())
    for device in (a, b):
        assert run(device.vault.get_meta(preview)) is None
        assert {m["ref"] for m in run(device.vault.list_assets(pid))} == {r["ref"] for r in doc["assets"]}


def test_two_devices_adding_to_one_project_both_end_with_the_union(two, bucket, run):
    a, b = two
    run(a.configure())
    pid = run(a.vault.create_project({"title": "Shared"}))
    first = run(frames(a, pid, 2))
    run(a.idle(uploaded=4))
    run(b.configure())
    run(b.backup.restore_project(pid))
    from_a = run(frames(a, pid, 2, seed=20))
    from_b = run(frames(b, pid, 3, seed=40))
    run(a.idle())
    run(b.idle())
    assert run(a.backup.sync_now())["downloaded"] == 6  # b's frames and their previews
    assert run(b.backup.sync_now())["downloaded"] == 4
    for dev in (a, b):
        have = {m["ref"] for m in run(dev.vault.list_assets(pid))}
        assert set(first + from_a + from_b) <= have
        assert all(run(dev.vault.get_blob(r)) is not None for r in have)
    assert {r["ref"] for r in remote_manifest(bucket, pid)["assets"]} >= set(first + from_a + from_b)


def test_a_frame_pulled_before_its_preview_gets_that_preview_not_one_made_here(two, bucket, run):
    """Found in WebKit: a device that pulled another's frame before its preview was up made a
    preview of its own, backed it up, and every copy ended with two previews of that frame."""
    a, b = two
    run(a.configure())
    pid = run(a.vault.create_project({"title": "Shared"}))
    run(frames(a, pid, 1))
    run(a.idle(uploaded=2))
    run(b.configure())
    run(b.backup.restore_project(pid))
    gate = asyncio.Event()
    make = b.vault.thumbnails.make

    async def held_previews(*args):  # b's decoder is slow: its frames go up before their previews
        await gate.wait()
        return await make(*args)

    b.vault.thumbnails.make = held_previews

    async def frames_up_then_pull():
        refs = await frames(b, pid, 2, seed=30)
        for _ in range(2000):
            listed = {r["ref"] for r in (remote_manifest(bucket, pid) or {}).get("assets", [])}
            if set(refs) <= listed:
                break
            await asyncio.sleep(0.001)
        made = len(a.vault.thumbnails.made)
        pulled = await a.backup.sync_now()
        await a.vault.settled()
        return refs, pulled, len(a.vault.thumbnails.made) - made

    try:
        refs, pulled, made_here = run(frames_up_then_pull())
        assert pulled["downloaded"] == 2 and made_here == 0
        assert all(run(a.vault.get_meta(r))["thumbnailRef"] is None for r in refs)
    finally:
        gate.set()  # else b's held previews keep the test's loop from ever draining
    run(b.idle())
    run(b.backup.sync_now())
    run(a.backup.sync_now())
    previews = [r for r in remote_manifest(bucket, pid)["assets"] if r["params"].get("thumbnailOf") in refs]
    assert sorted(r["params"]["thumbnailOf"] for r in previews) == sorted(refs)  # one each
    for ref in refs:
        theirs = run(b.vault.get_meta(ref))["thumbnailRef"]
        assert theirs and run(a.vault.get_meta(ref))["thumbnailRef"] == theirs
        assert run(a.vault.get_blob(theirs)).data == run(b.vault.get_blob(theirs)).data
    counters = [(p["assetCount"], p["bytes"]) for p in (run(a.vault.get_project(pid)), run(b.vault.get_project(pid)))]
    assert counters[0] == counters[1] and counters[0][0] == 3  # files; their previews' bytes too


def test_restore_gives_identical_media_and_metadata_on_a_fresh_device(two, bucket, run):
    a, b = two
    run(a.configure())
    pid = run(a.vault.create_project({"title": "Film", "prompt": "a storm"}))
    refs = [run(a.vault.save_blob(pid, FakeBlob(image_bytes("PNG", seed=i), "image/png"),
                                  {"role": "frame", "params": {"seed": i}})) for i in range(3)]
    run(a.idle(uploaded=6))
    run(b.configure())
    listed = run(b.backup.list_remote_projects())
    assert [(p["id"], p["title"], p["assetCount"], p["local"]) for p in listed] == [(pid, "Film", 3, False)]
    result = run(b.backup.restore_project(pid))
    assert result == {"projectId": pid, "assets": 6, "bytes": sum(m["size"] for m in run(a.vault.list_assets(pid)))}
    for ref in refs:
        mine, theirs = run(a.vault.get_meta(ref)), run(b.vault.get_meta(ref))
        assert {k: v for k, v in theirs.items() if k != "backup"} == {k: v for k, v in mine.items() if k != "backup"}
        assert theirs["backup"] == "uploaded"
        assert run(b.vault.get_blob(ref)).data == run(a.vault.get_blob(ref)).data
    assert run(b.vault.get_project(pid))["prompt"] == "a storm"
    assert run(b.backup.list_remote_projects())[0]["local"] is True
    with pytest.raises(InvalidInputError, match="already"):
        run(b.backup.restore_project(pid))


def test_an_object_altered_in_the_bucket_is_refused_and_nothing_is_restored(two, bucket, run):
    a, b = two
    run(a.configure())
    pid = run(a.vault.create_project({"title": "t"}))
    run(frames(a, pid, 3))
    run(a.idle(uploaded=6))
    row = remote_manifest(bucket, pid)["assets"][2]
    key = layout.object_key("team", pid, row["path"])
    data, etag = bucket.objects[key]
    bucket.objects[key] = (data[:-1] + bytes([data[-1] ^ 1]), etag)
    run(b.configure())
    with pytest.raises(IntegrityError, match=row["path"].replace(".", r"\.")):
        run(b.backup.restore_project(pid))
    assert b.store.projects == {} and b.store.metas == {} and b.store.blobs == {}


def test_deleting_from_the_backup_removes_every_object_and_keeps_the_local_project(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    run(frames(device, pid, 2))
    run(device.idle(uploaded=4))
    assert run(device.backup.delete_remote_project(pid)) == {"objectsDeleted": 5}
    assert not [k for k in bucket.objects if k.startswith(layout.project_root("team", pid))]
    assert run(device.vault.get_project(pid))["title"] == "t"
    assert run(device.backup.list_remote_projects()) == []


def test_deleting_a_project_here_keeps_its_backup(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "Keep me"}))
    run(frames(device, pid, 2))
    run(device.idle(uploaded=4))
    run(device.vault.delete_project(pid))
    run(device.backup.sync_now())
    [row] = run(device.backup.list_remote_projects())
    assert row["id"] == pid and row["assetCount"] == 2 and row["local"] is False
    assert run(device.backup.restore_project(pid))["assets"] == 4


def test_turning_backup_off_forgets_the_secret_and_the_marks(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    ref = run(frames(device, pid, 1))[0]
    run(device.idle(uploaded=2))
    assert run(device.backup.configure(None)) == {"enabled": False}
    assert CONFIG_KEY not in device.store.settings
    assert run(device.vault.get_meta(ref))["backup"] == "none"
    with pytest.raises(InvalidInputError, match="not set up"):
        run(device.backup.sync_now())


def test_a_restart_resumes_the_queue_from_the_saved_configuration(bucket, run):
    a = Device(bucket)
    run(a.configure())
    a.online = False
    pid = run(a.vault.create_project({"title": "t"}))
    run(frames(a, pid, 2))
    run(a.vault.settled())
    shut(run, a)  # the page closed with uploads queued
    again = Device(bucket, store=a.store)
    try:
        run(again.backup.start())
        assert again.vault.marks.on
        run(again.idle(uploaded=4))
        assert remote_manifest(bucket, pid) is not None
    finally:
        shut(run, again)


def test_parts_are_equal_but_the_last():
    assert multipart.plan(10, 4) == [(1, 0, 4), (2, 4, 8), (3, 8, 10)]
    assert multipart.plan(8, 4) == [(1, 0, 4), (2, 4, 8)]
    sizes = [end - start for _, start, end in multipart.plan(4 * 1024 ** 3 - 1)]
    assert len(sizes) <= 10_000 and set(sizes[:-1]) == {multipart.PART_BYTES} and sizes[-1] <= multipart.PART_BYTES


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(multipart, "PART_BYTES", 64 * 1024)
    monkeypatch.setattr(multipart, "THRESHOLD", 128 * 1024)


def big_video(size: int) -> bytes:
    from tests.media import MP4_HEAD
    return MP4_HEAD + bytes(range(256)) * ((size - len(MP4_HEAD)) // 256 + 1)


def test_big_media_goes_in_parts_and_a_reload_sends_only_the_missing_ones(bucket, run, small_parts):
    data = big_video(300 * 1024)[:300 * 1024]  # 5 parts: 4 of 64 KiB and a shorter last one
    a = Device(bucket)
    run(a.configure())
    pid = run(a.vault.create_project({"title": "Clip"}))
    original_put = bucket.put_part
    sent = []

    async def dies_after_two(key, upload_id, number, blob):
        if len(sent) == 2:
            raise RemoteUnreachableError("the page closed")  # what a reload mid-upload looks like
        sent.append(number)
        return await original_put(key, upload_id, number, blob)

    bucket.put_part = dies_after_two
    ref = run(a.vault.save_blob(pid, FakeBlob(data, "video/mp4")))
    for _ in range(500):
        run(asyncio.sleep(0.002))
        if len(sent) == 2:
            break
    shut(run, a)
    assert sent == [1, 2]
    bucket.put_part = original_put
    again = Device(bucket, store=a.store)
    parts_sent = []
    bucket.requests.clear()
    try:
        run(again.backup.start())
        run(again.idle(uploaded=1))
        parts_sent = [m for m, _ in bucket.requests if m.startswith("PUT part")]
    finally:
        shut(run, again)
    assert parts_sent == ["PUT part 3", "PUT part 4", "PUT part 5"]  # 1 and 2 were on the server already
    row = next(r for r in remote_manifest(bucket, pid)["assets"] if r["ref"] == ref)
    assert bucket.objects[layout.object_key("team", pid, row["path"])][0] == data
    assert not [k for k in a.store.settings if k.startswith(multipart.STATE_KEY)]  # bookkeeping gone


def queued_video(device, run) -> tuple[str, str]:
    """(project ID, ref) of a 200 KiB video saved while offline: queued, checksummed, not sent."""
    run(device.configure())
    pid = run(device.vault.create_project({"title": "Clip"}))
    device.online = False
    ref = run(device.vault.save_blob(pid, FakeBlob(big_video(200 * 1024), "video/mp4")))
    run(device.vault.settled())
    return pid, ref


def test_a_server_that_lost_the_upload_gets_it_again_from_the_start(device, bucket, run, small_parts):
    pid, ref = queued_video(device, run)
    meta = run(device.vault.get_meta(ref))
    key = layout.object_key("team", pid, layout.asset_path(meta))
    run(device.vault.marks.save_setting(multipart.STATE_KEY + ref, {"key": key, "size": meta["size"],
                                                                     "uploadId": "gone", "parts": {"1": '"x"'}}))
    device.online = True
    device.backup.wake()
    run(device.idle(uploaded=1))
    assert ("LIST parts", key) in bucket.requests  # asked, heard "no such upload", started afresh
    assert run(device.vault.get_meta(ref))["backup"] == "uploaded"
    assert bucket.objects[key][0] == run(device.vault.get_blob(ref)).data


def test_deleting_an_asset_mid_upload_aborts_the_servers_half(device, bucket, run, small_parts):
    _, ref = queued_video(device, run)
    upload_id = run(bucket.start_multipart("k", "video/mp4"))
    run(device.vault.marks.save_setting(multipart.STATE_KEY + ref,
                                         {"key": "k", "size": 200 * 1024, "uploadId": upload_id, "parts": {}}))
    run(device.vault.delete_asset(ref))
    for _ in range(200):
        run(asyncio.sleep(0.002))
        if upload_id not in bucket.uploads:
            break
    assert upload_id not in bucket.uploads and multipart.STATE_KEY + ref not in device.store.settings


def test_a_lost_blob_comes_back_from_the_backup_checked_and_stored_again(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    lost, tampered = run(frames(device, pid, 2))
    run(device.idle(uploaded=4))
    original = device.store.blobs.pop(lost).data
    device.store.blobs.pop(tampered)
    meta = run(device.vault.get_meta(tampered))
    key = layout.object_key("team", pid, layout.asset_path(meta))
    bucket.objects[key] = (b"not the frame", bucket.objects[key][1])
    assert run(device.backup.recover(run(device.vault.get_meta(lost)))).data == original
    assert device.store.blobs[lost].data == original  # stored again: no second fetch next time
    assert run(device.backup.recover(meta)) is None  # altered in the bucket: refused, still missing
    assert tampered not in device.store.blobs
    unsaved = dict(meta, backup="queued")
    requests = len(bucket.requests)
    assert run(device.backup.recover(unsaved)) is None and len(bucket.requests) == requests  # never uploaded


def test_an_empty_folder_left_by_a_deletion_is_not_listed_as_a_project(device, bucket, run):
    run(device.configure())
    original = bucket.list

    async def with_leftover_folder(prefix, delimiter=None):  # what SeaweedFS answers after a delete
        keys, prefixes = await original(prefix, delimiter)
        leftover = layout.project_root("team", "p_gone")
        return keys, prefixes + ([leftover] if delimiter and leftover not in prefixes else [])

    bucket.list = with_leftover_folder
    assert run(device.backup.list_remote_projects()) == []
    bucket.objects[layout.object_key("team", "p_gone", "images/a-a_1.png")] = (b"x", '"1"')
    assert [(p["id"], p.get("incomplete")) for p in run(device.backup.list_remote_projects())] == [("p_gone", True)]


def test_tabs_share_the_settings_and_only_the_one_holding_the_lock_uploads(bucket, run):
    held = {}

    def lock_for(tab):
        async def acquire(name):  # a Web Lock: one holder at a time, the others wait in line
            held.setdefault(name, asyncio.Lock())
            await held[name].acquire()
            uploading.append(tab)
            return held[name].release
        return acquire

    uploading = []
    a = Device(bucket, lock_for("a"))
    b = Device(bucket, lock_for("b"), store=a.store)  # two tabs: one IndexedDB
    broadcast(b.vault, a.vault)
    try:
        run(a.configure())
        pid = run(a.vault.create_project({"title": "t"}))
        before = run(frames(b, pid, 1))  # b does not know yet: saved unmarked
        assert a.store.metas[before[0]].get("backup") is None
        run(b.backup._settings_changed())  # what the other tab's "backup" change triggers
        after = run(frames(b, pid, 2, seed=5))
        run(a.idle(uploaded=6))
        assert uploading == ["a"]  # b waits for the lock
        puts = [key for method, key in bucket.requests if method == "PUT" and not key.endswith("manifest.json")]
        assert len(puts) == len(set(puts)) == 6  # every object once
        assert all(run(a.vault.get_meta(r))["backup"] == "uploaded" for r in before + after)
        run(a.backup.configure(None))
        run(b.backup._settings_changed())
        assert b.backup.config is None and not b.vault.marks.on
    finally:
        shut(run, a, b)


def test_the_manifest_is_read_once_then_rewritten_from_what_this_tab_wrote(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    key = layout.manifest_key("team", pid)
    for batch in range(3):  # three bursts, each uploaded by the background loop
        run(frames(device, pid, 1, seed=batch))
        run(device.idle(uploaded=2 * (batch + 1)))
    reads = lambda: [m for m, k in bucket.requests if k == key].count("GET")  # noqa: E731
    assert reads() == 1 and [m for m, k in bucket.requests if k == key].count("PUT") >= 3  # its ETag trusted
    assert len(remote_manifest(bucket, pid)["assets"]) == 6
    data, _ = bucket.objects[key]
    bucket.objects[key] = (data, '"changed-by-another-device"')  # their write: our ETag is stale now
    run(frames(device, pid, 1, seed=9))
    run(device.idle(uploaded=8))
    assert reads() == 2 and len(remote_manifest(bucket, pid)["assets"]) == 8


def test_sync_now_resolves_only_once_what_was_saved_before_it_is_backed_up(device, bucket, run):
    run(device.configure())
    pid = run(device.vault.create_project({"title": "t"}))
    make = device.vault.thumbnails.make

    async def slow_previews(*args):  # as a real page's decoder: later than the uploads of the frames
        await asyncio.sleep(0.05)
        return await make(*args)

    device.vault.thumbnails.make = slow_previews

    async def save_then_sync():
        refs = [await device.vault.save_blob(pid, FakeBlob(image_bytes("PNG", (16, 12), seed=i), "image/png"))
                for i in range(3)]
        await device.backup.sync_now()  # at once: checksums and previews are still to be made
        return refs

    refs = run(save_then_sync())
    listed = {row["ref"]: row for row in remote_manifest(bucket, pid)["assets"]}
    assert set(refs) <= set(listed) and len(listed) == 6  # the frames and their previews
    assert all(listed[r]["thumbnailRef"] in listed for r in refs)


def test_a_move_reaches_other_devices_as_a_move_and_can_be_undone(two, bucket, run):
    """Moved between projects both devices hold: the other device moves its copy (no download);
    moved back, the tombstone the first move left is dropped, not kept forever."""
    a, b = two
    run(a.configure())
    first = run(a.vault.create_project({"title": "First"}))
    second = run(a.vault.create_project({"title": "Second"}))
    refs = run(frames(a, first, 2))
    run(a.vault.save_blob(second, FakeBlob(image_bytes("PNG", (16, 12), seed=9), "image/png")))
    run(a.idle(uploaded=6))
    run(b.configure())
    for pid in (first, second):
        run(b.backup.restore_project(pid))
    preview = run(a.vault.get_meta(refs[0]))["thumbnailRef"]
    a.now[0] += 1000
    run(a.vault.move_assets([refs[0]], second))
    run(a.backup.sync_now())
    docs = {pid: remote_manifest(bucket, pid) for pid in (first, second)}
    assert {refs[0], preview} <= set(docs[first]["deleted"]) and {refs[0], preview} <= {r["ref"] for r in docs[second]["assets"]}
    assert {refs[0], preview}.isdisjoint({r["ref"] for r in docs[first]["assets"]})
    row = next(r for r in docs[second]["assets"] if r["ref"] == refs[0])
    assert layout.object_key("team", second, row["path"]) in bucket.objects
    bucket.requests.clear()
    run(b.backup.sync_now())
    assert {(m["ref"], m["projectId"]) for m in run(b.vault.get_metas([refs[0], preview])).values()} == \
        {(refs[0], second), (preview, second)}
    assert [key for method, key in bucket.requests if method == "GET" and not key.endswith("manifest.json")] == []
    assert run(b.vault.get_meta(refs[0]))["backup"] == "uploaded"
    for dev in (a, b):
        counts = {p["id"]: p["assetCount"] for p in run(dev.vault.list_projects())}
        assert counts == {first: 1, second: 2}
    # Undone on b this time: back in the first project, in the bucket too, on both devices.
    b.now[0] = a.now[0] + 5000
    run(b.vault.move_assets([refs[0]], first))
    run(b.backup.sync_now())
    doc = remote_manifest(bucket, first)
    assert refs[0] in {r["ref"] for r in doc["assets"]} and refs[0] not in doc["deleted"]
    assert refs[0] in remote_manifest(bucket, second)["deleted"]
    run(a.backup.sync_now())
    assert run(a.vault.get_meta(refs[0]))["projectId"] == first
    assert run(a.vault.get_meta(preview))["projectId"] == first


def test_a_move_of_many_files_writes_the_tombstones_of_the_project_left_in_a_few_writes(device, bucket, run):
    run(device.configure())
    first = run(device.vault.create_project({"title": "First"}))
    second = run(device.vault.create_project({"title": "Second"}))
    refs = run(frames(device, first, 30))
    run(device.idle(uploaded=60))
    writes = []
    put = device.store.put_setting

    async def counted(key, value):
        writes.append(key)
        await put(key, value)
    device.store.put_setting = counted
    run(device.vault.move_assets(refs, second))
    run(device.idle(uploaded=60))
    doc = remote_manifest(bucket, first)
    assert len(doc["deleted"]) == 60 and doc["assets"] == []  # every frame and preview, none lost
    assert len(remote_manifest(bucket, second)["assets"]) == 60
    tomb_writes = [k for k in writes if k.startswith("backup.deleted.")]
    assert 1 <= len(tomb_writes) <= 4, tomb_writes  # one per file was 60 rewrites of a growing record
