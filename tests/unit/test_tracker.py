import random

import pytest

from app.core.errors import InvalidIdError, NotFoundError
from app.core.refs import MAX_VALUE_BYTES, PREFIX, AppStorage
from app.core.tracker import MAX_DOWNLOAD_ATTEMPTS, ProviderUnavailable, Tracker
from tests.fakes import FakeBlob, FakeKV
from tests.media import image_bytes, wav_bytes

START = 1_763_700_000_000


class FakeProvider:
    """Scripted answers per file ID: each entry is (status, retry_after, body) or an exception."""

    def __init__(self):
        self.script: dict[str, list] = {}
        self.asked: list[tuple[int, str]] = []
        self.clock = None

    async def get_file(self, file_id):
        self.asked.append((self.clock(), file_id))
        queue = self.script[file_id]
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item


@pytest.fixture
def world(harness):
    now = [START]
    kv = FakeKV()
    provider = FakeProvider()
    provider.clock = lambda: now[0]

    def tracker():
        return Tracker(harness.vault, AppStorage(kv), provider, lambda: now[0], random.Random(3))

    harness.blobs.urls["https://p.example/a1.png"] = FakeBlob(image_bytes("PNG", (40, 30), seed=1), "image/png")
    harness.blobs.urls["https://p.example/a1.thumb.png"] = FakeBlob(image_bytes("PNG", (16, 12), seed=2), "image/png")
    harness.blobs.urls["https://p.example/b2.wav"] = FakeBlob(wav_bytes(0.1), "audio/wav")
    return harness, now, kv, provider, tracker


def ok(status, **extra):
    return (200, None, {"status": status, **extra})


def run_until_done(run, tracker, gen_id, now, limit_ms=120_000):
    while not tracker.finished(gen_id) and now[0] < START + limit_ms:
        now[0] = max(now[0], tracker.next_wake(gen_id))
        run(tracker.step(gen_id))


def test_a_generation_completes_and_its_media_is_stored(world, run):
    harness, now, kv, provider, make = world
    provider.script = {
        "a1": [ok("pending"), ok("processing", progress=30),
               ok("completed", url="https://p.example/a1.png", thumbnailUrl="https://p.example/a1.thumb.png",
                  mime="image/png")],
        "b2": [ok("processing"), ok("completed", url="https://p.example/b2.wav")],
        "fail3": [ok("processing"), ok("error", error="model crashed")],
    }
    tracker = make()
    gen_id = run(tracker.track(" a1, b2 ,,fail3,a1"))
    run_until_done(run, tracker, gen_id, now)
    gen = tracker.get(gen_id).summary()
    assert [f["status"] for f in gen["files"]] == ["completed", "completed", "error"]
    assert gen["status"] == "error" and gen["progress"] == 100 and gen["files"][2]["error"] == "model crashed"
    a1, b2 = (harness.store.metas[f["ref"]] for f in gen["files"][:2])
    assert harness.store.blobs[a1["ref"]].data == harness.blobs.urls["https://p.example/a1.png"].data
    assert a1["params"] == {"generationId": gen_id, "fileId": "a1", "url": "https://p.example/a1.png",
                            "thumbnailUrl": "https://p.example/a1.thumb.png", "mime": "image/png"}
    assert a1["thumbnailRef"] and harness.store.metas[a1["thumbnailRef"]]["mime"] == "image/png"
    assert b2["kind"] == "audio" and a1["role"] == "generated"
    project = harness.store.projects[gen["projectId"]]
    assert project["title"].startswith("Generation a1, b2, fail3 (")
    # Polled every 5 s until final, then never again.
    a1_times = [t for t, f in provider.asked if f == "a1"]
    assert [b - a for a, b in zip(a1_times, a1_times[1:])] == [5_000, 5_000]
    assert sum(1 for _, f in provider.asked if f == "fail3") == 2


def test_retry_after_is_honoured_and_errors_back_off(world, run):
    harness, now, kv, provider, make = world
    provider.script = {"a1": [(503, "7", None), ProviderUnavailable(), (500, None, None), ok("processing")]}
    tracker = make()
    gen_id = run(tracker.track("a1"))
    run(tracker.step(gen_id))
    assert tracker.next_wake(gen_id) == START + 7_000
    now[0] = START + 6_999
    run(tracker.step(gen_id))
    assert len(provider.asked) == 1  # nothing before the 7 s are up
    now[0] = START + 7_000
    run(tracker.step(gen_id))
    assert len(provider.asked) == 2 and tracker.next_wake(gen_id) >= now[0] + 2_000
    tracker.wake_now(gen_id)  # back online: at once
    run(tracker.step(gen_id))
    assert len(provider.asked) == 3


def test_a_reload_resumes_from_localstorage(world, run):
    harness, now, kv, provider, make = world
    provider.script = {"a1": [ok("processing"), ok("completed", url="https://p.example/a1.png")],
                       "b2": [ok("processing")]}
    first = make()
    gen_id = run(first.track("a1,b2"))
    run(first.step(gen_id))
    assert all(len(v) <= MAX_VALUE_BYTES for k, v in kv.items.items() if k.startswith(PREFIX))
    second = make()  # the page was reloaded
    assert second.find(["a1", "b2"]) == gen_id and second.find(["b2"]) is None
    assert second.find(["b2"], containing=True) == gen_id
    assert [f["status"] for f in second.get(gen_id).summary()["files"]] == ["processing", "processing"]
    now[0] += 5_000
    run(second.step(gen_id))
    now[0] += 1
    run(second.step(gen_id))
    stored = second.get(gen_id).summary()["files"][0]
    assert stored["status"] == "completed" and stored["ref"] in harness.store.metas
    third = make()
    assert third.get(gen_id).summary()["files"][0]["ref"] == stored["ref"]


def test_failed_downloads_are_retried_with_backoff_then_given_up(world, run):
    harness, now, kv, provider, make = world
    provider.script = {"a1": [ok("completed", url="https://p.example/missing.png")]}
    tracker = make()
    gen_id = run(tracker.track("a1"))
    run_until_done(run, tracker, gen_id, now, limit_ms=3_600_000)
    file = tracker.get(gen_id).files["a1"]
    assert file.ref is None and "404" in file.store_error
    attempts = tracker.downloads[(gen_id, "a1")].failures
    assert attempts == MAX_DOWNLOAD_ATTEMPTS and tracker.finished(gen_id)


def test_large_generations_page_their_records_under_4_kib(world, run):
    harness, now, kv, provider, make = world
    ids = [f"{i:03}" + "x" * 61 for i in range(100)]
    tracker = make()
    gen_id = run(tracker.track(",".join(ids)))
    values = {k: v for k, v in kv.items.items() if k.startswith(f"{PREFIX}gen:{gen_id}")}
    assert len(values) > 2 and all(len(v.encode()) <= MAX_VALUE_BYTES for v in values.values())
    assert make().get(gen_id).file_ids == ids


def test_bad_input_is_refused(world, run):
    harness, now, kv, provider, make = world
    tracker = make()
    with pytest.raises(InvalidIdError, match="'<svg>'"):
        run(tracker.track("a1,<svg>"))
    with pytest.raises(NotFoundError):
        run(tracker.track("a1", "p_missing"))
    with pytest.raises(NotFoundError):
        tracker.get("g_nothing")
    assert not [k for k in kv.items if k.startswith(PREFIX + "gen")]
