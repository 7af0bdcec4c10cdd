"""Tabs in step: what one vault page (or a host app in it) changes shows in every other open
vault page of the origin within a second, announced as assetvault:change events; a schema
upgrade in a newer tab makes older ones step aside and say so."""

from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage
from tests.media import data_url, image_bytes, wav_bytes

LISTEN = """() => { window.__changes = [];
  window.addEventListener("assetvault:change", (e) => window.__changes.push(e.detail)); }"""


def two_tabs(context, server):
    first = VaultPage(context.new_page(), server.url).open()
    second = VaultPage(context.new_page(), server.url).open()
    for tab in (first, second):
        tab.page.evaluate(LISTEN)
    return first, second


def changes(tab: VaultPage) -> list[dict]:
    return tab.page.evaluate("() => window.__changes")


def test_a_save_in_one_tab_shows_in_the_other_within_a_second(context, server):
    generator, viewer = two_tabs(context, server)
    pid = generator.call("createProject", {"title": "Shared"})
    expect(viewer.page.locator(f".project-card[data-project-id='{pid}']")).to_be_visible(timeout=1000)
    viewer.open(f"#/project/{pid}")
    viewer.page.evaluate(LISTEN)
    frames = [image_bytes("PNG", (96, 64), seed=i) for i in range(3)]
    refs = generator.calls(*[("saveDataUrl", pid, data_url(f, "image/png"), {"role": "frame"}) for f in frames])
    for ref in refs:
        expect(viewer.page.locator(f".asset-card[data-ref='{ref}']")).to_be_visible(timeout=1000)
    created = [c for c in changes(viewer) if c["type"] == "asset" and c["action"] == "created"]
    assert {c["ref"] for c in created} >= set(refs) and all(c["projectId"] == pid for c in created)
    # The saving tab announces its own changes too, for host apps living in it.
    assert {c["ref"] for c in changes(generator) if c["action"] == "created" and c["type"] == "asset"} >= set(refs)

    generator.call("deleteAsset", refs[0])
    expect(viewer.page.locator(f".asset-card[data-ref='{refs[0]}']")).to_have_count(0, timeout=1000)
    assert {"type": "asset", "action": "deleted", "projectId": pid, "ref": refs[0]} in changes(viewer)

    generator.call("deleteProject", pid)
    expect(viewer.page.locator("#view")).to_contain_text("Project not found", timeout=1000)
    assert {"type": "project", "action": "deleted", "projectId": pid} in changes(viewer)


def test_an_import_in_one_tab_lists_the_project_in_the_other(context, server):
    first, second = two_tabs(context, server)
    pid = first.call("createProject", {"title": "To copy"})
    first.call("saveDataUrl", pid, data_url(wav_bytes(0.1), "audio/wav"))  # no preview: one file
    imported = first.page.evaluate("""async (pid) => {
        const zip = await window.assetVault.exportProject(pid);
        await window.assetVault.deleteProject(pid);
        return (await window.assetVault.importArchive(zip)).projectId; }""", pid)
    card = second.page.locator(f".project-card[data-project-id='{imported}']")
    expect(card).to_contain_text("To copy", timeout=1000)
    expect(card).to_contain_text("1 file", timeout=1000)


def test_a_schema_upgrade_in_a_newer_tab_makes_this_one_step_aside(context, server):
    old, _ = two_tabs(context, server)
    pid = old.call("createProject", {"title": "Before the upgrade"})
    newer = context.new_page()
    newer.goto(server.url + "static/icon.svg")  # same origin, no vault: stands in for a newer version
    version = newer.evaluate("""() => new Promise((resolve, reject) => {
        const probe = indexedDB.open("asset-vault");
        probe.onsuccess = () => { const v = probe.result.version; probe.result.close();
          const up = indexedDB.open("asset-vault", v + 1);
          up.onsuccess = () => { up.result.close(); resolve(v + 1); };
          up.onerror = () => reject(up.error); up.onblocked = () => reject(new Error("blocked")); };
      })""")
    assert version > 1
    expect(old.notice("error")).to_contain_text("updated in another tab. Reload this page")
    failed = old.call("getMeta", "a_x")
    assert failed["error"]["name"] == "StorageUnavailableError" and "Reload" in failed["error"]["message"]
    assert pid


def test_typing_goes_on_while_another_tab_changes_the_list(context, server):
    """A redraw for another tab's change moves the form back into the page: it keeps the focus and
    the caret, so what a person goes on typing is not lost."""
    first, second = two_tabs(context, server)
    first.page.get_by_label("Project title").click()
    first.page.keyboard.type("Story")
    pid = second.call("createProject", {"title": "From the generator"})
    expect(first.page.locator(f".project-card[data-project-id='{pid}']")).to_be_visible(timeout=1000)
    first.page.keyboard.type("board")
    first.page.keyboard.press("Enter")
    expect(first.page.locator("h1")).to_have_text("Storyboard")
