"""static/vault-client.js as a host app meets it: the example generator page draws frames and
keeps them in the vault, from the vault's own origin and from another one (a second serve.py,
another port: another origin of the same site), which the vault answers only once its owner
lists it in hostOrigins. Changes and "Regenerate" reach the host through the client."""

import pytest
from playwright.sync_api import expect

from tests.e2e.server import Server
from tests.e2e.conftest import put_snapshot
from tests.e2e.vault_page import VaultPage, page_errors

EXAMPLE = "static/example/generator.html"


@pytest.fixture(scope="module")
def elsewhere():
    """The host app's origin (a second serve.py, for its example page), and a vault whose
    server lets that origin frame its page (--host-origin)."""
    host = Server()
    vault_server = Server(args=("--host-origin", host.origin))
    yield host, vault_server
    vault_server.stop()
    host.stop()


@pytest.fixture
def framed_vault(context, elsewhere, startup_snapshot, server):
    _host, vault_server = elsewhere
    if startup_snapshot is not None:  # made for the suite's server: the same bytes, at this origin
        put_snapshot(context, vault_server,
                     dict(startup_snapshot, url=startup_snapshot["url"].replace(server.origin, vault_server.origin)))
    page = context.new_page()
    errors = page_errors(page)
    yield VaultPage(page, vault_server.url).open()
    assert errors == []


def made_frames(page, count: int) -> list[str]:
    field = page.locator("#count")
    field.clear()  # Firefox over BiDi types after a number field's value instead of replacing it
    field.fill(str(count))
    expect(field).to_have_value(str(count))
    page.click("#make")
    expect(page.locator("#frames li")).to_have_count(count, timeout=30_000)
    expect(page.locator("#make")).to_be_enabled()
    return page.locator("#frames li").evaluate_all("items => items.map((li) => li.dataset.ref)")


def frame_digests(page) -> list[str]:
    """SHA-256 of each frame as the example page reads it back through the client."""
    return page.evaluate("""async () => {
        const { openVault } = await import("/static/vault-client.js");
        const vault = await openVault(document.getElementById("vault-link").href);
        const out = [];
        for (const li of document.querySelectorAll("#frames li")) {
            const blob = await vault.getBlob(li.dataset.ref);
            if (!(blob instanceof Blob)) return "not a Blob of this page";
            const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
            out.push([...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join(""));
        }
        return out; }""")


def test_a_host_page_of_the_same_origin_keeps_its_frames_in_the_vault(vault, context, server):
    host = context.new_page()
    errors = page_errors(host)
    host.goto(server.url + EXAMPLE)
    expect(host.locator("#vault-state")).to_contain_text("ready (version")
    refs = made_frames(host, 3)
    pid = host.locator("#frames").get_attribute("data-project")
    # In the vault: the frames with their params, the same bytes, announced to the host as made.
    metas = [vault.call("getMeta", r) for r in refs]
    assert [(m["projectId"], m["params"]["frameNumber"], m["mime"]) for m in metas] == [(pid, i, "image/png") for i in range(3)]
    assert frame_digests(host) == [vault.blob_sha256(r) for r in refs]
    for ref in refs:
        expect(host.locator("#log")).to_contain_text(f"asset created {ref}")
    # The client has every method of the bridge, results of this page's realm, errors by name.
    assert host.evaluate("""async () => {
        const { METHODS, openVault } = await import("/static/vault-client.js");
        const vault = await openVault("/");
        const listed = await vault.listProjects();
        const failed = await vault.getMeta(42).then(() => null, (e) => e instanceof Error && e.name);
        return [METHODS.join(), Array.isArray(listed), failed]; }""") == [
        ",".join(vault.page.evaluate("Object.keys(window.assetVault)")), True, "InvalidInputError"]
    # A change made in the vault's tab reaches the host.
    vault.call("deleteAsset", refs[0])
    expect(host.locator("#log")).to_contain_text(f"asset deleted {refs[0]}")
    assert errors == []


def test_another_origin_is_refused_until_listed_then_saves_tracks_and_regenerates(framed_vault, context, elsewhere):
    vault, (elsewhere, server) = framed_vault, elsewhere
    host = context.new_page()
    errors = page_errors(host)
    url = f"{elsewhere.url}{EXAMPLE}?vault={server.url}"
    host.goto(url)
    expect(host.locator("#vault-state")).to_have_attribute("data-error", "NotAllowedError")
    expect(host.locator("#vault-state")).to_contain_text(f'configure({{hostOrigins: ["{elsewhere.origin}"]}})')
    expect(host.locator("#make")).to_be_disabled()

    # The vault's owner lists the host app on the vault's own page.
    vault.page.click("#host-apps summary")
    vault.page.fill("#host-origins", f"{elsewhere.origin}/ ftp://nope")
    vault.page.press("#host-origins", "Enter")
    expect(vault.notice("error")).to_contain_text("'ftp://nope' is not an origin")
    vault.page.fill("#host-origins", f"{elsewhere.origin}/")
    vault.page.press("#host-origins", "Enter")
    expect(vault.notice("info")).to_contain_text(f"Host apps allowed: {elsewhere.origin}.")
    assert vault.call("configure", {})["hostOrigins"] == [elsewhere.origin]
    host.goto(url)
    expect(host.locator("#vault-state")).to_contain_text(f"Vault at {server.url} ready")
    refs = made_frames(host, 2)
    pid = host.locator("#frames").get_attribute("data-project")
    assert [m["ref"] for m in vault.call("listAssets", pid) if m["role"] == "frame"] == refs
    assert frame_digests(host) == [vault.blob_sha256(r) for r in refs]  # Blobs crossed whole

    # A demo generation tracked from the host lands its file in the host's project.
    host.click("#track")
    expect(host.locator("#generation")).to_have_attribute("data-status", "completed", timeout=30_000)
    for _ in range(300):  # its files are stored after the provider says completed
        if sum(1 for m in vault.call("listAssets", pid) if m["params"].get("generationId")) >= 2:
            break
        vault.page.wait_for_timeout(100)
    else:
        raise AssertionError("the generation's files never reached the host's project")

    # "Regenerate" on a lost frame, clicked in the vault's tab: the host draws it again from its
    # params and stores it under the same ref; the vault's card shows it again.
    before = vault.blob_sha256(refs[1])
    vault.delete_stored_blob(refs[1])
    vault.open(f"#/project/{pid}")
    card = vault.page.locator(f".asset-card[data-ref='{refs[1]}']")
    card.locator("[data-action=regenerate]").click()
    expect(host.locator("#log")).to_contain_text(f"regenerated {refs[1]}")
    expect(card.locator(".preview img")).to_have_count(1)
    assert vault.blob_sha256(refs[1]) == before  # the same params draw the same frame
    assert vault.call("getMeta", refs[1])["rev"] == 1

    # Taken off the list: the next call is refused, as a new client is.
    vault.call("configure", {"hostOrigins": []})
    refused = host.evaluate("""async (at) => {
        const { openVault } = await import("/static/vault-client.js");
        const vault = await openVault(at);
        return vault.listProjects().then(() => "answered", (e) => e.name); }""", server.url)
    assert refused == "NotAllowedError"
    assert errors == []
