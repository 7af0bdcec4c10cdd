"""Benchmarks: the vault against peers doing the same work in the same browser, in one run.

    make bench            (or: .venv/bin/python -m bench [--rounds 3])
    make bench ARGS="--only scale"     10,000 frames on an on-disk profile (several minutes)

Prints each figure and its ratio to the peer, and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import backup as backup_bench
from bench import scale as scale_bench
from tests.conftest import CHROMIUM_ARGS
from tests.e2e.server import Server

HERE = Path(__file__).resolve().parent
JS = (HERE / "work.js").read_text()
PEER_HTML = b'<!doctype html><meta charset="utf-8"><script type="module" src="./peer.mjs"></script>'
PEER_MJS = b"""import { loadPyodide } from "../static/vendor/pyodide/pyodide.mjs";
await loadPyodide();
performance.mark("pyodide:ready");
"""


def ready_ms(page, mark: str) -> float:
    # Polled: the app's CSP blocks Playwright's string predicates.
    for _ in range(600):
        value = page.evaluate(f"() => performance.getEntriesByName({mark!r})[0]?.startTime ?? null")
        if value is not None:
            return value
        page.wait_for_timeout(50)
    raise RuntimeError(f"{mark} never happened")


class Profiles:
    """Browser contexts of one kind. "disk" is a profile with a user-data directory, as a user's
    Chromium has; "memory" is Playwright's default context, which is incognito-like: Chromium keeps
    its IndexedDB in memory and copies a stored Blob's bytes whenever it is read back."""

    def __init__(self, playwright, kind: str, extra_args=()):
        self.playwright, self.kind = playwright, kind
        self.args = CHROMIUM_ARGS + list(extra_args)
        self.exe = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        self.browser = None
        self.dirs: list[tempfile.TemporaryDirectory] = []

    def new_context(self):
        if self.kind == "memory":
            if self.browser is None:
                self.browser = self.playwright.chromium.launch(executable_path=self.exe, args=self.args)
            return self.browser.new_context()
        self.dirs.append(tempfile.TemporaryDirectory(prefix="bench-profile-"))
        return self.playwright.chromium.launch_persistent_context(self.dirs[-1].name, executable_path=self.exe,
                                                                  args=self.args)

    def version(self) -> str:
        context = self.new_context()
        page = context.pages[0] if context.pages else context.new_page()
        version = page.evaluate("navigator.userAgent.match(/Chrome\\/[\\d.]+/)[0]")
        context.close()
        return version

    def close(self) -> None:
        if self.browser:
            self.browser.close()
        for d in self.dirs:
            d.cleanup()


PROFILE_TITLES = {"disk": "Profile on disk (as a user's browser; targets judged here)",
                  "memory": "In-memory profile (incognito; Playwright's default context)"}


LONG_TASKS = """
window.__longTasks = [];
try {
  new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => [e.startTime, e.duration])))
    .observe({ type: "longtask", buffered: true });
} catch { /* no long-task timing in this engine */ }
"""
SNAPSHOTS_OFF = "localStorage.setItem('assetVault:snapshots', 'off');"


