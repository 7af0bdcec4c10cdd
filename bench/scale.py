"""Scale: one project of 10,000 real ~100 KB PNG frames on an on-disk profile, as a user's.

- sequential `await saveBlob` vs the same strict puts into raw IndexedDB (interleaved blocks, so
  both see the same disk and database size);
- frames saved in bursts, then the background work (checksums, previews) until settled, and the
  long tasks meanwhile;
- opening the project (route change to first screen of cards), the DOM it holds, scrolling it;
- export vs JSZip STORE over the same Blobs;
- listProjects with 100 projects and 50,000 assets;
- search: each keystroke typed into a 10,000-frame project's search box and into the search
  across projects, to the next frame painted (plain JS filtering the same records is the peer).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALE_JS = (HERE / "scale.js").read_text()
WORK_JS = (HERE / "work.js").read_text()
JSZIP = (HERE.parent / "node_modules" / "jszip" / "dist" / "jszip.min.js").read_bytes()


def _page(context, server, new: bool = False):
    page = context.pages[0] if context.pages and not new else context.new_page()
    page.goto(server.url)
    page.evaluate("window.assetVaultReady.then(() => true)")
    page.evaluate(SCALE_JS)
    page.evaluate(WORK_JS)
    return page


def _wait_settled(page, pid: str, last_ref: str, frames: int, limit_s: float = 1800) -> float:
    t0 = time.monotonic()
    while not page.evaluate("(ref) => window.scaleBench.lastDone(ref)", last_ref):
        if time.monotonic() - t0 > limit_s:
            raise RuntimeError(f"not settled after {limit_s} s")
        page.wait_for_timeout(250)
    took = time.monotonic() - t0
    count, crcs, thumbs = page.evaluate("(pid) => window.scaleBench.settled(pid)", pid)
    if not count == crcs == thumbs == frames:
        raise RuntimeError(f"settled with gaps: {count} frames, {crcs} CRCs, {thumbs} previews")
    return took


PARTS = ("sequential", "settle", "open", "export", "search", "list")
QUERY = "harbour dusk take 3"  # typed a key at a time: each prefix narrows 10,000 frames


def scale(profiles, server, rounds: int, frames: int, side: int, fill_projects: int, fill_assets: int,
          parts=PARTS) -> dict:
    """parts: which of PARTS to run; open and export use the project settle makes."""
    out: dict = {"frames": frames}
    context = profiles.new_context()
    context.route(server.url + "bench/jszip.min.js", lambda r: r.fulfill(body=JSZIP, content_type="text/javascript"))
    page = _page(context, server)
    out["frame_bytes"] = page.evaluate("(side) => window.scaleBench.makeFrame(side)", side)
    if "sequential" in parts:
        out["sequential"] = _sequential(page, frames)
    if "settle" in parts:
        pid, out["settle"] = _settle(page, frames)
        if "open" in parts:
            out["open"] = _open(page, server, pid, rounds)
        if "export" in parts:
            out["export"] = _export(context, page, server, pid, rounds)
    if "search" in parts:
        out["search"] = _search(page, server, frames, rounds)
    if "list" in parts:
        out["list"] = _list(page, rounds, fill_projects, fill_assets)
    context.close()
    return out


def _sequential(page, frames: int) -> dict:
    """Sequential saves against raw strict puts, in interleaved blocks. The vault's background
    work (checksums, previews) for a block is let finish before the next peer block, so that
    each side runs on a quiet page."""
    pid = page.evaluate("() => window.assetVault.createProject({title: 'sequential'})")
    block = max(frames // 10, 1)
    vault_ms, peer_ms = [], []
    for i in range(0, frames, block):
        n = min(block, frames - i)
        peer_ms.append(page.evaluate("([n, f]) => window.scaleBench.peerSequential(n, f)", [n, i]))
        ms, last = page.evaluate("([pid, n, f]) => window.scaleBench.vaultSequential(pid, n, f)", [pid, n, i])
        vault_ms.append(ms)
        while not page.evaluate("(r) => window.scaleBench.lastDone(r)", last):
            page.wait_for_timeout(250)
    page.evaluate("(pid) => window.assetVault.deleteProject(pid)", pid)
    return {"vault_ms": vault_ms, "peer_ms": peer_ms, "ratio_blocks": [p / v for p, v in zip(peer_ms, vault_ms)],
            "ratio": sum(peer_ms) / sum(vault_ms)}


def _settle(page, frames: int) -> tuple[str, dict]:
    """Bursts of 200 as a generator streams them, then until the background work is done."""
    pid = page.evaluate("() => window.assetVault.createProject({title: 'frames'})")
    t0 = page.evaluate("() => window.scaleBench.now()")
    saved_ms, last_ref = page.evaluate("([pid, n]) => window.scaleBench.vaultBursts(pid, n, 200)", [pid, frames])
    settle_after_s = _wait_settled(page, pid, last_ref, frames)
    end = t0 + saved_ms + settle_after_s * 1000  # not the final check's own listing
    tasks = [(start, d) for start, d in page.evaluate("(t0) => window.scaleBench.longTasksSince(t0)", t0)
             if start < end]
    during = [d for start, d in tasks if start < t0 + saved_ms]
    after = [d for start, d in tasks if start >= t0 + saved_ms]
    return pid, {"saved_ms": saved_ms, "settled_after_saves_s": settle_after_s,
                 "total_s": saved_ms / 1000 + settle_after_s, "long_tasks_ms": sorted(during + after)[-10:],
                 "long_tasks_over_100ms": sum(1 for d in during + after if d > 100),
                 "long_tasks_over_100ms_during_saves": sum(1 for d in during if d > 100),
                 "long_tasks_over_100ms_after_saves": sum(1 for d in after if d > 100),
                 "longest_after_saves_ms": max(after, default=0)}


def _open(page, server, pid: str, rounds: int) -> dict:
    opens = []
    for _ in range(rounds):  # reloaded first: nothing warm but the browser's own caches
        page.goto(server.url + "#/")
        page.evaluate("window.assetVaultReady.then(() => true)")
        page.evaluate(SCALE_JS)
        page.wait_for_timeout(500)
        opens.append(page.evaluate("(pid) => window.scaleBench.open(pid)", pid))
    page.wait_for_timeout(1000)
    out = {"first_screen_ms": [o[0] for o in opens], "cards_in_dom": [o[1] for o in opens],
           "elements_in_dom": [o[2] for o in opens], "scroll": {}}
    for step in (1, 0.25):
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(1000)
        took, frames, cards_after, tasks = page.evaluate("(step) => window.scaleBench.scrollThrough(step)", step)
        frames.sort()
        out["scroll"][step] = {"ms": took, "frames": len(frames), "p50_ms": frames[len(frames) // 2],
                               "p95_ms": frames[int(len(frames) * 0.95)], "worst_ms": frames[-1],
                               "over_50ms": sum(1 for f in frames if f > 50), "cards_after": cards_after,
                               "long_tasks_ms": sorted(tasks)[-5:]}
    return out


def _export(context, page, server, pid: str, rounds: int) -> dict:
    """Export vs JSZip STORE, the peer in a page of its own."""
    page.goto(server.url + "#/")
    page.evaluate("window.assetVaultReady.then(() => true)")
    page.evaluate(WORK_JS)
    page.evaluate(SCALE_JS)
    peer = _page(context, server, new=True)
    peer.add_script_tag(url=server.url + "bench/jszip.min.js")
    exports, jszips, reads, longest = [], [], [], []
    for _ in range(rounds):
        t0 = page.evaluate("() => window.scaleBench.now()")
        ms, size, _ = page.evaluate("(pid) => window.bench.vaultExport(pid)", pid)
        exports.append(ms)
        longest.append(max((d for start, d in page.evaluate("(t0) => window.scaleBench.longTasksSince(t0)", t0)
                            if start < t0 + ms), default=0))
        read_ms, ms, _, _ = peer.evaluate("(pid) => window.bench.jszipExport(pid)", pid)
        jszips.append(ms)
        reads.append(read_ms)
    peer.close()
    return {"vault_ms": exports, "jszip_ms": jszips, "jszip_read_ms": reads, "bytes": size,
            "vault_longest_task_ms": longest,
            "ratio": statistics.median(jszips) / statistics.median(exports)}


def _search(page, server, frames: int, rounds: int) -> dict:
    """Keystrokes in a project of ``frames`` searchable frames (settled first, so only the search
    runs), in its grid and across projects, against plain JS over the same records. Across
    projects, typing starts when the page says "Type to search" (its texts and order made; it
    says "Getting ready to search" before, ~0.2 s at 10,000: a key typed then waits for that)."""
    pid = page.evaluate("() => window.assetVault.createProject({title: 'searchable'})")
    last = page.evaluate("([pid, n]) => window.scaleBench.fillSearchable(pid, n)", [pid, frames])
    while not page.evaluate("(r) => window.scaleBench.lastDone(r)", last):
        page.wait_for_timeout(500)
    grid, across, peer = [], [], []
    for _ in range(rounds):
        page.goto(server.url + f"#/project/{pid}")
        page.evaluate("window.assetVaultReady.then(() => true)")
        page.evaluate(SCALE_JS)
        page.wait_for_function("() => !/reading/.test(document.querySelector('#project-summary')?.textContent ?? 'reading')",
                               timeout=120_000)
        grid += page.evaluate("(q) => window.scaleBench.typeInto('#search-input', q)", QUERY)
        shown = page.evaluate("() => document.querySelector('#project-summary').textContent")
        page.goto(server.url + "#/search")
        page.wait_for_function("() => /Type to search/.test(document.querySelector('#search-results')?.textContent ?? '')",
                               timeout=120_000)
        across += page.evaluate("(q) => window.scaleBench.typeInto('#search-all', q)", QUERY)
        peer += page.evaluate("([pid, q]) => window.scaleBench.peerSearch(pid, q)", [pid, QUERY])
    page.evaluate("(pid) => window.assetVault.deleteProject(pid)", pid)
    return {"frames": frames, "query": QUERY, "grid_ms": grid, "across_ms": across, "peer_ms": peer, "shown": shown}


def _list(page, rounds: int, fill_projects: int, fill_assets: int) -> dict:
    """listProjects with many projects and assets: while the background work the fill left runs
    (its writes to the same stores go first), and once it is done."""
    page.evaluate(SCALE_JS)
    last = page.evaluate("([p, n]) => window.scaleBench.fill(p, n)", [fill_projects, fill_assets])
    busy = page.evaluate("(r) => window.scaleBench.timeList(r)", max(rounds, 10))
    while not page.evaluate("(r) => window.scaleBench.lastDone(r)", last):
        page.wait_for_timeout(500)
    listed = page.evaluate("() => window.assetVault.listProjects()")
    samples = page.evaluate("(r) => window.scaleBench.timeList(r)", max(rounds, 10))
    return {"projects": len(listed), "assets": sum(p["assetCount"] for p in listed), "samples_ms": samples,
            "busy_samples_ms": busy}


def report(s: dict) -> None:
    med = statistics.median
    print(f"Scale: {s['frames']} frames of {s['frame_bytes'] / 1000:.0f} KB")
    if q := s.get("sequential"):
        print(f"  sequential awaited saveBlob: vault {sum(q['vault_ms']) / 1000:.1f} s, raw strict puts "
              f"{sum(q['peer_ms']) / 1000:.1f} s; ratio {q['ratio']:.2f}x (blocks {min(q['ratio_blocks']):.2f}-"
              f"{max(q['ratio_blocks']):.2f})   [target >= 0.8x]")
    if t := s.get("settle"):
        print(f"  bursts of 200: saved in {t['saved_ms'] / 1000:.1f} s, settled {t['settled_after_saves_s']:.1f} s "
              f"later; total {t['total_s']:.1f} s   [target <= 60 s]; long tasks > 100 ms: "
              f"{t['long_tasks_over_100ms']} (longest {[round(x) for x in t['long_tasks_ms'][-3:]]}; "
              f"{t['long_tasks_over_100ms_during_saves']} during the saves, {t['long_tasks_over_100ms_after_saves']} "
              f"after, longest after {t['longest_after_saves_ms']:.0f} ms)")
    if o := s.get("open"):
        print(f"  open: first screen {med(o['first_screen_ms']):.0f} ms (samples "
              f"{[round(x) for x in o['first_screen_ms']]})   [target <= 300 ms]; cards in the DOM "
              f"{o['cards_in_dom']}, elements {o['elements_in_dom']}")
        for step, r in o["scroll"].items():
            print(f"  scroll through, {step} screen a frame: {r['ms'] / 1000:.1f} s, {r['frames']} frames: "
                  f"median {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, worst {r['worst_ms']:.0f} ms, "
                  f"{r['over_50ms']} over 50 ms; {r['cards_after']} cards after; long tasks "
                  f"{[round(x) for x in r['long_tasks_ms']]}")
    if e := s.get("export"):
        print(f"  export until readable: vault {med(e['vault_ms']):.0f} ms vs JSZip STORE {med(e['jszip_ms']):.0f} ms "
              f"from Blobs in hand (+{med(e['jszip_read_ms']):.0f} ms reading them); ratio {e['ratio']:.1f}x   "
              f"[target >= 10x]; samples {[round(x) for x in e['vault_ms']]} vs {[round(x) for x in e['jszip_ms']]}; "
              f"longest task in the vault's page {[round(x) for x in e['vault_longest_task_ms']]} ms")
    if f := s.get("search"):
        for label, key in (("in the project's grid", "grid_ms"), ("across projects", "across_ms"), ("plain JS peer", "peer_ms")):
            ms = f[key]
            print(f"  search {f['frames']} frames, a keystroke {label}: median {med(ms):.1f} ms, "
                  f"p90 {sorted(ms)[int(len(ms) * 0.9)]:.1f} ms, max {max(ms):.1f} ms ({len(ms)} keys)"
                  + ("   [target <= 100 ms]" if key != "peer_ms" else ""))
        print(f"    last view: {f['shown']}")
    if li := s.get("list"):
        print(f"  listProjects, {li['projects']} projects, {li['assets']} assets: median "
              f"{med(li['samples_ms']):.1f} ms, max {max(li['samples_ms']):.1f} ms   [target <= 50 ms]; "
              f"while the fill's previews were still being made: median {med(li['busy_samples_ms']):.1f} ms, "
              f"max {max(li['busy_samples_ms']):.1f} ms")
