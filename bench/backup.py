"""Backup against a real S3 server (SeaweedFS on loopback, so the network is not the limit):
the vault's own cost.

- throughput: the vault uploading `count` Blobs of `mib` MiB (saved with backup off and
  checksummed, so only the upload is timed, from configureBackup) against plain JS fetch PUTs of
  the same stored Blobs (got from the vault before the clock starts; a stored Blob is read from
  disk as it is sent) to presigned URLs (signed beforehand by botocore) on the same server, and
  against PUTs of the in-memory Blobs that were saved;
- latency: from a host app's saveBlob resolving to its object being listed in the bucket, seen
  from outside the vault (boto3 polling the listing every ~20 ms, so figures carry up to that).
"""

from __future__ import annotations

import statistics
import threading
import time

from tools.seaweed import SeaweedServer


def backup(profiles, server, rounds: int, count: int, mib: int, js: str, latency_saves: int = 20) -> dict:
    with SeaweedServer(origins=[server.origin]) as s3:
        context = profiles.new_context()
        page = context.new_page()
        page.goto(server.url)
        page.evaluate("window.assetVaultReady.then(() => true)")
        page.evaluate(js)
        page.evaluate("([n, mib]) => window.bench.makeBlobs(n, mib)", [count, mib])
        client = s3.client()
        out = {"vault": [], "vault_configure": [], "peer": [], "peer_memory": []}
        for r in range(rounds):
            urls = lambda kind: [client.generate_presigned_url(  # noqa: E731
                "put_object", Params={"Bucket": s3.bucket, "Key": f"{kind}-{r}/{i}.wav"}, ExpiresIn=3600)
                for i in range(count)]
            out["peer_memory"].append(page.evaluate("(urls) => window.bench.peerBackup(urls, null)", urls("memory")))
            total, configured, refs = page.evaluate("(s) => window.bench.vaultBackup(s)", settings(s3, f"vault-{r}"))
            out["vault"].append(total)
            out["vault_configure"].append(configured)
            out["peer"].append(page.evaluate("([urls, refs]) => window.bench.peerBackup(urls, refs)", [urls("peer"), refs]))
        latencies = _latency(page, s3, latency_saves)
        page.evaluate("() => window.assetVault.configureBackup(null)")
        context.close()
    med = {k: statistics.median(v) for k, v in out.items()}
    mb = count * mib * 2**20 / 1e6
    return {"samples_ms": out, "median_ms": med, "MBps": {k: mb / (med[k] / 1000) for k in ("vault", "peer", "peer_memory")},
            "ratio": med["peer"] / med["vault"], "ratio_vs_memory": med["peer_memory"] / med["vault"],
            "latency_ms": latencies}


def settings(s3, prefix: str) -> dict:
    return {"endpoint": s3.endpoint, "bucket": s3.bucket, "prefix": prefix,
            "accessKeyId": s3.keys[0], "secretAccessKey": s3.keys[1]}


def _latency(page, s3, saves: int) -> list[float]:
    seen: dict[str, float] = {}
    stop = threading.Event()
    client = s3.client()

    def watch():
        while not stop.is_set():
            now = time.time() * 1000
            for page_ in client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix="latency/"):
                for item in page_.get("Contents", []):
                    seen.setdefault(item["Key"], now)
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        resolved = page.evaluate("([s, n]) => window.bench.backupLatency(s, n, 1 << 20, 300)",
                                 [settings(s3, "latency"), saves])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(any(ref in k for k in seen) for ref, _ in resolved):
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(5)
    out = []
    for ref, at in resolved:
        found = [t for k, t in seen.items() if ref in k and "/audio/" in k]
        out.append(found[0] - at if found else float("inf"))
    return out


def report(b: dict, count: int, mib: int) -> None:
    m, lat = b["median_ms"], sorted(b["latency_ms"])
    spread = lambda k: f"{min(b['samples_ms'][k]):.0f}-{max(b['samples_ms'][k]):.0f}"
    print(f"Backup {count} x {mib:g} MiB to SeaweedFS on loopback: vault {m['vault']:.0f} ms ({spread('vault')}; "
          f"{b['MBps']['vault']:.0f} MB/s, of which configureBackup's connection test {m['vault_configure']:.0f} ms); "
          f"plain fetch PUTs of the same stored Blobs to presigned URLs {m['peer']:.0f} ms ({spread('peer')}; "
          f"{b['MBps']['peer']:.0f} MB/s)")
    print(f"  ratio (peer time / vault time): {b['ratio']:.2f}x   [target >= 0.8x]; against PUTs of the Blobs still in "
          f"memory ({m['peer_memory']:.0f} ms, {spread('peer_memory')}): {b['ratio_vs_memory']:.2f}x")
    print(f"  saveBlob resolved -> object listed in the bucket ({len(lat)} saves of 1 MiB, 300 ms apart): median "
          f"{statistics.median(lat):.0f} ms, max {max(lat):.0f} ms (listing polled every ~20 ms)")
