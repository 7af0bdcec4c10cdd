"""WebKit (Safari's engine) for the tests: Debian's WebKitWebDriver driving tools/webkit_browser.py
through Selenium, on a virtual screen (Xvfb). Playwright's own WebKit build is not installable here.

Two ways in: ``webkit_vault`` for tests written for WebKit, and ``WebKitBrowser``, which stands in
for pytest-playwright's browser so that the bridge-level tests (``@pytest.mark.bridge``) run in
WebKit as they are: their pages are ``SeleniumPage``s, with the few Page methods those tests use."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error
from selenium import webdriver
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

ROOT = Path(__file__).resolve().parents[2]
DRIVER = os.environ.get("WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
READY_S = 90  # a first start compiles Pyodide's wasm in this engine: ~10 s here, more when loaded


@contextmanager
def virtual_screen():
    """Xvfb on a display number it picks itself (written to a pipe once it is listening)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    try:
        yield f":{display}"
    finally:
        proc.terminate()
        proc.wait()


def _launch(display: str, data_dir: str | None):
    options = Options()
    options.binary_location = str(ROOT / "tools" / "webkit_browser.py")
    if data_dir is not None:
        options.add_argument(f"--data-dir={data_dir}")
    options.set_capability("browserName", "vault-test-browser")
    service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_script_timeout(READY_S)
    return driver


class WebKitVault:
    """The vault page in WebKit, met as a host app meets it: window.assetVaultReady, then bridge calls."""

    def __init__(self, url: str, display: str, data_dir: str | None):
        self.driver = _launch(display, data_dir)
        self.url = url

    def open(self) -> "WebKitVault":
        self.driver.get(self.url)
        outcome = self._async("window.assetVaultReady.then(() => done('ready'), (e) => done('rejected: ' + e))")
        assert outcome == "ready", outcome
        return self

    def _async(self, body: str, *args):
        return self.driver.execute_async_script(f"const done = arguments[arguments.length - 1]; {body}", *args)

    def call(self, method: str, *args):
        """window.assetVault[method](...args); the value, or {"error": {name, message}}."""
        return self._async("""window.assetVault[arguments[0]](...arguments[1]).then(done,
                                (e) => done({error: {name: e.name, message: e.message}}))""", method, list(args))

    def save_bytes(self, project_id: str, data: bytes, mime: str):
        """saveBlob of these bytes, as a host app passes a Blob; the ref or {"error"}."""
        return self._async("""const bytes = Uint8Array.from(atob(arguments[1]), (c) => c.charCodeAt(0));
            window.assetVault.saveBlob(arguments[0], new Blob([bytes], {type: arguments[2]})).then(done,
              (e) => done({error: {name: e.name, message: e.message}}))""",
                           project_id, base64.b64encode(data).decode(), mime)

    def blob_bytes(self, ref: str) -> bytes:
        return self.bytes_of("getBlob", ref)

    def bytes_of(self, method: str, *args) -> bytes:
        """The bytes of the Blob a bridge call resolves to (getBlob, exportProject)."""
        b64 = self._async("""window.assetVault[arguments[0]](...arguments[1]).then((blob) => {
            const reader = new FileReader(); reader.onload = () => done(reader.result.split(",")[1]);
            reader.readAsDataURL(blob); }, (e) => done({error: {name: e.name, message: e.message}}))""",
                          method, list(args))
        assert isinstance(b64, str), b64
        return base64.b64decode(b64)

    def import_bytes(self, data: bytes, name: str):
        """importArchive of these bytes as a File, as the page's picker gives it."""
        return self._async("""const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
            window.assetVault.importArchive(new File([bytes], arguments[1], {type: "application/zip"})).then(done,
              (e) => done({error: {name: e.name, message: e.message}}))""", base64.b64encode(data).decode(), name)

    def quit(self) -> None:
        self.driver.quit()


@contextmanager
def webkit_vault(url: str, on_disk: bool):
    data = tempfile.mkdtemp(prefix="webkit-profile-")
    try:
        with virtual_screen() as display:
            vault = WebKitVault(url, display, data if on_disk else None)
            try:
                yield vault.open()
            finally:
                vault.quit()
    finally:
        remove_profile(data)


