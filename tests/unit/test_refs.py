import pytest

from app.core.errors import InvalidInputError
from app.core.refs import MAX_TOTAL_BYTES, PREFIX, AppStorage
from tests.fakes import FakeKV
from tests.media import data_url, image_bytes


def test_values_are_prefixed_json():
    kv = FakeKV()
    refs = AppStorage(kv)
    assert refs.put("lastProject", "p_abc")
    assert kv.items == {PREFIX + "lastProject": '"p_abc"'}
    assert refs.get("lastProject") == "p_abc"
    assert refs.get("missing", 5) == 5


def test_a_value_over_4kb_is_refused():
    refs = AppStorage(FakeKV())
    with pytest.raises(InvalidInputError, match="at most 4096"):
        refs.put("big", "x" * 5000)


def test_media_is_never_written():
    refs = AppStorage(FakeKV())
    with pytest.raises(InvalidInputError, match="media belongs in IndexedDB"):
        refs.put("frame", {"imageUrl": data_url(image_bytes()[:100], "image/png")})


def test_total_budget_is_enforced():
    kv = FakeKV()
    refs = AppStorage(kv)
    stored = 0
    while refs.put(f"k{stored}", "y" * 3900):
        stored += 1
    assert stored == MAX_TOTAL_BYTES // (3900 + len(PREFIX) + 6)
    assert "budget" in refs.problem
    assert refs.bytes_used() <= MAX_TOTAL_BYTES


def test_unavailable_or_full_storage_is_reported_not_raised():
    refs = AppStorage(FakeKV(available=False))
    assert refs.put("lastProject", "p") is False
    assert "disabled" in refs.problem and "safe in IndexedDB" in refs.problem
    assert refs.get("lastProject", "dflt") == "dflt"
    full = AppStorage(FakeKV({"host": "z" * 100}, quota_chars=110))
    assert full.put("lastProject", "p_12345678") is False
    assert "full" in full.problem
    assert AppStorage(None).get("x", 1) == 1 and AppStorage(None).problem
