"""Sync against a model, at random (issue 31, outcome 6, for what is built so far: additions,
deletions, renames, new bytes and retitles; moves are not in it yet). Three devices share one
in-memory bucket and make random changes, on clocks that drift apart, syncing at random. Once
every device has synced with nothing new, each must hold exactly what the model says: every
file added and not deleted, with the name of its newest rename and the bytes of its newest
replacement (newest by version), and the project's newest title.

SYNC_SEEDS=2000 runs more seeds than the default (a few seconds' worth in every run).
"""

from __future__ import annotations

import os
import random
import zlib

import pytest

from app.core.versions import newer
from tests.fakes import FakeBlob, FakeRemote
from tests.media import image_bytes
from tests.unit.test_backup import Device, shut

SEEDS = int(os.environ.get("SYNC_SEEDS", "25"))
STEPS = int(os.environ.get("SYNC_STEPS", "14"))
OPS = ("add", "delete", "rename", "replace", "retitle", "sync", "sync")


class Model:
    def __init__(self):
        self.files: dict[str, dict] = {}  # ref -> {"name": (version, name), "crc": (version, crc)}
        self.deleted: set[str] = set()
        self.title = (None, "")

    def add(self, meta: dict, crc: int) -> None:
        self.files[meta["ref"]] = {"name": (None, meta["name"]), "crc": (None, crc)}

    def edit(self, ref: str, field: str, version, value) -> None:
        if newer(version, self.files[ref][field][0]):
            self.files[ref][field] = (version, value)

    def retitle(self, version, title: str) -> None:
        if newer(version, self.title[0]):
            self.title = (version, title)

    def expected(self) -> tuple[str, dict]:
        return self.title[1], {ref: (f["name"][1], f["crc"][1]) for ref, f in self.files.items()
                               if ref not in self.deleted}


def held(run, dev, pid) -> list[dict]:
    return [m for m in run(dev.vault.list_assets(pid)) if m["role"] != "thumbnail"]


def seen(run, dev, pid) -> tuple[str, dict]:
    files = {m["ref"]: (m["name"], zlib.crc32(run(dev.vault.get_blob(m["ref"])).data)) for m in held(run, dev, pid)}
    return run(dev.vault.get_project(pid))["title"], files


def step(run, rng: random.Random, model: Model, dev, pid: str, n: int) -> None:
    op = rng.choice(OPS)
    dev.now[0] += rng.randint(-3_000, 8_000)  # clocks drift apart; the vault's own stays monotonic
    files = held(run, dev, pid)
    if op == "add" or (op in ("delete", "rename", "replace") and not files):
        data = image_bytes("PNG", (12, 8), seed=n)
        meta = run(dev.vault.get_meta(run(dev.vault.save_blob(pid, FakeBlob(data, "image/png")))))
        model.add(meta, zlib.crc32(data))
    elif op == "delete":
        ref = rng.choice(files)["ref"]
        run(dev.vault.delete_asset(ref))
        model.deleted.add(ref)
    elif op == "rename":
        ref = rng.choice(files)["ref"]
        meta = run(dev.vault.update_asset(ref, {"name": f"name-{n}.png"}))
        model.edit(ref, "name", meta["versions"]["meta"], meta["name"])
    elif op == "replace":
        ref, data = rng.choice(files)["ref"], image_bytes("PNG", (10, 6), seed=1000 + n)
        meta = run(dev.vault.replace_blob(ref, FakeBlob(data, "image/png")))
        model.edit(ref, "crc", meta["versions"]["bytes"], zlib.crc32(data))
    elif op == "retitle":
        project = run(dev.vault.update_project(pid, {"title": f"title {n}"}))
        model.retitle(project["versions"]["fields"], project["title"])
    else:
        run(dev.idle())
        run(dev.backup.sync_now())


@pytest.mark.parametrize("seed", range(SEEDS))
def test_devices_converge_to_the_model_whatever_they_do_and_whenever_they_sync(seed, run):
    rng = random.Random(seed)
    bucket = FakeRemote()
    devices = [Device(bucket) for _ in range(3)]
    try:
        for dev in devices:
            run(dev.configure())
        model = Model()
        pid = run(devices[0].vault.create_project({"title": "start"}))
        model.title = (None, "start")
        for n in range(2):
            step_add = image_bytes("PNG", (12, 8), seed=500 + n)
            meta = run(devices[0].vault.get_meta(run(devices[0].vault.save_blob(pid, FakeBlob(step_add, "image/png")))))
            model.add(meta, zlib.crc32(step_add))
        run(devices[0].idle())
        for dev in devices[1:]:
            run(dev.backup.restore_project(pid))
        for n in range(STEPS):
            step(run, rng, model, rng.choice(devices), pid, n)
        for _ in range(3):  # every device syncs after every other's last change
            for dev in devices:
                run(dev.idle())
                run(dev.backup.sync_now())
        want = model.expected()
        for index, dev in enumerate(devices):
            assert seen(run, dev, pid) == want, f"seed {seed}: device {index}"
    finally:
        shut(run, *devices)