def remove_profile(path: str) -> None:
    """WebKit's storage process may still be writing the profile for a moment after the driver
    quit (a removal then found a directory not empty): tried again, then left to the system."""
    for _ in range(20):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            return
        time.sleep(0.25)


# Uncaught errors and unhandled rejections, kept from the moment this runs (WebDriver has no
# init script: errors before it are not seen).
_WATCH_ERRORS = """if (!window.__pageErrors) {
  window.__pageErrors = [];
  addEventListener("error", (e) => window.__pageErrors.push(String(e.message || e.error)));
  addEventListener("unhandledrejection", (e) => window.__pageErrors.push(String(e.reason)));
}"""

# evaluate(): the expression, called with the argument if it is a function, its promise awaited;
# the value travels as JSON (as Playwright's does: undefined is None).
_EVALUATE = """const done = arguments[arguments.length - 1];
const fail = (e) => done({error: String(e && e.stack || e)});
try {
  let value = (%s);
  if (typeof value === "function") value = value(arguments[0]);
  Promise.resolve(value).then((v) => done({value: v === undefined ? null : v}), fail);
} catch (e) { fail(e); }"""


class SeleniumPage:
    """The Page methods the bridge-level tests use, over WebDriver, with Playwright's meanings."""

    def __init__(self, driver):
        self.driver = driver
        self._error_handlers: list = []
        self.video = None

    @property
    def url(self) -> str:
        return self.driver.current_url

    def goto(self, url: str) -> None:
        self._pull_errors()  # a navigation drops the page's list
        self.driver.get(url)
        self.driver.execute_script(_WATCH_ERRORS)

    def reload(self) -> None:
        self._pull_errors()
        self.driver.refresh()
        self.driver.execute_script(_WATCH_ERRORS)

    def evaluate(self, expression: str, arg=None):
        out = self.driver.execute_async_script(_EVALUATE % expression, arg)
        if "error" in out:
            raise Error(out["error"])
        return out["value"]

    def wait_for_timeout(self, ms: float) -> None:
        time.sleep(ms / 1000)

    def on(self, event: str, handler) -> None:
        if event != "pageerror":
            raise NotImplementedError(f"page.on({event!r}) in WebKit")
        self._error_handlers.append(handler)

    def _pull_errors(self) -> None:
        try:
            errors = self.driver.execute_script("const e = window.__pageErrors || []; window.__pageErrors = []; return e;")
        except Exception:
            return  # no page yet, or one that is gone
        for text in errors or []:
            for handler in self._error_handlers:
                handler(text)

    def close(self) -> None:
        self._pull_errors()
        self.driver.quit()


class _NoTracing:
    """pytest-playwright stops a context's tracing when it closes it: there is none here."""

    def start(self, **_options) -> None:
        pass

    def stop(self, **_options) -> None:
        pass


class WebKitContext:
    """A browser profile of its own, kept on disk (WebKit refuses Blobs in an ephemeral one)."""

    def __init__(self, display: str):
        self.display = display
        self.pages: list[SeleniumPage] = []
        self.tracing = _NoTracing()
        self._dir = tempfile.mkdtemp(prefix="webkit-profile-")

    def on(self, _event: str, _handler) -> None:
        pass  # pytest-playwright's artifacts recorder: no videos or traces here

    def new_page(self) -> SeleniumPage:
        if self.pages:
            raise NotImplementedError("one page per WebKit profile here: use another context")
        self.pages.append(SeleniumPage(_launch(self.display, self._dir)))
        return self.pages[0]

    def close(self) -> None:
        for page in self.pages:
            page.close()
        self.pages = []
        remove_profile(self._dir)


class WebKitBrowser:
    """Stands in for pytest-playwright's Browser: each context is a WebKit process and profile."""

    def __init__(self, display: str):
        self.display = display

    def new_context(self, **_args) -> WebKitContext:
        return WebKitContext(self.display)

    def close(self) -> None:
        pass


def pull_errors(page) -> None:
    """Hand the errors a WebKit page recorded to its pageerror handlers (Playwright's come by themselves)."""
    if isinstance(page, SeleniumPage):
        page._pull_errors()
