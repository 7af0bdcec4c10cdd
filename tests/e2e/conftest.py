import http.server
import threading

import pytest

from tests.e2e.server import Server
from tests.e2e.vault_page import VaultPage, page_errors
from tests.e2e.webkit import pull_errors


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def server():
    srv = Server()
    yield srv
    srv.stop()


@pytest.fixture
def vault(page, server) -> VaultPage:
    errors = page_errors(page)
    vp = VaultPage(page, server.url)
    vp.open()
    yield vp
    pull_errors(page)
    assert errors == [], f"uncaught errors in the page: {errors}"


# Every page load of the e2e suite starts from a start-up snapshot, in "require" mode: a restore
# that fails is an error, not a quiet fallback (test_snapshot.py covers the fresh start and the
# fallbacks). One snapshot per engine is made by the vault itself, then put into each new
# context's Cache Storage where static/start.mjs looks for it. WebKit's harness cannot route
# requests, so its pages start from the build's snapshot, as a user's first visit does.


@pytest.fixture(scope="session")
def startup_snapshot(browser, browser_name, server):
    if browser_name == "webkit":
        return None
    context = browser.new_context()
    try:
        vp = VaultPage(context.new_page(), server.url).open()
        made = vp.page.evaluate("() => window.__assetVaultSnapshot.make().then(String, (e) => 'failed: ' + e.message)")
        assert made.isdigit(), f"the vault could not make a start-up snapshot: {made}"
        with _Receiver() as receiver:
            vp.page.evaluate("""async (to) => {
                const { cache, url } = window.__assetVaultSnapshot.where;
                const body = await (await (await caches.open(cache)).match(url)).arrayBuffer();
                await fetch(to, { method: "POST", body, mode: "no-cors" }); }""", receiver.url)
        assert len(receiver.body) == int(made)
        where = vp.page.evaluate("() => window.__assetVaultSnapshot.where")
        return {"bytes": receiver.body, **where}
    finally:
        context.close()


@pytest.fixture
def context(context, startup_snapshot, server):
    if startup_snapshot is not None:
        put_snapshot(context, server, startup_snapshot)
    yield context


class _Bytes(http.server.BaseHTTPRequestHandler):
    """Serves one snapshot to the pages of the suite: a local server is far faster than
    Playwright's routes for 31 MB (which cross its protocol as base64)."""
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args):
        pass


class _Receiver:
    """Takes the one snapshot a page posts (Playwright's routes lose big bodies over BiDi)."""

    def __enter__(self):
        receiver = self

        class Take(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.body = b""
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Take)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/snapshot.bin"
        return self

    def __exit__(self, *_exc):
        self.httpd.shutdown()
        self.httpd.server_close()


_snapshot_servers: dict[bytes, str] = {}


def _serve(body: bytes) -> str:
    if body not in _snapshot_servers:
        handler = type("Snapshot", (_Bytes,), {"body": body})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        _snapshot_servers[body] = f"http://127.0.0.1:{httpd.server_address[1]}/snapshot.bin"
    return _snapshot_servers[body]


def put_snapshot(context, server, snapshot: dict, mode: str = "require") -> None:
    """Stores ``snapshot`` for the vault at ``server`` in ``context``, before any vault page opens."""
    page = context.new_page()
    try:
        page.goto(server.url + "static/icon.svg")
        page.evaluate("""async ([from, cache, url, mode]) => {
            await (await caches.open(cache)).put(url, await fetch(from));
            localStorage.setItem("assetVault:snapshots", mode); }""",
                      [_serve(snapshot["bytes"]), snapshot["cache"], snapshot["url"], mode])
    finally:
        page.close()
