import json

import pytest

from app.core.errors import InvalidInputError
from app.core.legacy import find_data_urls, rescue, rewrite, scan
from tests.fakes import FakeKV
from tests.media import data_url, image_bytes, wav_bytes


def frames(n=3, noise=False):
    return [{"id": f"f{i}", "frameNumber": i, "prompt": f"shot {i}", "timestamp": 1000 + i,
             "imageUrl": data_url(image_bytes("PNG", seed=i, noise=noise), "image/png")} for i in range(n)]


def test_scan_finds_media_data_urls_only():
    kv = FakeKV({
        "generatedFrames": json.dumps(frames(3)),
        "voice": data_url(wav_bytes(), "audio/wav"),
        "notes": "data:text/plain;base64,aGVsbG8=",
        "assetVault:settings": "{}",
    })
    found = {f["key"]: f for f in scan(kv)}
    assert set(found) == {"generatedFrames", "voice"}
    assert found["generatedFrames"]["dataUrls"] == 3
    assert found["generatedFrames"]["bytes"] == sum(len(f["imageUrl"]) for f in frames(3))


def test_json_escaped_slashes_are_found_whole():
    url = data_url(image_bytes("PNG"), "image/png")
    value = json.dumps([{"imageUrl": url}]).replace("/", "\\/")
    [item] = find_data_urls(value)
    assert item.text == url and item.path == "[0].imageUrl"


def test_rewrite_keeps_every_other_character():
    value = 'xx "data:image/png;base64,AAAA" yy data:audio/wav;base64,BBBB zz'
    found = find_data_urls(value)
    assert rewrite(value, [(found[0], "a_1"), (found[1], "a_2")]) == 'xx "vault:a_1" yy vault:a_2 zz'


def test_rescue_moves_frames_and_rewrites_in_place(harness, run):
    original = frames(3)
    kv = FakeKV({"generatedFrames": json.dumps(original), "other": "keep me"})
    result = run(rescue(kv, harness.vault))
    assert result["assets"] == 3 and result["skipped"] == []
    rewritten = json.loads(kv.items["generatedFrames"])
    for before, after in zip(original, rewritten):
        assert after["imageUrl"].startswith("vault:a_")
        assert {k: v for k, v in after.items() if k != "imageUrl"} == {k: v for k, v in before.items() if k != "imageUrl"}
        meta = run(harness.vault.get_meta(after["imageUrl"][len("vault:"):]))
        assert meta["projectId"] == result["projectId"]
        assert meta["params"]["prompt"] == before["prompt"] and meta["params"]["legacyKey"] == "generatedFrames"
        assert run(harness.vault.get_blob(meta["ref"])).data == image_bytes("PNG", seed=before["frameNumber"])
    assert result["bytesFreed"] == len(json.dumps(original)) - len(kv.items["generatedFrames"])
    assert kv.items["other"] == "keep me"
    assert scan(kv) == []


def test_a_value_changed_during_rescue_is_left_alone(harness, run):
    kv = FakeKV({"generatedFrames": json.dumps(frames(1))})
    original_add = harness.store.add_assets

    async def add_then_host_writes(entries, project):
        await original_add(entries, project)
        kv.items["generatedFrames"] = json.dumps(frames(2))

    harness.store.add_assets = add_then_host_writes
    result = run(rescue(kv, harness.vault))
    assert kv.items["generatedFrames"] == json.dumps(frames(2))
    assert result["bytesFreed"] == 0 and "changed while it was being rescued" in result["skipped"][0]


def test_nothing_is_rewritten_when_the_store_fails(harness, run):
    value = json.dumps(frames(2))
    kv = FakeKV({"generatedFrames": value})

    async def failing(entries, project):
        raise RuntimeError("disk gone")

    harness.store.add_assets = failing
    with pytest.raises(RuntimeError):
        run(rescue(kv, harness.vault))
    assert kv.items["generatedFrames"] == value


def test_unknown_keys_and_unreadable_media(harness, run):
    kv = FakeKV({"bad": json.dumps({"imageUrl": data_url(b"not an image at all", "image/png")})})
    with pytest.raises(InvalidInputError, match="No base64 media found under: nope"):
        run(rescue(kv, harness.vault, ["nope"]))
    with pytest.raises(InvalidInputError, match="could be read as media"):
        run(rescue(kv, harness.vault))
    assert harness.store.projects == {}
