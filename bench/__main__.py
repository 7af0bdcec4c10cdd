"""Benchmarks: the vault against peers doing the same work in the same browser, in one run.

    make bench            (or: .venv/bin/python -m bench [--rounds 3])

Prints each figure and its ratio to the peer, and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.e2e.server import Server

HERE = Path(__file__).resolve().parent
JS = (HERE / "ingest.js").read_text()
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


def cold_start(browser, server: Server, rounds: int) -> dict:
    def serve_peer(context):
        context.route(server.url + "bench/peer.html", lambda r: r.fulfill(body=PEER_HTML, content_type="text/html"))
        context.route(server.url + "bench/peer.mjs", lambda r: r.fulfill(body=PEER_MJS, content_type="text/javascript"))

    samples = {"vault_cold": [], "peer_cold": [], "vault_warm": [], "peer_warm": []}
    for _ in range(rounds):
        for name, url, mark in (("peer", "bench/peer.html", "pyodide:ready"), ("vault", "", "assetVault:ready")):
            context = browser.new_context()
            serve_peer(context)
            page = context.new_page()
            page.goto(server.url + url)
            samples[f"{name}_cold"].append(ready_ms(page, mark))
            page.wait_for_timeout(1500)  # let the service worker finish precaching, as a user would
            page.reload()
            samples[f"{name}_warm"].append(ready_ms(page, mark))
            context.close()
    med = {k: statistics.median(v) for k, v in samples.items()}
    return {"samples_ms": samples, "median_ms": med,
            "cold_ratio": med["vault_cold"] / med["peer_cold"], "warm_ratio": med["vault_warm"] / med["peer_warm"]}


def ingest(browser, server: Server, rounds: int, blob_count: int, blob_mib: int, url_count: int, url_mb: int) -> dict:
    context = browser.new_context()
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
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blobs", type=int, default=40)
    parser.add_argument("--blob-mib", type=int, default=4)
    parser.add_argument("--dataurls", type=int, default=50)
    parser.add_argument("--dataurl-mb", type=int, default=5)
    args = parser.parse_args(argv)
    server = Server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                        args=CHROMIUM_ARGS)
            results = {
                "ingest": ingest(browser, server, args.rounds, args.blobs, args.blob_mib, args.dataurls, args.dataurl_mb),
                "start": cold_start(browser, server, max(args.rounds, 5)),
                "browser": browser.version,
            }
            browser.close()
    finally:
        server.stop()
    ing, start = results["ingest"], results["start"]
    print(f"Chromium {results['browser']}; medians of {args.rounds} rounds (start-up: {max(args.rounds, 5)})")
    print(f"Blob ingest {args.blobs} x {args.blob_mib} MiB: vault {ing['median_ms']['blob']:.0f} ms "
          f"({ing['blob_MBps']['blob']:.0f} MB/s); raw IndexedDB puts {ing['median_ms']['blob_peer_relaxed']:.0f} ms "
          f"relaxed / {ing['median_ms']['blob_peer_strict']:.0f} ms strict")
    print(f"  ratio (peer time / vault time): {ing['blob_ratio_vs_relaxed_peer']:.2f}x vs relaxed, "
          f"{ing['blob_ratio_vs_strict_peer']:.2f}x vs strict   [target >= 0.8x]")
    print(f"  every CRC-32 computed (background, after the saves resolved): {ing['median_ms']['blob_crc_done']:.0f} ms "
          f"({args.blobs * args.blob_mib * 2**20 / 1e6 / (ing['median_ms']['blob_crc_done'] / 1000):.0f} MB/s)")
    print(f"Data URL ingest {args.dataurls} x {args.dataurl_mb} MB: vault {ing['median_ms']['dataurl']:.0f} ms; "
          f"fetch(dataURL).blob() + put {ing['median_ms']['dataurl_peer']:.0f} ms; "
          f"ratio {ing['dataurl_ratio']:.2f}x   [target >= 0.5x]")
    m = start["median_ms"]
    print(f"Start-up to ready: vault cold {m['vault_cold']:.0f} ms vs bare loadPyodide {m['peer_cold']:.0f} ms "
          f"= {start['cold_ratio']:.2f}x [target <= 1.25x]; warm {m['vault_warm']:.0f} vs {m['peer_warm']:.0f} ms "
          f"= {start['warm_ratio']:.2f}x")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
