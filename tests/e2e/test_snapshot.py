"""The start-up snapshot (static/start.mjs, app/browser/snapshot.py): a first visit starts from the
one the build made (in Node) and keeps it; repeat visits start from that; where the build has none
or this browser cannot restore it, one is made in a worker; a damaged or foreign one is deleted
and the vault starts as usual; a person can turn it off. The rest of the e2e suite starts every
page from a snapshot (tests/e2e/conftest.py); these tests use contexts of their own."""

import contextlib
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import put_snapshot
from tests.e2e.vault_page import VaultPage, sha256
from tests.media import data_url, image_bytes

STATE = "() => window.__assetVaultSnapshot.state.start"
FROM = "() => window.__assetVaultSnapshot.state.from"
BUILT = "**/static/vendor/snapshot-*.bin"  # the build's snapshot, as static/start.mjs fetches it
SIZE = "() => window.__assetVaultSnapshot.size()"


def wait_for_snapshot(vault: VaultPage, seconds: float = 120) -> int:
    """The size of the snapshot this page's vault makes in the background, once stored."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        size = vault.page.evaluate(SIZE)
        if size:
            return size
        vault.page.wait_for_timeout(500)
    raise AssertionError(f"no start-up snapshot was made in {seconds} s")


@contextlib.contextmanager
def vault_with_snapshot(browser, server, snapshot, init_script: str | None = None):
    """A vault page in a context of its own, holding ``snapshot`` (its uses turned "on", as a user
    has them), or none when ``snapshot`` is None."""
    context = browser.new_context()
    try:
        if snapshot is not None:
            put_snapshot(context, server, snapshot, mode="on")
        if init_script:
            context.add_init_script(init_script)
        yield VaultPage(context.new_page(), server.url).open()
    finally:
        context.close()


def fetches_of_built(vault: VaultPage) -> int:
    """How often this page load fetched the build's snapshot (resource timing: every engine has it)."""
    return vault.page.evaluate("""() => performance.getEntriesByType("resource")
        .filter((e) => e.name.includes("/static/vendor/snapshot-")).length""")


@pytest.mark.bridge
def test_a_first_visit_starts_from_the_builds_snapshot_and_later_ones_from_the_kept_copy(browser, server):
    context = browser.new_context()
    try:
        first = VaultPage(context.new_page(), server.url).open()
        assert (first.page.evaluate(STATE), first.page.evaluate(FROM)) == ("snapshot", "build")
        assert fetches_of_built(first) == 1
        pid = first.call("createProject", {"title": "First visit"})
        png = image_bytes("PNG", (96, 64), seed=11)
        ref = first.call("saveDataUrl", pid, data_url(png, "image/png"))
        assert 20 << 20 < wait_for_snapshot(first) < 64 << 20  # kept in the version's cache
        first.reload()
        assert (first.page.evaluate(STATE), first.page.evaluate(FROM)) == ("snapshot", "cache")
        assert first.blob_sha256(ref) == sha256(png)
        assert fetches_of_built(first) == 0  # read from the cache
        # Two starts from the same memory image: nothing random in them is shared.
        made = []
        for _ in range(2):
            first.reload()
            assert first.page.evaluate(STATE) == "snapshot"
            made.append((first.call("createProject", {"title": "After"}), first.call("track", "a1,b2")))
        assert made[0][0] != made[1][0] and made[0][1] != made[1][1], made
        assert pid in {p["id"] for p in first.call("listProjects")}
        assert fetches_of_built(first) == 0
    finally:
        context.close()


def test_where_the_build_has_no_snapshot_a_first_visit_makes_one_in_a_worker(browser, server):
    context = browser.new_context()
    context.route(BUILT, lambda route: route.fulfill(status=404, body="none built"))
    try:
        first = VaultPage(context.new_page(), server.url).open()
        assert first.page.evaluate(STATE) == "fresh"
        pid = first.call("createProject", {"title": "Before the snapshot"})
        png = image_bytes("PNG", (96, 64), seed=11)
        ref = first.call("saveDataUrl", pid, data_url(png, "image/png"))
        assert 20 << 20 < wait_for_snapshot(first) < 64 << 20
        first.reload()
        assert (first.page.evaluate(STATE), first.page.evaluate(FROM)) == ("snapshot", "cache")
        assert first.blob_sha256(ref) == sha256(png)
        assert pid in {p["id"] for p in first.call("listProjects")}
    finally:
        context.close()


