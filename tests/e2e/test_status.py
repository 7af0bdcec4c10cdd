"""Generation status in the page: the demo provider end to end, and page.route fakes for a
provider that throttles, fails, goes away or says hostile things."""

import hashlib
import json
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage
from tools.demo_provider import frame_png

# Counts fetches to the provider, including those the browser refuses while offline.
COUNT_FETCHES = """
window.__providerCalls = [];
const realFetch = window.fetch;
window.fetch = function (input, init) {
  const url = String(input && input.url || input);
  if (url.includes("/api/file/")) window.__providerCalls.push(url.split("/api/file/")[1]);
  return realFetch.call(this, input, init);
};
"""


def generation_ids(vault) -> list[str]:
    return json.loads(vault.page.evaluate("() => localStorage.getItem('assetVault:generations') || '[]'"))


class FakeProvider:
    """page.route answers: a function of (file ID, how many times it was asked) -> (status, headers, body)."""

    def __init__(self, page, answer):
        self.asked: list[str] = []
        self.answer = answer
        page.route("**/api/file/*", self.handle)

    def handle(self, route):
        file_id = route.request.url.rsplit("/", 1)[1]
        self.asked.append(file_id)
        status, headers, body = self.answer(file_id, self.asked.count(file_id))
        route.fulfill(status=status, headers={"Access-Control-Allow-Origin": "*", **headers},
                      content_type="application/json", body=json.dumps(body) if body is not None else "")


def processing(file_id, _n):
    return 200, {}, {"id": file_id, "status": "processing", "progress": 10}


