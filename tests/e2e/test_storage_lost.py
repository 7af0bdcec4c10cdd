"""Storage taken away: cleared while the vault is open, or never there. The vault says so in
words, keeps answering, and never shows a Python traceback."""

import pytest
from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage, copied_text, sha256
from tests.media import data_url, image_bytes


def clear_site_data(vault: VaultPage, origin: str, types: str = "all") -> None:
    """What the browser's "Clear site data" does, through Chromium's DevTools protocol."""
    cdp = vault.page.context.new_cdp_session(vault.page)
    cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": types})


@pytest.mark.chromium_only("site data is cleared through CDP's Storage.clearDataForOrigin")
def test_site_data_cleared_while_open_is_said_and_the_vault_keeps_working(vault, server):
    pid = vault.call("createProject", {"title": "Before clearing"})
    vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (80, 60), seed=1), "image/png"))
    vault.open(f"#/project/{pid}")
    clear_site_data(vault, server.origin, "indexeddb")
    # The very next calls, before or after the close event: they answer from a fresh database.
    listed = vault.call("listProjects")
    assert listed == [], listed
    expect(vault.notice("error")).to_contain_text("The browser removed the vault's stored data")
    expect(vault.page.locator("#view")).to_contain_text("Project not found")
    new = vault.call("createProject", {"title": "After clearing"})
    png = image_bytes("PNG", (120, 90), seed=2)
    ref = vault.call("saveDataUrl", new, data_url(png, "image/png"))
    assert vault.blob_sha256(ref) == sha256(png)
    assert [p["title"] for p in vault.call("listProjects")] == ["After clearing"]
    vault.page.goto(vault.url + "#/")
    expect(vault.page.locator(".project-card")).to_have_count(1)
    assert "Traceback" not in vault.page.inner_text("body")


@pytest.mark.chromium_only("site data is cleared through CDP's Storage.clearDataForOrigin")
def test_cleared_twice_mid_burst_every_call_still_answers(vault, server):
    pid = vault.call("createProject", {"title": "Burst"})
    frames = [image_bytes("PNG", (64, 48), seed=10 + i) for i in range(20)]
    vault.page.evaluate("""([pid, urls]) => { window.__burst = Promise.allSettled(
        urls.map((u) => window.assetVault.saveDataUrl(pid, u))); }""",
                        [pid, [data_url(f, "image/png") for f in frames]])
    clear_site_data(vault, server.origin, "indexeddb")
    outcomes = vault.page.evaluate("""async () => (await window.__burst).map((r) =>
        r.status === "fulfilled" ? "ok" : r.reason.name)""")
    # Each save either landed before the clearing (and went with it) or says what happened.
    assert set(outcomes) <= {"ok", "StorageUnavailableError", "NotFoundError"}, outcomes
    clear_site_data(vault, server.origin, "indexeddb")
    assert vault.call("listProjects") == []
    again = vault.call("createProject", {"title": "Again"})
    assert isinstance(again, str) and vault.call("listAssets", again) == []
    keys = vault.stored_keys()
    assert keys["assets"] == [] and keys["blobs"] == []


@pytest.mark.chromium_only("site data is cleared through CDP's Storage.clearDataForOrigin")
def test_pages_left_while_the_storage_reopens_do_not_stop_the_reopening(vault, server):
    pid = vault.call("createProject", {"title": "Left"})
    vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (80, 60), seed=3), "image/png"))
    clear_site_data(vault, server.origin, "indexeddb")
    # Each page drawn is left for the next before the new connection is open: the drawing given
    # up must not give up the reopening the host app's calls wait on as well.
    answers = vault.page.evaluate("""async (pid) => {
        const calls = [];
        for (const route of ["#/", `#/project/${pid}`, "#/", `#/project/${pid}`, "#/"]) {
            location.hash = route;
            calls.push(window.assetVault.listProjects().then((p) => p.length, (e) => e.name));
            await new Promise((r) => setTimeout(r, 5));
        }
        return Promise.all(calls); }""", pid)
    assert answers == [0] * 5, answers
    expect(vault.page.locator("#view")).to_contain_text("No projects yet")
    assert vault.call("listProjects") == []


# What blocked storage looks like to a page: opening a database fails (Chromium with site data
# blocked, old Firefox private windows), or touching it throws (sandboxed frames).
OPEN_FAILS = """IDBFactory.prototype.open = function () {
    const request = new EventTarget();
    request.error = new DOMException("The user denied permission to access the database.", "UnknownError");
    setTimeout(() => request.onerror && request.onerror.call(request, new Event("error")), 0);
    return request; };"""
OPEN_THROWS = """IDBFactory.prototype.open = function () {
    throw new DOMException("The operation is insecure.", "SecurityError"); };"""


@pytest.mark.parametrize("blocked", [OPEN_FAILS, OPEN_THROWS], ids=["open-fails", "open-throws"])
def test_no_indexeddb_at_all_rejects_ready_with_storageunavailable_and_explains(page, server, blocked):
    page.add_init_script(blocked)
    page.goto(server.url)
    vault = VaultPage(page, server.url)
    outcome = vault.ready_outcome()
    assert outcome.startswith("rejected: StorageUnavailableError: "), outcome
    assert "private" in outcome.lower() or "allow this site to store data" in outcome
    notice = page.locator(".notice.error.fatal")
    expect(notice).to_contain_text("does not allow that here")
    expect(page.locator("body")).to_have_attribute("data-state", "error")
    assert "Traceback" not in page.inner_text("body")


def test_an_unexpected_start_failure_is_a_sentence_with_copyable_details(page, server):
    # A bug of ours stands in: drawing the page's header throws.
    page.add_init_script("""const make = Document.prototype.createElement;
        Document.prototype.createElement = function (tag, ...rest) {
          if (tag === "header") throw new Error("header broken");
          return make.call(this, tag, ...rest); };""")
    page.goto(server.url)
    outcome = VaultPage(page, server.url).ready_outcome()
    assert outcome.startswith("rejected: Error: The vault could not start"), outcome
    notice = page.locator(".notice.error.fatal")
    expect(notice).to_contain_text("The vault could not start")
    assert "Traceback" not in page.inner_text("body")
    notice.get_by_role("button", name="Copy details").click()
    expect(notice.get_by_role("button")).to_have_text("Copied")
    details = copied_text(page)
    assert "Traceback" in details and "header broken" in details


def test_an_unexpected_error_in_the_page_is_a_notice_with_copyable_details(vault):
    pid = vault.call("createProject", {"title": "Broken URLs"})
    vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (40, 30), seed=4), "image/png"))
    vault.page.evaluate("() => { URL.createObjectURL = () => { throw new Error('object URLs broken'); }; }")
    vault.page.evaluate("(pid) => { location.hash = '#/project/' + pid; }", pid)
    notice = vault.page.locator(".notice.error").filter(has_text="Something went wrong")
    expect(notice).to_contain_text("object URLs broken")
    expect(notice).to_contain_text("Your stored media is unchanged")
    assert "Traceback" not in vault.page.inner_text("body")
    notice.get_by_role("button", name="Copy details").click()
    expect(notice.get_by_role("button", name="Copied")).to_be_visible()
    assert "Traceback" in copied_text(vault.page)
