import itertools

import pytest

from app.core.status import COMPLETED, ERROR, PENDING, PROCESSING, TRANSITIONS, FileState, Generation, ProviderError

URL = "https://cdn.example/a1.png"


def answer(status, **extra):
    body = {"id": "a1", "status": status}
    if status == COMPLETED:
        body.setdefault("url", URL)
    body.update(extra)
    return body


@pytest.mark.parametrize("start, end", list(itertools.product(TRANSITIONS, TRANSITIONS)))
def test_every_transition_is_allowed_or_raises_by_the_table(start, end):
    file = FileState("a1") if start == PENDING else FileState("a1").apply(answer(start))
    allowed = end in TRANSITIONS[start]
    if allowed:
        assert file.apply(answer(end)).status == end
    else:
        with pytest.raises(ProviderError, match=f"{start} cannot become {end}"):
            file.apply(answer(end))


def test_answers_are_validated_and_kept_inert():
    file = FileState("a1").apply(answer(PROCESSING, progress=40))
    assert (file.status, file.progress) == (PROCESSING, 40)
    assert FileState("a1").apply(answer(PROCESSING, progress=400)).progress is None
    assert FileState("a1").apply(answer(PROCESSING, progress=True)).progress is None
    with pytest.raises(ProviderError, match="without an http"):
        FileState("a1").apply(answer(COMPLETED, url="javascript:alert(1)"))
    done = FileState("a1").apply(answer(COMPLETED, thumbnailUrl="data:image/png;base64,xx", mime="image/png"))
    assert (done.url, done.thumbnail_url, done.progress, done.mime) == (URL, None, 100, "image/png")
    failed = FileState("a1").apply(answer(ERROR, error="<img src=x onerror=alert(1)>" * 100))
    assert failed.final and len(failed.error) == 500
    for bad in (None, [], {"status": "done"}, {"id": "b2", "status": PENDING}):
        with pytest.raises(ProviderError):
            FileState("a1").apply(bad)


def test_generation_status_and_progress():
    gen = Generation.new("g_1", ["a1", "b2", "c3", "d4"], None, 0)
    assert (gen.status(), gen.progress()) == (PENDING, 0)
    gen.files["a1"] = gen.files["a1"].apply(answer(PROCESSING, progress=50))
    gen.files["b2"] = gen.files["b2"].apply({"status": PROCESSING})
    assert (gen.status(), gen.progress()) == (PROCESSING, 12.5)
    gen.files["a1"] = gen.files["a1"].apply(answer(COMPLETED))
    gen.files["b2"] = gen.files["b2"].apply({"status": ERROR, "error": "nope"})
    assert gen.progress() == 50
    gen.files["c3"] = gen.files["c3"].apply({"status": COMPLETED, "url": URL})
    gen.files["d4"] = gen.files["d4"].apply({"status": COMPLETED, "url": URL})
    assert (gen.status(), gen.progress()) == (ERROR, 100)  # finished, with an error among them
    assert gen.counts() == {PENDING: 0, PROCESSING: 0, COMPLETED: 3, ERROR: 1, "stored": 0}
    gen.files["a1"] = gen.files["a1"].stored("a_ref1")
    summary = gen.summary()
    assert summary["files"][0] == {"fileId": "a1", "status": COMPLETED, "progress": 100, "ref": "a_ref1", "error": None}
    assert summary["files"][1]["error"] == "nope"
