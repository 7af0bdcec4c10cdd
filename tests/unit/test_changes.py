"""The one change stream: its type, and every kind of change reaching it (generations, backup
progress and settings, checksums, page settings) beside the vault's own writes."""

import random

import pytest

from app.core.changes import Change, ChangeBus
from app.core.intake import WHOLE_READ_BYTES
from app.core.refs import AppStorage
from app.core.settings import Settings
from app.core.tracker import Tracker
from tests.fakes import FakeBlob, FakeKV, FakeRemote, announced, broadcast
from tests.media import wav_bytes
from tests.unit.test_backup import Device, shut


def test_a_change_is_typed_and_its_detail_crosses_to_another_tab_unchanged():
    moved = Change("asset", "moved", "p_b", ref="a_1", from_project="p_a")
    assert moved.detail() == {"type": "asset", "action": "moved", "projectId": "p_b", "ref": "a_1",
                              "fromProjectId": "p_a"}
    there = Change.from_detail(moved.detail())
    assert there.elsewhere and there.detail() == moved.detail()
    assert moved.concerns("p_a") and moved.concerns("p_b") and moved.concerns(None) and not moved.concerns("p_c")
    assert Change("store", "cleared").concerns("p_c")  # the browser removed everything
    gen = Change("generation", "updated", "p_a", gen_id="g_1")
    assert Change.from_detail(gen.detail()) == Change("generation", "updated", "p_a", gen_id="g_1", elsewhere=True)


@pytest.mark.parametrize("detail", [None, "gen:g_1", {"type": "asset", "action": "created"},
                                    {"type": "checksum", "action": "updated", "projectId": ""},
                                    {"type": "asset", "action": "eaten", "projectId": "p"},
                                    {"type": "asset", "action": "created", "projectId": "p", "ref": 5}])
def test_what_is_not_an_announced_change_is_not_taken_from_another_tab(detail):
    assert Change.from_detail(detail) is None


def test_the_stream_takes_only_changes():
    with pytest.raises(ValueError):
        Change("asset", "renamed")
    with pytest.raises(TypeError):
        ChangeBus().publish({"type": "asset", "action": "created", "projectId": "p"})
    assert not Change("status", "updated").announced and not Change("checksum", "updated").announced


def test_a_generation_is_announced_as_it_is_tracked_moves_on_and_is_forgotten(harness, run):
    kv = FakeKV()
    heard = announced(harness.vault)
    tracker = Tracker(harness.vault, AppStorage(kv), None, lambda: 1_000, random.Random(1))
    pid = run(harness.vault.create_project({"title": "t"}))
    gen_id = run(tracker.track("a1,b2", pid))
    assert heard[-1] == {"type": "generation", "action": "created", "projectId": pid, "genId": gen_id}
    tracker.changed(gen_id)
    assert heard[-1] == {"type": "generation", "action": "updated", "projectId": pid, "genId": gen_id}
    for _ in range(60):  # the tracker keeps the newest 50
        run(tracker.track("c3"))
    assert {"type": "generation", "action": "deleted", "projectId": "", "genId": gen_id} in heard


def test_another_tabs_generation_progress_is_read_again_here(harness, run):
    kv = FakeKV()
    other = Tracker(harness.vault, AppStorage(kv), None, lambda: 1_000, random.Random(1))
    gen_id = run(other.track("a1"))
    here = Tracker(harness.vault, AppStorage(kv), None, lambda: 1_000, random.Random(2))
    assert here.get(gen_id).file_ids == ["a1"]
    other.generations[gen_id].project_id = "p_x"
    other._save(other.generations[gen_id])
    assert here.get(gen_id).project_id is None  # held from before
    here.reread(gen_id)
    assert here.get(gen_id).project_id == "p_x"


def test_page_settings_are_announced_when_set():
    heard = []
    settings = Settings(AppStorage(FakeKV()), heard.append)
    settings.configure({})
    assert heard == []
    settings.configure({"providerUrl": "https://p.example"})
    assert heard == [Change("settings", "updated")]


def test_backup_progress_checksums_and_settings_go_on_the_stream(run):
    bucket = FakeRemote()
    a = Device(bucket)
    b = Device(bucket, store=a.store)  # another tab of the same profile
    broadcast(a.vault, b.vault)
    seen: list[Change] = []
    a.vault.subscribe(seen.append)
    try:
        run(a.configure())
        assert Change("backup", "updated", "") in seen  # the settings: b reads them
        pid = run(a.vault.create_project({"title": "t"}))
        big = wav_bytes(40.0)  # over WHOLE_READ_BYTES: summed in the background, after the save
        assert len(big) > WHOLE_READ_BYTES
        run(a.vault.save_blob(pid, FakeBlob(big, "audio/wav")))
        run(a.idle(uploaded=1))
        assert Change("checksum", "updated") in seen  # the upload waited for it, not for a poll
        assert Change("status", "updated") in seen  # the Backup panel redraws as files go up
        assert b.backup.config is not None  # b heard a's settings on its own stream
    finally:
        shut(run, a, b)