def start_up(profiles: Profiles, server: Server, rounds: int) -> dict:
    """Ready times of bare loadPyodide and the vault, first visit and reload: the vault from the
    build's start-up snapshot, from one made in a worker where the build has none, and with
    snapshots off; and what keeping and making one costs."""
    def serve_peer(context):
        context.route(server.url + "bench/peer.html", lambda r: r.fulfill(body=PEER_HTML, content_type="text/html"))
        context.route(server.url + "bench/peer.mjs", lambda r: r.fulfill(body=PEER_MJS, content_type="text/javascript"))

    samples = {k: [] for k in ("peer_cold", "peer_warm", "vault_cold", "vault_warm_snapshot", "vault_keep",
                               "vault_cold_unbuilt", "vault_warm_made", "vault_cold_off", "vault_warm_off",
                               "snapshot_make", "snapshot_long_tasks", "snapshot_bytes")}
    for _ in range(rounds):
        context = profiles.new_context()
        serve_peer(context)
        page = context.new_page()
        page.goto(server.url + "bench/peer.html")
        samples["peer_cold"].append(ready_ms(page, "pyodide:ready"))
        page.wait_for_timeout(1500)
        page.reload()
        samples["peer_warm"].append(ready_ms(page, "pyodide:ready"))
        context.close()

        # A first visit starts from the build's snapshot, and keeps it for the next.
        context = profiles.new_context()
        page = context.new_page()
        page.goto(server.url)
        samples["vault_cold"].append(ready_ms(page, "assetVault:ready"))
        assert page.evaluate("() => window.__assetVaultSnapshot.state.from") == "build"
        samples["vault_keep"].append(ready_ms(page, "assetVault:snapshot-made") - ready_ms(page, "assetVault:snapshot-start"))
        page.reload()
        samples["vault_warm_snapshot"].append(ready_ms(page, "assetVault:ready"))
        assert page.evaluate("() => window.__assetVaultSnapshot.state.from") == "cache"
        context.close()

        # Where the build has none (or the browser refuses it): one made in a worker.
        context = profiles.new_context()
        context.route("**/static/vendor/snapshot-*.bin", lambda route: route.fulfill(status=404))
        context.add_init_script(LONG_TASKS)
        page = context.new_page()
        page.goto(server.url)
        samples["vault_cold_unbuilt"].append(ready_ms(page, "assetVault:ready"))
        made = ready_ms(page, "assetVault:snapshot-made")
        began = ready_ms(page, "assetVault:snapshot-start")
        samples["snapshot_make"].append(made - began)
        samples["snapshot_long_tasks"].append(page.evaluate(
            "([a, b]) => window.__longTasks.filter(([t, d]) => t >= a && t <= b && d > 100).map(([t, d]) => d)",
            [began, made]))
        samples["snapshot_bytes"].append(page.evaluate("() => window.__assetVaultSnapshot.size()"))
        page.reload()
        samples["vault_warm_made"].append(ready_ms(page, "assetVault:ready"))
        assert page.evaluate("() => window.__assetVaultSnapshot.state.start") == "snapshot"
        context.close()

        context = profiles.new_context()
        context.add_init_script(SNAPSHOTS_OFF)
        page = context.new_page()
        page.goto(server.url)
        samples["vault_cold_off"].append(ready_ms(page, "assetVault:ready"))
        page.wait_for_timeout(1500)
        page.reload()
        samples["vault_warm_off"].append(ready_ms(page, "assetVault:ready"))
        context.close()
    med = {k: statistics.median(v) for k, v in samples.items() if k != "snapshot_long_tasks"}
    return {"samples_ms": samples, "median_ms": med,
            "cold_ratio": med["vault_cold"] / med["peer_cold"],
            "warm_ratio": med["vault_warm_snapshot"] / med["peer_warm"]}


def report_start(start: dict) -> None:
    m, s = start["median_ms"], start["samples_ms"]
    print(f"Start-up to ready, first visit: vault (from the build's snapshot) {_spread(s['vault_cold'])} ms vs "
          f"bare loadPyodide {_spread(s['peer_cold'])} ms = {start['cold_ratio']:.2f}x   [target <= 1.1x]; keeping "
          f"it in the cache took {_spread(s['vault_keep'])} ms, 2 s after ready")
    print(f"  reload: vault from the kept snapshot {_spread(s['vault_warm_snapshot'])} ms vs bare loadPyodide "
          f"{_spread(s['peer_warm'])} ms = {start['warm_ratio']:.2f}x   [target <= 0.5x and <= 800 ms]")
    print(f"  with no build snapshot: first visit {_spread(s['vault_cold_unbuilt'])} ms, reload from the one made "
          f"in a worker {_spread(s['vault_warm_made'])} ms")
    print(f"  without snapshots (turned off): first visit {_spread(s['vault_cold_off'])} ms, reload "
          f"{_spread(s['vault_warm_off'])} ms")
    tasks = [d for run in s["snapshot_long_tasks"] for d in run]
    print(f"  making the snapshot in a worker: {_spread(s['snapshot_make'])} ms after it starts, "
          f"{m['snapshot_bytes'] / 2**20:.1f} MiB; main-thread tasks over 100 ms meanwhile: "
          f"{len(tasks)}{f' (longest {max(tasks):.0f} ms)' if tasks else ''}   [target 0]")


