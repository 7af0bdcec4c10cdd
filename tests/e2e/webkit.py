"""WebKit (Safari's engine) for the tests: Debian's WebKitWebDriver driving tools/webkit_browser.py
through Selenium, on a virtual screen (Xvfb). Playwright's own WebKit build is not installable here."""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

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


class WebKitVault:
    """The vault page in WebKit, met as a host app meets it: window.assetVaultReady, then bridge calls."""

    def __init__(self, url: str, display: str, data_dir: str | None):
        options = Options()
        options.binary_location = str(ROOT / "tools" / "webkit_browser.py")
        if data_dir is not None:
            options.add_argument(f"--data-dir={data_dir}")
        options.set_capability("browserName", "vault-test-browser")
        service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": display})
        self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.driver.set_script_timeout(READY_S)
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
    with virtual_screen() as display, tempfile.TemporaryDirectory(prefix="webkit-profile-") as data:
        vault = WebKitVault(url, display, data if on_disk else None)
        try:
            yield vault.open()
        finally:
            vault.quit()
