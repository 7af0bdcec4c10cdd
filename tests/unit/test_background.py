"""The background's turns: saves come first, yet it never starves; work for what is gone is dropped."""

import asyncio
import random

from app.core import background
from tests.fakes import FakeBlob
from tests.media import MP4_HEAD, image_bytes, wav_bytes


def _timed(harness, log: list) -> None:
    """Log the loop time of each background step the store or the codecs see."""
    loop_time = lambda: asyncio.get_event_loop().time()  # noqa: E731
    for name in ("set_crcs", "attach_thumbnails"):
        original = getattr(harness.store, name)

        def step(*args, _name=name, _original=original):
            log.append((_name, loop_time()))
            return _original(*args)
        setattr(harness.store, name, step)
    make = harness.thumbnails.make

    async def made(*args):
        log.append(("make", loop_time()))
        return await make(*args)
    harness.thumbnails.make = made


def test_background_work_waits_while_saves_go_on_but_gets_a_turn_every_starve_s(harness, run, monkeypatch):
    monkeypatch.setattr(background, "STARVE_S", 0.2)
    vault, log = harness.vault, []
    _timed(harness, log)
    pid = run(vault.create_project({"title": "stream"}))
    sound = wav_bytes(0.05)

    async def stream() -> tuple[float, float]:
        # Owed: a big clip's checksum, and previews of frames; then saves without pause for 0.7 s.
        await vault.save_blob(pid, FakeBlob(MP4_HEAD + random.Random(1).randbytes(3 << 20)))
        for seed in range(40):
            await vault.save_blob(pid, FakeBlob(image_bytes("PNG", (8, 8), seed=seed), "image/png"))
        began = asyncio.get_event_loop().time()
        while asyncio.get_event_loop().time() - began < 0.7:
            await vault.save_blob(pid, FakeBlob(sound, "audio/wav"))  # summed inline: owes nothing
        return began, asyncio.get_event_loop().time()

    began, ended = run(stream())
    during = sorted(t for _, t in log if t < ended)
    # Not in the first STARVE_S: the saves had the page; then a step at a time, STARVE_S apart.
    assert during and during[0] >= began + 0.2 - 0.05
    steps = [t for t in during if t >= began]
    assert len(steps) >= 2
    assert all(b - a >= 0.2 - 0.05 for a, b in zip(steps, steps[1:]) if b - a > 0.01)
    run(vault.settled())
    assert all(m["crc32"] is not None for m in harness.store.metas.values())
    assert len(harness.thumbnails.made) == 41  # the clip's poster too


def test_work_for_files_deleted_before_their_turn_is_dropped(harness, run):
    vault = harness.vault
    gone, kept = run(vault.create_project({"title": "gone"})), run(vault.create_project({"title": "kept"}))
    frame = lambda seed: FakeBlob(image_bytes("PNG", (8, 8), seed=seed), "image/png")  # noqa: E731

    async def save_then_delete():
        doomed = await asyncio.gather(*(vault.save_blob(gone, frame(i)) for i in range(30)))
        moved = await vault.save_blob(gone, frame(30))
        one, other = await vault.save_blob(kept, frame(31)), await vault.save_blob(kept, frame(32))
        await vault.move_assets([moved], kept)  # its owed preview goes with it
        await vault.delete_project(gone)  # before the background's turn: saves just ended
        await vault.delete_asset(other)
        return doomed, moved, one, other

    doomed, moved, one, other = run(save_then_delete())
    run(vault.settled())
    assert len(harness.thumbnails.made) == 2  # the moved frame's and the kept one's, no more
    assert harness.store.metas[moved]["thumbnailRef"] and harness.store.metas[one]["thumbnailRef"]
    assert not any(vault.background.owes(ref) for ref in [*doomed, moved, one, other])
    assert vault.background._gone_refs == set()  # forgotten once their work is dropped: no growth
    assert all(m["projectId"] == kept for m in harness.store.metas.values())


def test_an_import_holds_the_background_back_like_a_save(harness, run):
    vault = harness.vault
    pid = run(vault.create_project({"title": "t"}))
    seen = []

    async def import_while_looking():
        meta = {"id": "p" * 12, "title": "in", "createdAt": 1, "updatedAt": 1}
        looking = asyncio.ensure_future(_busy_while(vault, seen))
        await vault.import_project(meta, [])
        looking.cancel()

    run(vault.save_blob(pid, FakeBlob(image_bytes("PNG", (8, 8)), "image/png")))
    run(import_while_looking())
    assert True in seen


async def _busy_while(vault, seen: list) -> None:
    while True:
        seen.append(vault.busy)
        await asyncio.sleep(0)