def _damaged(how: str, good: bytes) -> bytes:
    if how == "garbage":
        return b"not a snapshot" * 1000
    if how == "other build":  # the build ID is bytes 16-48 of the header
        return good[:20] + bytes([good[20] ^ 0xFF]) + good[21:]
    return good[: len(good) // 2]  # cut short: a write that never finished


@pytest.mark.parametrize("how", ["garbage", "other build", "cut short"])
def test_a_damaged_snapshot_is_deleted_and_the_vault_starts_as_usual(browser, server, startup_snapshot, how):
    if startup_snapshot is None:
        pytest.skip("needs a snapshot made in this engine")
    damaged = {**startup_snapshot, "bytes": _damaged(how, startup_snapshot["bytes"])}
    with vault_with_snapshot(browser, server, damaged) as vault:
        assert vault.page.evaluate(STATE) == "fallback"
        assert vault.page.evaluate(SIZE) == 0  # deleted before the app started
        assert vault.call("createProject", {"title": "Works"}).startswith("p_")
        # A good one replaces it, and the next start uses that.
        wait_for_snapshot(vault)
        vault.reload()
        assert vault.page.evaluate(STATE) == "snapshot"


def test_a_builds_snapshot_this_browser_cannot_restore_is_not_fetched_again(browser, server):
    context = browser.new_context()
    context.route(BUILT, lambda route: route.fulfill(status=200, body=_damaged("garbage", b"")))
    try:
        vault = VaultPage(context.new_page(), server.url).open()
        assert (vault.page.evaluate(STATE), vault.page.evaluate(FROM)) == ("fallback", "build")
        assert fetches_of_built(vault) == 1
        assert vault.call("createProject", {"title": "Works"}).startswith("p_")
        wait_for_snapshot(vault)  # made in a worker instead
        vault.reload()
        assert (vault.page.evaluate(STATE), vault.page.evaluate(FROM)) == ("snapshot", "cache")
        vault.page.evaluate("() => window.__assetVaultSnapshot.drop()")
        vault.reload()
        assert vault.page.evaluate(STATE) == "fresh"
        assert fetches_of_built(vault) == 0  # refused once: not fetched again for this version
    finally:
        context.close()


def test_fast_start_can_be_turned_off_and_on_from_the_usage_bar(browser, server, startup_snapshot):
    if startup_snapshot is None:
        pytest.skip("needs a snapshot made in this engine")
    with vault_with_snapshot(browser, server, startup_snapshot) as vault:
        assert vault.page.evaluate(STATE) == "snapshot"
        state = vault.page.locator("#snapshot-state")
        expect(state).to_have_text("fast start 30.0 MB")
        vault.page.click("#snapshot-toggle")
        expect(state).to_have_text("fast start off")
        expect(vault.notice("info")).to_contain_text("Fast start is off")
        assert vault.page.evaluate(SIZE) == 0
        vault.reload()
        assert vault.page.evaluate(STATE) == "fresh"
        vault.page.wait_for_timeout(4000)  # past the time one would be made
        assert vault.page.evaluate(SIZE) == 0
        vault.page.click("#snapshot-toggle")
        expect(vault.notice("info")).to_contain_text("Fast start is on")
        vault.reload()
        assert 20 << 20 < wait_for_snapshot(vault)
        vault.reload()
        assert vault.page.evaluate(STATE) == "snapshot"
        expect(state).to_have_text("fast start 30.0 MB")


# Chromium's CDP quota override limits writes but not what navigator.storage.estimate() says,
# which is what the vault goes by; so the estimate is what these two tests change.
SHORT_OF_ROOM = """(() => { const real = navigator.storage.estimate.bind(navigator.storage);
  navigator.storage.estimate = async () => ({ ...(await real()), quota: 300 * 2 ** 20 }); })()"""


def test_no_snapshot_is_stored_when_the_site_is_short_of_room(browser, server):
    """Media matters more than a fast start: with 300 MB allowed, the 30 MB image is used from the
    build but not kept (nor made)."""
    with vault_with_snapshot(browser, server, None, SHORT_OF_ROOM) as vault:
        assert (vault.page.evaluate(STATE), vault.page.evaluate(FROM)) == ("snapshot", "build")
        assert vault.call("usage")["quota"] == 300 * 2**20
        vault.page.wait_for_timeout(5000)  # one would have been started after 2 s
        assert vault.page.evaluate("() => performance.getEntriesByName('assetVault:snapshot-start').length") == 0
        assert vault.page.evaluate(SIZE) == 0
        expect(vault.page.locator("#snapshot-state")).to_have_count(0)


def test_the_snapshot_is_deleted_once_the_site_is_short_of_room(browser, server, startup_snapshot):
    if startup_snapshot is None:
        pytest.skip("needs a snapshot made in this engine")
    with vault_with_snapshot(browser, server, startup_snapshot, SHORT_OF_ROOM) as vault:
        assert vault.page.evaluate(STATE) == "snapshot"
        for _ in range(50):
            if vault.page.evaluate(SIZE) == 0:
                break
            vault.page.wait_for_timeout(100)
        assert vault.page.evaluate(SIZE) == 0
        expect(vault.page.locator("#snapshot-state")).to_have_count(0)