def settle(vault, ms: int, step: int = 250):
    """Move the page's clock on in steps, letting the page's own work run in between."""
    for _ in range(ms // step):
        vault.page.clock.run_for(step)
        vault.page.wait_for_timeout(20)


def asked(vault, provider, count: int) -> list[str]:
    """The provider's requests once there are ``count`` (or after 5 s of real time, the clock
    standing still): a request the page has made may take more than settle's 20 ms to arrive
    here when the machine is busy (it did once in a full run)."""
    for _ in range(100):
        if len(provider.asked) >= count:
            break
        vault.page.wait_for_timeout(50)
    return provider.asked


def test_the_demo_provider_generation_ends_stored_and_failed(vault):
    vault.open("#/status/a1,b2,fail3")
    overall = vault.page.locator("#overall-progress")
    for file_id in ("a1", "b2"):
        expect(vault.page.locator(f".file-card[data-file-id={file_id}][data-stored=true] img")).to_be_visible(timeout=20_000)
    expect(vault.page.locator(".file-card[data-file-id=fail3][data-status=error] .file-error")).to_contain_text(
        "failed on purpose", timeout=20_000)
    expect(overall).to_have_js_property("value", 100)
    expect(vault.page.locator("#overall")).to_contain_text("3 of 3 finished · 2 completed · 1 failed · 2 stored")
    [gen_id] = generation_ids(vault)
    gen = vault.call("generation", gen_id)
    assert gen["status"] == "error" and [f["status"] for f in gen["files"]] == ["completed", "completed", "error"]
    for f in gen["files"][:2]:
        assert vault.blob_sha256(f["ref"]) == hashlib.sha256(frame_png(f["fileId"], (640, 360))).hexdigest()
        meta = vault.call("getMeta", f["ref"])
        assert meta["params"]["fileId"] == f["fileId"] and meta["projectId"] == gen["projectId"]
        assert meta["thumbnailRef"]  # the provider's thumbnail, stored beside it
    # A file's own page shows it from the generation it is in (nothing tracked twice).
    vault.open("#/file/b2")
    expect(vault.page.locator(".file-card[data-file-id=b2][data-stored=true]")).to_have_count(1)
    expect(vault.page.locator(".file-card")).to_have_count(1)
    assert generation_ids(vault) == [gen_id]
    vault.page.click("#whole-generation")
    expect(vault.page.locator("#generation-project")).to_be_visible(timeout=10_000)
    # The stored media is in a project named after the generation.
    vault.page.click("#generation-project")
    expect(vault.page.locator("h1")).to_contain_text("Generation a1, b2, fail3")
    expect(vault.page.locator(".asset-card")).to_have_count(2)


@pytest.mark.bridge
def test_a_generation_tracked_through_the_bridge_ends_stored_and_failed(vault):
    gen_id = vault.call("track", "a1,b2,fail3")
    assert isinstance(gen_id, str), gen_id
    deadline = time.monotonic() + 40
    def running(gen) -> bool:  # a completed file is stored after the provider says so
        return gen["status"] in ("pending", "processing") or any(
            f["status"] == "completed" and not f["ref"] for f in gen["files"])
    while running(gen := vault.call("generation", gen_id)):
        assert time.monotonic() < deadline, gen
        vault.page.wait_for_timeout(200)
    assert gen["status"] == "error" and [f["status"] for f in gen["files"]] == ["completed", "completed", "error"], gen
    assert "failed on purpose" in gen["files"][2]["error"], gen["files"][2]
    for f in gen["files"][:2]:
        assert vault.blob_sha256(f["ref"]) == hashlib.sha256(frame_png(f["fileId"], (640, 360))).hexdigest()
        meta = vault.call("getMeta", f["ref"])
        assert meta["params"]["fileId"] == f["fileId"] and meta["projectId"] == gen["projectId"]
        assert meta["thumbnailRef"]  # the provider's thumbnail, stored beside it
    [project] = [p for p in vault.call("listProjects") if p["id"] == gen["projectId"]]
    assert project["assetCount"] == 2  # two frames (their thumbnails add bytes, not files)


def test_a_503_with_retry_after_is_honoured(page, server):
    page.clock.install()
    provider = FakeProvider(page, lambda f, n: (503, {"Retry-After": "7"}, None) if n == 1 else processing(f, n))
    vault = VaultPage(page, server.url).open()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    vault.call("track", "a1")
    settle(vault, 250)
    assert asked(vault, provider, 1) == ["a1"]
    settle(vault, 6_500)
    assert provider.asked == ["a1"]  # not before the 7 s are up
    settle(vault, 750)
    assert asked(vault, provider, 2) == ["a1", "a1"]


def test_a_500_storm_is_backed_off(page, server):
    page.clock.install()
    provider = FakeProvider(page, lambda f, n: (500, {}, {"error": "boom"}))
    vault = VaultPage(page, server.url).open()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    vault.call("track", "a1")
    settle(vault, 60_000, step=1000)
    # Full-jitter backoff from 2 s up to 60 s: a handful of tries in a minute, not one a second.
    assert 3 <= len(provider.asked) <= 12, provider.asked
    first_minute = len(provider.asked)
    settle(vault, 60_000, step=1000)
    assert len(provider.asked) - first_minute <= 6


def test_no_requests_while_offline_and_one_after_online(page, server, context):
    page.add_init_script(COUNT_FETCHES)
    FakeProvider(page, processing)
    vault = VaultPage(page, server.url).open()
    context.set_offline(True)
    gen_id = vault.call("track", "a1,b2")
    page.wait_for_timeout(3000)
    assert page.evaluate("window.__providerCalls") == []
    context.set_offline(False)
    for _ in range(40):
        if sorted(page.evaluate("window.__providerCalls")) == ["a1", "b2"]:
            break
        page.wait_for_timeout(50)
    assert sorted(page.evaluate("window.__providerCalls")) == ["a1", "b2"]
    assert vault.call("generation", gen_id)["status"] == "processing"


def test_a_hidden_page_does_not_poll(page, server):
    page.clock.install()
    provider = FakeProvider(page, processing)
    vault = VaultPage(page, server.url).open()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    vault.call("track", "a1")
    settle(vault, 250)
    assert asked(vault, provider, 1) == ["a1"]
    page.evaluate("""() => { Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
                             document.dispatchEvent(new Event("visibilitychange")); }""")
    settle(vault, 30_000, step=1000)
    assert provider.asked == ["a1"]
    page.evaluate("""() => { Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
                             document.dispatchEvent(new Event("visibilitychange")); }""")
    settle(vault, 500)
    assert asked(vault, provider, 2) == ["a1", "a1"]


def test_a_reload_mid_generation_resumes(vault):
    answers = {"a1": 0}

    def answer(file_id, n):
        answers[file_id] = n
        return processing(file_id, n)
    provider = FakeProvider(vault.page, answer)
    gen_id = vault.call("track", "a1")
    for _ in range(60):
        if provider.asked:
            break
        vault.page.wait_for_timeout(50)
    vault.reload()  # nothing calls track again: the vault resumes from localStorage
    asked = len(provider.asked)
    for _ in range(80):
        if len(provider.asked) > asked:
            break
        vault.page.wait_for_timeout(100)
    assert len(provider.asked) > asked
    assert vault.call("generation", gen_id)["files"][0]["status"] == "processing"
    vault.open("#/file/a1")
    expect(vault.page.locator(".file-card[data-file-id=a1]")).to_have_attribute("data-status", "processing")


def test_provider_text_stays_text(vault):
    hostile = '<img src=x onerror="window.__pwned=1"><script type="py">import js; js.document.title = "pwned"</script>'
    FakeProvider(vault.page, lambda f, n: (200, {}, {"id": f, "status": "error", "error": hostile}))
    vault.open("#/status/evil1")
    error = vault.page.locator(".file-card[data-file-id=evil1] .file-error")
    expect(error).to_have_text(hostile)
    assert error.locator("img, script").count() == 0
    vault.page.wait_for_timeout(500)
    assert vault.page.title() != "pwned" and vault.page.evaluate("window.__pwned") is None


def test_hostile_and_too_many_ids_in_the_route_are_reported_not_run(vault):
    FakeProvider(vault.page, lambda f, n: (200, {}, {"id": f, "status": "pending"}))
    many = ",".join(f"id{i}" for i in range(500))
    vault.open("#/status/<svg onload=\"window.__pwned=1\">,../x,,, ," + many)
    report = vault.page.locator("#invalid-ids")
    expect(report).to_contain_text("'<svg onload=\"window.__pwned=1\">'")
    expect(report).to_contain_text("'../x'")
    expect(report).to_contain_text("500 IDs given; a generation tracks at most 100")
    expect(vault.page.locator(".file-card")).to_have_count(100)
    assert vault.page.locator("svg").count() == 0 and vault.page.evaluate("window.__pwned") is None
    vault.open("#/status/")
    expect(vault.page.locator("#view")).to_contain_text("No valid file IDs to track.")
    bad = vault.call("track", "a1,<b>")
    assert bad["error"]["name"] == "InvalidIdError" and "'<b>'" in bad["error"]["message"]


def test_tracking_from_the_projects_page_into_a_chosen_project(vault):
    pid = vault.call("createProject", {"title": "Chosen"})
    vault.page.fill("#track-ids", "a1, <x>")
    vault.page.click("#track-form button")
    expect(vault.notice("error")).to_contain_text("'<x>'")
    gen_id = vault.call("track", "b2", {"projectId": pid})
    for _ in range(200):
        if vault.call("generation", gen_id)["files"][0]["ref"]:
            break
        vault.page.wait_for_timeout(100)
    ref = vault.call("generation", gen_id)["files"][0]["ref"]
    assert ref and vault.call("getMeta", ref)["projectId"] == pid
    vault.page.fill("#track-ids", "c3")
    vault.page.click("#track-form button")
    expect(vault.page).to_have_url(f"{vault.url}#/status/c3")
    assert vault.call("configure", {"providerUrl": "javascript:alert(1)"})["error"]["name"] == "InvalidInputError"


def test_one_tab_polls_a_generation_and_another_takes_over_when_it_closes(context, server):
    asked = []

    def handle(route):
        asked.append(route.request.frame.page)
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"id": "lock1", "status": "processing", "progress": 20}))
    context.route("**/api/file/*", handle)
    first = VaultPage(context.new_page(), server.url).open("#/status/lock1")
    second = VaultPage(context.new_page(), server.url).open("#/status/lock1")
    expect(second.page.locator(".file-card[data-file-id=lock1]")).to_be_visible()
    second.page.wait_for_timeout(6_000)
    assert asked.count(first.page) >= 2 and asked.count(second.page) == 0
    first.page.close()
    for _ in range(60):
        if asked.count(second.page):
            break
        second.page.wait_for_timeout(100)
    assert asked.count(second.page) >= 1