def ingest(profiles: Profiles, server: Server, rounds: int, blob_count: int, blob_mib: int, url_count: int, url_mb: int) -> dict:
    context = profiles.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.evaluate("window.assetVaultReady.then(() => true)")
    page.evaluate(JS)
    out = {"blob": [], "blob_crc_done": [], "blob_peer_relaxed": [], "blob_peer_strict": [], "dataurl": [],
           "dataurl_peer": []}
    page.evaluate("([n, mib]) => window.bench.makeBlobs(n, mib)", [blob_count, blob_mib])
    for _ in range(rounds):
        out["blob_peer_relaxed"].append(page.evaluate("() => window.bench.peerPutBlobs('relaxed')"))
        out["blob_peer_strict"].append(page.evaluate("() => window.bench.peerPutBlobs('strict')"))
        saved, crc_done = page.evaluate("() => window.bench.vaultSaveBlobs()")
        out["blob"].append(saved)
        out["blob_crc_done"].append(crc_done)
    out.update(seq=[], seq_settled=[], seq_peer=[])
    out_frame = page.evaluate("([n, b]) => window.bench.makeFrames(n, b)", [blob_count, round(blob_mib * 2**20)])
    for _ in range(rounds):
        out["seq_peer"].append(page.evaluate("() => window.bench.peerPutSequential()"))
        saved, settled = page.evaluate("() => window.bench.vaultSaveSequential()")
        out["seq"].append(saved)
        out["seq_settled"].append(settled)
    page.evaluate("([n, mb]) => window.bench.makeDataUrls(n, mb)", [url_count, url_mb])
    for _ in range(rounds):
        out["dataurl_peer"].append(page.evaluate("() => window.bench.peerDataUrls()"))
        out["dataurl"].append(page.evaluate("() => window.bench.vaultDataUrls()"))
    context.close()
    med = {k: statistics.median(v) for k, v in out.items()}
    blob_bytes = blob_count * blob_mib * 2**20
    return {
        "samples_ms": out, "median_ms": med,
        "blob_MBps": {k: blob_bytes / 1e6 / (med[k] / 1000) for k in ("blob", "blob_peer_relaxed", "blob_peer_strict")},
        "blob_ratio_vs_relaxed_peer": med["blob_peer_relaxed"] / med["blob"],
        "blob_ratio_vs_strict_peer": med["blob_peer_strict"] / med["blob"],
        "dataurl_ratio": med["dataurl_peer"] / med["dataurl"],
        "frame_bytes": out_frame,
        "seq_ratio": med["seq_peer"] / med["seq"],
        "seq_ratio_rounds": [p / v for p, v in zip(out["seq_peer"], out["seq"])],
    }


JSZIP = (HERE.parent / "node_modules" / "jszip" / "dist" / "jszip.min.js").read_bytes()


