"""Local server for the Offline Asset Vault.

    python serve.py [--host 127.0.0.1] [--port 8000]

Serves the app (index.html, pyscript.toml, app/, static/) from the repo root with a fixed MIME
map and security headers, and nothing else: no directory listings, no dotfiles, no paths outside
the allowed roots. `--port 0` picks a free port; the URL is printed on the first line of stdout
so scripts and tests can read it. Standard library only in the static path.

``/api/`` is the demo status provider (tools/demo_provider.py; its media use Pillow), so the
whole generation flow runs with no account anywhere. With ``--s3-endpoint`` (and the secret in
the environment), ``POST /api/sign`` is a reference signer for backup's signerUrl mode
(tools/demo_signer.py).
"""

from __future__ import annotations

import argparse
import json
import posixpath
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent

# Only these are served; everything else in the repo (.git, .venv, tests, node_modules) is not.
ALLOWED_FILES = {"index.html", "pyscript.toml"}
ALLOWED_DIRS = ("app/", "static/")

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
}

# Pyodide compiles WebAssembly ('wasm-unsafe-eval') and its Emscripten loader eval()s the EM_JS
# snippets inside pyodide.asm.mjs, and PyScript builds helpers with Function(): both need
# 'unsafe-eval'. Inline scripts stay forbidden: every script is a same-origin file.
# connect-src allows http(s) because saveFromUrl and the status provider fetch from origins the
# user chooses; blob:/data: because ingest reads Blob URLs and data URLs.
# frame-ancestors: the vault's page may be framed by its own origin and by the host apps named
# with --host-origin (static/vault-client.js embeds it in a hidden iframe); by no one else, so no
# site can put the vault's buttons under a person's clicks. The example host page
# (static/example/) frames a vault on any origin it is told: frame-src there.
def content_security_policy(host_origins: tuple[str, ...] = (), frames: bool = False) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' blob: data:",
            "media-src 'self' blob: data:",
            "connect-src 'self' blob: data: http: https:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            " ".join(["frame-ancestors 'self'", *host_origins]),
            *(["frame-src 'self' http: https:"] if frames else []),
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def security_headers(host_origins: tuple[str, ...] = (), frames: bool = False) -> dict[str, str]:
    return {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": content_security_policy(host_origins, frames),
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


SECURITY_HEADERS = security_headers()
EXAMPLE_DIR = "/static/example/"


def resolve(url_path: str, root: Path = ROOT) -> Path | None:
    """Map a request path to a file under an allowed root, or None (served as 404)."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    if path in ("", "/"):
        path = "/index.html"
    parts = path.lstrip("/").split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    rel = posixpath.join(*parts)
    if rel not in ALLOWED_FILES and not rel.startswith(ALLOWED_DIRS):
        return None
    candidate = (root / rel).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


class VaultHandler(BaseHTTPRequestHandler):
    server_version = "AssetVault/1"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        signer = self.server.signer
        if urlsplit(self.path).path != "/api/sign" or signer is None:
            self._send_error(HTTPStatus.NOT_FOUND)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= 64 * 1024:
            self._send_error(HTTPStatus.BAD_REQUEST)
            return
        status, answer = signer.sign(self.rfile.read(length), self.headers.get("Sec-Fetch-Site"))
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self._send_security_headers()
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._demo_provider(path, send_body)
            return
        target = resolve(self.path)
        if target is None:
            self._send_error(HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", MIME_TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        # The service worker owns offline caching; the HTTP cache must not serve stale app files.
        self.send_header("Cache-Control", "no-cache")
        if target.name == "sw.js":
            self.send_header("Service-Worker-Allowed", "/")
        self._send_security_headers()
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _demo_provider(self, path: str, send_body: bool) -> None:
        # Like a real provider on another origin: CORS open, media embeddable anywhere.
        provider = self.server.provider
        name = unquote(path[len("/api/file/"):]) if path.startswith("/api/file/") else None
        if name is not None and "/" not in name:
            status, answer = provider.file(name, f"http://{self.headers.get('Host', 'localhost')}")
            body, mime = json.dumps(answer).encode(), "application/json"
        elif path.startswith("/api/media/") and (found := provider.media(unquote(path[len("/api/media/"):]))):
            status, (mime, body) = 200, found
        else:
            self._send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _send_error(self, status: HTTPStatus) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self._send_security_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_security_headers(self) -> None:
        frames = urlsplit(self.path).path.startswith(EXAMPLE_DIR)
        for name, value in security_headers(self.server.host_origins, frames).items():
            self.send_header(name, value)

    def log_message(self, format: str, *args) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


class VaultServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser that closes a connection mid-response (a tab closed, a reload) is no error
        # of the server's: no traceback in the terminal for it.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def make_server(host: str, port: int, quiet: bool = False, provider=None, signer=None,
                host_origins: tuple[str, ...] = ()) -> ThreadingHTTPServer:
    from tools.demo_provider import DemoProvider

    server = VaultServer((host, port), VaultHandler)
    server.host_origins = tuple(host_origins)
    server.daemon_threads = True
    server.quiet = quiet
    server.provider = provider or DemoProvider()
    server.signer = signer
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Offline Asset Vault locally.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument("--host-origin", action="append", default=[], metavar="ORIGIN",
                        help="a host app's origin (e.g. https://generator.example) allowed to embed the vault's "
                             "page; repeat for more. The vault answers it once hostOrigins lists it too.")
    signing = parser.add_argument_group("reference signer at POST /api/sign (backup's signerUrl mode); the "
                                        "secret comes from the environment variable VAULT_S3_SECRET")
    signing.add_argument("--s3-endpoint", help="the S3 server to sign for, e.g. http://127.0.0.1:8333")
    signing.add_argument("--s3-bucket", help="the one bucket it signs for")
    signing.add_argument("--s3-prefix", default="", help="and only keys under this prefix")
    signing.add_argument("--s3-region", default="us-east-1")
    signing.add_argument("--s3-key-id", help="the access key ID whose secret is in VAULT_S3_SECRET")
    args = parser.parse_args(argv)
    signer = None
    if args.s3_endpoint:
        import os

        from tools.demo_signer import DemoSigner
        secret = os.environ.get("VAULT_S3_SECRET")
        if not (args.s3_bucket and args.s3_key_id and secret):
            print("--s3-endpoint needs --s3-bucket, --s3-key-id and the secret in VAULT_S3_SECRET.", file=sys.stderr)
            return 2
        signer = DemoSigner(args.s3_endpoint, args.s3_bucket, args.s3_key_id, secret, args.s3_region, args.s3_prefix)
    if not (ROOT / "static" / "vendor").is_dir():
        print("static/vendor/ is missing: run `make setup` first.", file=sys.stderr)
        return 1
    from app.core.errors import InvalidInputError
    from app.core.settings import parse_host_origins
    try:
        host_origins = tuple(parse_host_origins(args.host_origin))
    except InvalidInputError as err:
        print(f"--host-origin: {err}", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, quiet=args.quiet, signer=signer, host_origins=host_origins)
    host, port = server.server_address[:2]
    display_host = f"[{host}]" if ":" in host else host
    print(f"Serving the Offline Asset Vault at http://{display_host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