def test_the_tab_that_polls_tells_the_others_and_their_host_apps(context, server):
    """Generation progress goes on the change stream: another tab's page follows it, and that
    tab's window hears `assetvault:change` with type "generation" (the storage event is gone)."""
    asked = []

    def handle(route):
        asked.append(route.request.frame.page)
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"id": "tell1", "status": "processing", "progress": 20 if len(asked) < 2 else 70}))
    context.route("**/api/file/*", handle)
    first = VaultPage(context.new_page(), server.url).open("#/status/tell1")
    expect(first.page.locator(".file-card[data-file-id=tell1]")).to_contain_text("20%")
    second = VaultPage(context.new_page(), server.url)
    second.page.add_init_script("window.__gens = []; addEventListener('assetvault:change', "
                                "(e) => { if (e.detail.type === 'generation') window.__gens.push(e.detail); });")
    second.open("#/status/tell1")
    card = second.page.locator(".file-card[data-file-id=tell1]")
    expect(card).to_contain_text("20%")
    expect(card).to_contain_text("70%", timeout=20_000)  # drawn from the first tab's change
    [gen_id] = generation_ids(second)
    heard = second.page.evaluate("() => window.__gens")
    assert {"type": "generation", "action": "updated", "projectId": "", "genId": gen_id} in heard
    assert asked.count(first.page) >= 2 and asked.count(second.page) == 0  # one tab polls