def archives(profiles: Profiles, server: Server, rounds: int, entries: int, mib_total: int) -> dict:
    """Export of a project vs JSZip STORE over the same Blobs; import of that archive vs JSZip.
    The peer runs in a page of its own, so its garbage (it copies every byte) does not land on
    the vault's heap, and vice versa."""
    context = profiles.new_context()
    context.route(server.url + "bench/jszip.min.js", lambda r: r.fulfill(body=JSZIP, content_type="text/javascript"))
    vault, peer = context.new_page(), context.new_page()
    for page in (vault, peer):
        page.goto(server.url)
        page.evaluate("window.assetVaultReady.then(() => true)")
        page.evaluate(JS)
    peer.add_script_tag(url=server.url + "bench/jszip.min.js")
    each = mib_total * 2**20 // entries
    big = vault.evaluate("([n, b]) => window.bench.archiveProject('big', n, b)", [entries, each])
    small = vault.evaluate("([n, b]) => window.bench.archiveProject('small', n, b)", [entries, each // 256])
    peer.evaluate("(pid) => window.bench.vaultExport(pid)", big)  # the archive the peer imports
    out = {k: [] for k in ("export", "export_small", "jszip_export", "jszip_read_blobs", "import", "jszip_import")}
    heap = {"export_js": [], "jszip_export_js": [], "import_wasm": []}
    for _ in range(rounds):
        ms, _, _ = vault.evaluate("(pid) => window.bench.vaultExport(pid)", small)
        out["export_small"].append(ms)
        ms, size, js_heap = vault.evaluate("(pid) => window.bench.vaultExport(pid)", big)
        out["export"].append(ms)
        heap["export_js"].append(js_heap)
        ms, count, wasm_growth, wasm_before = vault.evaluate("() => window.bench.vaultImport()")
        out["import"].append(ms)
        heap["import_wasm"].append(wasm_growth)
        read_ms, ms, peer_size, peer_heap = peer.evaluate("(pid) => window.bench.jszipExport(pid)", big)
        out["jszip_read_blobs"].append(read_ms)
        out["jszip_export"].append(ms)
        heap["jszip_export_js"].append(peer_heap)
        out["jszip_import"].append(peer.evaluate("() => window.bench.jszipImport()")[0])
    context.close()
    med = {k: statistics.median(v) for k, v in out.items()}
    return {"samples_ms": out, "median_ms": med, "archive_bytes": size, "jszip_archive_bytes": peer_size,
            "heap_bytes": heap, "wasm_heap_before_first_import": wasm_before,
            "export_ratio": med["jszip_export"] / med["export"],
            "export_ratio_both_reading_indexeddb": (med["jszip_export"] + med["jszip_read_blobs"]) / med["export"],
            "export_big_vs_small": med["export"] / med["export_small"],
            "import_ratio": med["jszip_import"] / med["import"]}


def big_video(profiles: Profiles, server: Server, rounds: int, mib: int) -> dict:
    """One video of ``mib`` MiB saved, checksummed, exported and imported: how far the wasm heap
    grows (media must stream through it in bounded chunks, never whole)."""
    context = profiles.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.evaluate("window.assetVaultReady.then(() => true)")
    page.evaluate(JS)
    runs = [page.evaluate("(mib) => window.bench.bigVideo(mib)", mib) for _ in range(rounds)]
    context.close()
    return {"runs": runs}


def report_video(v: dict) -> None:
    mib = 2**20
    runs = v["runs"]
    first = runs[0]
    print(f"Video of {first['bytes'] / 2**30:.2f} GiB: save {_spread([r['saveMs'] / 1000 for r in runs])} s, "
          f"checksum {_spread([r['crcMs'] / 1000 for r in runs])} s, export {_spread([r['exportMs'] for r in runs])} ms, "
          f"import {_spread([r['importMs'] / 1000 for r in runs])} s; copies identical: {all(r['same'] for r in runs)}")
    print(f"  wasm heap growth over all of it: {max(r['wasmGrowth'] for r in runs) / mib:.1f} MiB (max over "
          f"{len(runs)} rounds; {first['wasmBefore'] / mib:.0f} MiB before)   [target < 64 MB]")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def report_ingest(ing: dict, args) -> None:
    print(f"Blob ingest {args.blobs} x {args.blob_mib} MiB: vault {ing['median_ms']['blob']:.0f} ms "
          f"({ing['blob_MBps']['blob']:.0f} MB/s); raw IndexedDB puts {ing['median_ms']['blob_peer_relaxed']:.0f} ms "
          f"relaxed / {ing['median_ms']['blob_peer_strict']:.0f} ms strict")
    print(f"  ratio (peer time / vault time): {ing['blob_ratio_vs_relaxed_peer']:.2f}x vs relaxed, "
          f"{ing['blob_ratio_vs_strict_peer']:.2f}x vs strict   [target >= 0.8x]")
    print(f"  every CRC-32 computed (background, after the saves resolved): {ing['median_ms']['blob_crc_done']:.0f} ms "
          f"({args.blobs * args.blob_mib * 2**20 / 1e6 / (ing['median_ms']['blob_crc_done'] / 1000):.0f} MB/s)")
    print(f"One save at a time, awaited, {args.blobs} PNG frames of {ing['frame_bytes'] / 2**20:.2f} MiB: vault "
          f"{_spread(ing['samples_ms']['seq'])} ms vs raw strict puts one at a time {_spread(ing['samples_ms']['seq_peer'])} ms"
          f" = {ing['seq_ratio']:.2f}x (rounds {', '.join(f'{r:.2f}' for r in ing['seq_ratio_rounds'])})   "
          f"[target >= 0.8x at 4 MiB, >= 0.5x at 100 KiB]; every CRC-32 and preview in after "
          f"{_spread(ing['samples_ms']['seq_settled'])} ms")
    print(f"Data URL ingest {args.dataurls} x {args.dataurl_mb} MB: vault {ing['median_ms']['dataurl']:.0f} ms; "
          f"fetch(dataURL).blob() + put {ing['median_ms']['dataurl_peer']:.0f} ms; "
          f"ratio {ing['dataurl_ratio']:.2f}x   [target >= 0.5x]")


def report_archive(a: dict, args) -> None:
    m, mib = a["median_ms"], 2**20
    print(f"Export {args.archive_entries} entries, {args.archive_mib} MiB: vault {m['export']:.1f} ms "
          f"(from the store); JSZip STORE {m['jszip_export']:.0f} ms from Blobs in hand "
          f"(+{m['jszip_read_blobs']:.0f} ms to get them from IndexedDB)")
    print(f"  ratio {a['export_ratio']:.1f}x; {a['export_ratio_both_reading_indexeddb']:.1f}x when both read the "
          f"Blobs from IndexedDB   [target >= 50x]")
    print(f"  same entries at 1/256 of the bytes: {m['export_small']:.1f} ms; big/small "
          f"{a['export_big_vs_small']:.2f}x   [target <= 3x]")
    print(f"  JS heap growth: vault {max(a['heap_bytes']['export_js']) / mib:.1f} MiB (max); "
          f"JSZip {max(a['heap_bytes']['jszip_export_js']) / mib:.0f} MiB   [target < 50 MB]")
    print(f"Import with CRC checks: vault {m['import']:.0f} ms (stored); JSZip loadAsync(checkCRC32) + reading "
          f"every file {m['jszip_import']:.0f} ms; ratio {a['import_ratio']:.2f}x   [target >= 3x]")
    print(f"  wasm heap growth: {max(a['heap_bytes']['import_wasm']) / mib:.1f} MiB (max over rounds; "
          f"{a['wasm_heap_before_first_import'] / mib:.0f} MiB before)   [target < 64 MB]")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blobs", type=int, default=40)
    parser.add_argument("--blob-mib", type=float, default=4, help="ingest: each Blob's size (0.1: ~100 KiB)")
    parser.add_argument("--dataurls", type=int, default=50)
    parser.add_argument("--dataurl-mb", type=int, default=5)
    parser.add_argument("--archive-entries", type=int, default=64)
    parser.add_argument("--archive-mib", type=int, default=256)
    parser.add_argument("--profiles", default="disk,memory",
                        help="comma-separated: disk (a user's profile; the targets are judged here), memory (incognito)")
    parser.add_argument("--backup-blobs", type=int, default=40)
    parser.add_argument("--backup-mib", type=float, default=4, help="backup: each Blob's size (0.1: ~100 KB frames)")
    parser.add_argument("--only", choices=["ingest", "start", "archive", "backup", "scale", "video"],
                        help="run one group (scale and video run only when named: they take minutes)")
    parser.add_argument("--video-mib", type=int, default=1536, help="video: the video's size (1.5 GiB)")
    parser.add_argument("--frames", type=int, default=10_000, help="scale: frames in the project")
    parser.add_argument("--frame-side", type=int, default=184, help="scale: frame PNG side (184: ~100 KB)")
    parser.add_argument("--fill-projects", type=int, default=99, help="scale: more projects for listProjects")
    parser.add_argument("--fill-assets", type=int, default=404, help="scale: assets in each of those")
    parser.add_argument("--parts", default=",".join(scale_bench.PARTS), help="scale: which parts to run")
    args = parser.parse_args(argv)
    if args.only in ("scale", "video"):
        args.profiles = "disk"
    server = Server()
    results = {}
    try:
        with sync_playwright() as p:
            for kind in args.profiles.split(","):
                profiles = Profiles(p, kind, ["--enable-precise-memory-info"])
                try:
                    got = results[kind] = {"browser": profiles.version()}
                    if args.only in (None, "ingest"):
                        got["ingest"] = ingest(profiles, server, args.rounds, args.blobs, args.blob_mib,
                                               args.dataurls, args.dataurl_mb)
                    if args.only in (None, "archive"):
                        got["archive"] = archives(profiles, server, args.rounds, args.archive_entries,
                                                  args.archive_mib)
                    if args.only in (None, "backup"):
                        got["backup"] = backup_bench.backup(profiles, server, args.rounds, args.backup_blobs,
                                                            args.backup_mib, JS)
                    if args.only == "scale":
                        got["scale"] = scale_bench.scale(profiles, server, args.rounds, args.frames,
                                                         args.frame_side, args.fill_projects, args.fill_assets,
                                                         args.parts.split(","))
                    if args.only == "video":
                        got["video"] = big_video(profiles, server, args.rounds, args.video_mib)
                    if args.only in (None, "start"):
                        got["start"] = start_up(profiles, server, max(args.rounds, 5))
                finally:
                    profiles.close()
    finally:
        server.stop()
    for kind, got in results.items():
        print(f"\n== {PROFILE_TITLES[kind]}")
        print(f"{got['browser']}; medians of {args.rounds} rounds (start-up: {max(args.rounds, 5)})")
        if "ingest" in got:
            report_ingest(got["ingest"], args)
        if "archive" in got:
            report_archive(got["archive"], args)
        if "backup" in got:
            backup_bench.report(got["backup"], args.backup_blobs, args.backup_mib)
        if "scale" in got:
            scale_bench.report(got["scale"])
        if "video" in got:
            report_video(got["video"])
        if "start" in got:
            report_start(got["start"])
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
