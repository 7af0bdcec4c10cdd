"""Backup to a real S3 server (SeaweedFS, started here), checked through boto3, not through the vault."""

import base64
import json
import re
import time
import zlib

import pytest
from playwright.sync_api import expect

from tests.e2e.server import Server
from tests.e2e.vault_page import VaultPage, sha256
from tools.seaweed import ADMIN_KEYS, BUCKET, SeaweedServer, cors_rules

from tests.media import MP4_HEAD, image_bytes, wav_bytes


OTHER_BUCKET = "vault-elsewhere"  # its CORS allows another site only


@pytest.fixture(scope="module")
def s3(server):
    with SeaweedServer(origins=[server.origin], buckets=(BUCKET, OTHER_BUCKET)) as s:
        s.admin().put_bucket_cors(Bucket=OTHER_BUCKET, CORSConfiguration=cors_rules(["https://elsewhere.example"]))
        yield s


@pytest.fixture
def second(browser, server):
    """Another device: a browser profile of its own."""
    context = browser.new_context()
    vp = VaultPage(context.new_page(), server.url).open()
    yield vp
    context.close()


@pytest.fixture
def prefix(request):
    # Each test its own corner of the bucket, so tests sharing the server never see each other.
    return f"t-{request.node.name[:40]}-{time.time_ns() % 10**9}"


def settings(s3, prefix, **over):
    return dict({"endpoint": s3.endpoint, "bucket": s3.bucket, "prefix": prefix, "region": "us-east-1",
                 "accessKeyId": s3.keys[0], "secretAccessKey": s3.keys[1]}, **over)


def wait_for(check, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def manifest(s3, prefix, pid):
    body = s3.objects(f"{prefix}/projects/{pid}/manifest.json").get(f"{prefix}/projects/{pid}/manifest.json")
    return json.loads(body) if body else None


@pytest.mark.bridge
def test_frames_a_host_app_saves_are_in_the_bucket_byte_for_byte(vault, s3, prefix):
    shown = vault.call("configureBackup", settings(s3, prefix))
    assert "error" not in shown, shown
    assert shown["enabled"] and shown["bucket"] == s3.bucket and shown["prefix"] == prefix
    assert s3.keys[1] not in json.dumps(shown)  # the secret is never given back
    pid = vault.call("createProject", {"title": "Backed up"})
    frames = [image_bytes("PNG", (64, 48), seed=i, noise=True) for i in range(6)]
    refs = vault.save_blobs([(pid, f, "image/png") for f in frames])
    want = {ref: f for ref, f in zip(refs, frames)}

    def listed():
        doc = manifest(s3, prefix, pid)
        return doc if doc and {a["ref"] for a in doc["assets"]} >= set(refs) else None

    doc = wait_for(listed, "every frame listed in the bucket's manifest")
    objects = s3.objects(f"{prefix}/projects/{pid}/")
    for row in doc["assets"]:
        body = objects[f"{prefix}/projects/{pid}/{row['path']}"]
        assert zlib.crc32(body) == row["crc32"] and len(body) == row["size"]
        if row["ref"] in want:
            assert sha256(body) == sha256(want[row["ref"]])
    assert doc["project"]["title"] == "Backed up"
    status = vault.call("backupStatus")
    assert status["enabled"] and status["failed"] == 0
    wait_for(lambda: all(vault.call("getMeta", r)["backup"] == "uploaded" for r in refs), "every frame marked uploaded")
    assert s3.keys[1] not in vault.page.evaluate("() => JSON.stringify(localStorage)")


@pytest.mark.bridge
def test_wrong_keys_and_a_missing_bucket_are_named_and_change_nothing(vault, s3, prefix):
    wrong_secret = vault.call("configureBackup", settings(s3, prefix, secretAccessKey="not-the-secret-at-all"))
    assert wrong_secret["error"]["name"] == "RemoteAuthError", wrong_secret
    assert "secret" in wrong_secret["error"]["message"] and "not-the-secret" not in wrong_secret["error"]["message"]
    unknown_key = vault.call("configureBackup", settings(s3, prefix, accessKeyId="AKUNKNOWN"))
    assert unknown_key["error"]["name"] == "RemoteAuthError" and "AKUNKNOWN" in unknown_key["error"]["message"]
    # A key with rights beyond one bucket hears "no such bucket"; a bucket-scoped key is refused
    # before the server says whether the bucket exists, so its message names both causes.
    admin_key, admin_secret = ADMIN_KEYS
    no_bucket = vault.call("configureBackup", settings(s3, prefix, bucket="no-such-bucket-here",
                                                       accessKeyId=admin_key, secretAccessKey=admin_secret))
    assert no_bucket["error"]["name"] == "RemoteNotFoundError", no_bucket
    assert "no-such-bucket-here" in no_bucket["error"]["message"]
    scoped = vault.call("configureBackup", settings(s3, prefix, bucket="no-such-bucket-here"))
    assert scoped["error"]["name"] == "RemoteAuthError" and "check the bucket's name" in scoped["error"]["message"], scoped
    assert vault.call("backupStatus")["enabled"] is False  # nothing was saved
    pid = vault.call("createProject", {"title": "Local only"})
    ref = vault.save_blobs([(pid, image_bytes("PNG"), "image/png")])[0]
    assert vault.call("getMeta", ref)["backup"] == "none"


def frames(vault, pid, count, seed=0):
    data = [image_bytes("PNG", (48, 32), seed=seed + i, noise=True) for i in range(count)]
    return vault.save_blobs([(pid, d, "image/png") for d in data]), data


def settled(vault, what="the backup queue drained"):
    return wait_for(lambda: (lambda s: s if s["queued"] == 0 and s["uploading"] == 0 and s["uploaded"] else None)(
        vault.call("backupStatus")), what)


@pytest.mark.bridge
def test_a_project_restores_into_a_fresh_profile_with_identical_blobs_and_metadata(vault, second, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": "Storm", "prompt": "a storm at sea"})
    refs, data = frames(vault, pid, 4)
    vault.call("syncNow")
    assert second.call("configureBackup", settings(s3, prefix))["enabled"]
    listed = second.call("listRemoteProjects")
    assert [(p["id"], p["title"], p["local"]) for p in listed] == [(pid, "Storm", False)]
    result = second.call("restoreProject", pid)
    assert result["projectId"] == pid and result["assets"] == 8  # 4 frames and their previews
    for ref, body in zip(refs, data):
        assert second.blob_sha256(ref) == sha256(body)
        mine, theirs = vault.call("getMeta", ref), second.call("getMeta", ref)
        assert theirs == mine
        assert second.blob_sha256(theirs["thumbnailRef"]) == vault.blob_sha256(mine["thumbnailRef"])
    assert second.call("listRemoteProjects")[0]["local"] is True


@pytest.mark.bridge
def test_an_object_altered_in_the_bucket_is_refused_on_restore(vault, second, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": "Tampered"})
    frames(vault, pid, 3)
    vault.call("syncNow")
    row = manifest(s3, prefix, pid)["assets"][1]
    key = f"{prefix}/projects/{pid}/{row['path']}"
    body = s3.objects(key)[key]
    s3.admin().put_object(Bucket=s3.bucket, Key=key, Body=body[:-1] + bytes([body[-1] ^ 0xFF]))
    second.call("configureBackup", settings(s3, prefix))
    refused = second.call("restoreProject", pid)
    assert refused["error"]["name"] == "IntegrityError" and row["path"] in refused["error"]["message"]
    assert second.call("listProjects") == [] and second.stored_keys() == {"assets": [], "blobs": []}


def test_offline_saves_make_no_request_and_upload_once_online(vault, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    seen = []
    vault.page.on("request", lambda r: seen.append(r.url) if r.url.startswith(s3.endpoint) else None)
    vault.page.context.set_offline(True)
    pid = vault.call("createProject", {"title": "On a plane"})
    refs, _ = frames(vault, pid, 3)
    vault.page.wait_for_timeout(1500)
    status = vault.call("backupStatus")
    assert seen == [] and status["queued"] >= 3 and "offline" in status["lastError"].lower()
    assert all(vault.call("getMeta", r)["backup"] == "queued" for r in refs)
    vault.page.context.set_offline(False)
    wait_for(lambda: all(vault.call("getMeta", r)["backup"] == "uploaded" for r in refs), "uploads after going online")
    wait_for(lambda: set(refs) <= {a["ref"] for a in (manifest(s3, prefix, pid) or {"assets": []})["assets"]},
             "every frame in the manifest")


def test_a_503_storm_is_ridden_out_and_leaves_local_data_alone(vault, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    storm = {"left": 4}

    def busy(route):
        if storm["left"] > 0 and route.request.method == "PUT":
            storm["left"] -= 1
            route.fulfill(status=503, body="<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>",
                          headers={"Access-Control-Allow-Origin": "*", "Content-Type": "application/xml"})
        else:
            route.continue_()

    vault.page.route(f"{s3.endpoint}/**", busy)
    pid = vault.call("createProject", {"title": "Storm"})
    refs, data = frames(vault, pid, 2)
    wait_for(lambda: "busy" in (vault.call("backupStatus")["lastError"] or ""), "the storm said in the status")
    for ref, body in zip(refs, data):
        assert vault.blob_sha256(ref) == sha256(body)
    wait_for(lambda: all(vault.call("getMeta", r)["backup"] == "uploaded" for r in refs), "uploads after the storm", 40)
    # The storm's last 503 may have hit the manifest's rewrite, retried after its pause: the error
    # stays in the status until that succeeds too.
    wait_for(lambda: vault.call("backupStatus")["lastError"] is None, "the error cleared after the storm", 40)
    assert storm["left"] == 0


@pytest.mark.bridge
def test_a_bucket_whose_cors_refuses_this_page_says_which_origin_to_allow(vault, s3, prefix):
    refused = vault.call("configureBackup", settings(s3, prefix, bucket=OTHER_BUCKET))
    assert refused["error"]["name"] == "RemoteUnreachableError", refused
    assert "CORS" in refused["error"]["message"] and vault.page.url.split("/")[2] in refused["error"]["message"]
    assert vault.call("backupStatus")["enabled"] is False


def shared_project(vault, second, s3, prefix, title: str):
    """A project of two frames made on ``vault``, backed up, and restored on ``second``."""
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": title})
    refs, _ = frames(vault, pid, 2)
    vault.call("syncNow")
    second.call("configureBackup", settings(s3, prefix))
    second.call("restoreProject", pid)
    return pid, refs


@pytest.mark.bridge
def test_two_profiles_adding_to_one_project_both_end_with_the_union_and_deletions_hold(vault, second, s3, prefix):
    pid, first = shared_project(vault, second, s3, prefix, "Shared")
    mine, _ = frames(vault, pid, 2, seed=10)
    theirs, _ = frames(second, pid, 3, seed=20)
    preview = vault.call("getMeta", first[0])["thumbnailRef"]
    assert vault.call("deleteAsset", first[0]) is True
    # What each sync downloads depends on what the devices' background loops pulled first: the
    # end state is what holds.
    for device in (vault, second, vault):
        device.call("syncNow")
    doc = manifest(s3, prefix, pid)
    listed = {a["ref"] for a in doc["assets"]}
    rows = sorted((a["role"], a["ref"], a.get("params", {}).get("thumbnailOf")) for a in doc["assets"])
    assert set(first[1:] + mine + theirs) <= listed and len(listed) == 12, rows  # 6 frames, 6 previews
    assert first[0] in doc["deleted"] and preview in doc["deleted"] and not {first[0], preview} & listed
    for device in (vault, second):
        assert {a["ref"] for a in device.call("listAssets", pid)} == listed


@pytest.mark.bridge
def test_a_rename_a_new_title_and_new_bytes_reach_the_other_profile(vault, second, s3, prefix):
    """Issue 31: edits made on one device are taken by the other at sync, both ways; a rename
    there and new bytes here of one file are both kept."""
    pid, refs = shared_project(vault, second, s3, prefix, "Before")
    vault.call("updateProject", pid, {"title": "After"})
    vault.call("updateAsset", refs[0], {"name": "renamed.png", "params": {"prompt": "dusk"}})
    made = image_bytes("PNG", (40, 30), seed=77, noise=True)
    second.page.evaluate("""async ([ref, b64]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        await window.assetVault.replaceBlob(ref, new Blob([bytes])); }""", [refs[0], base64.b64encode(made).decode()])
    changed = 0
    for device in (vault, second, vault, second):
        changed += device.call("syncNow")["changed"]
    assert changed >= 3  # the title and the rename there, the new bytes here
    for device in (vault, second):
        meta = device.call("getMeta", refs[0])
        assert (meta["name"], meta["params"]) == ("renamed.png", {"prompt": "dusk"}), meta
        assert device.blob_sha256(refs[0]) == sha256(made)
        assert {p["id"]: p["title"] for p in device.call("listProjects")}[pid] == "After"
    row = {a["ref"]: a for a in manifest(s3, prefix, pid)["assets"]}[refs[0]]
    assert (row["name"], row["size"]) == ("renamed.png", len(made))


def fill_backup_form(page, s3, prefix, secret):
    for name, value in (("endpoint", s3.endpoint), ("bucket", s3.bucket), ("prefix", prefix),
                        ("accessKeyId", s3.keys[0]), ("secretAccessKey", secret)):
        page.locator(f"#backup-form input[name={name}]").fill(value)
    page.locator("#backup-save").click()


def test_a_person_turns_backup_on_in_the_panel_and_restores_on_another_device(vault, second, s3, prefix):
    page = vault.page
    page.locator("#backup summary").click()
    fill_backup_form(page, s3, prefix, "a-wrong-secret-for-sure")
    expect(page.locator("#backup-error")).to_contain_text("RemoteAuthError")
    expect(page.locator("#backup-error")).to_contain_text("secret key does not match")
    fill_backup_form(page, s3, prefix, s3.keys[1])
    expect(page.locator("#backup-counts")).to_contain_text("backed up")
    expect(page.locator("#backup-status")).to_contain_text(s3.keys[1][-4:])
    assert s3.keys[1] not in page.content()
    pid = vault.call("createProject", {"title": "Made by hand"})
    frames(vault, pid, 2)
    expect(page.locator("#backup-counts")).to_contain_text(re.compile(r"^4 backed up · 0 waiting"), timeout=20_000)

    other = second.page
    other.locator("#backup summary").click()
    fill_backup_form(other, s3, prefix, s3.keys[1])
    card = other.locator(f"[data-remote-project-id='{pid}']")
    expect(card).to_contain_text("Made by hand")
    card.get_by_role("button", name="Restore").click()
    expect(other).to_have_url(re.compile(f"#/project/{pid}$"))
    expect(other.locator(".asset-card")).to_have_count(2)

    vault.call("deleteProject", pid)
    page.locator("#backup-list").click()
    page.once("dialog", lambda d: d.accept())
    page.locator(f"[data-remote-project-id='{pid}']").get_by_role("button", name="Delete from backup").click()
    expect(page.locator(f"[data-remote-project-id='{pid}']")).to_have_count(0)
    assert s3.objects(f"{prefix}/projects/{pid}/") == {}


def test_a_big_video_goes_in_parts_and_a_reload_mid_upload_sends_only_the_rest(vault, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": "Long take"})
    page, mib = vault.page, 112  # 7 parts of 16 MiB
    parts_before, parts_after, state = [], [], {"reloaded": False, "held": None}

    def watch(route):
        url = route.request.url
        number = re.search(r"[?&]partNumber=(\d+)", url)
        if number and route.request.method == "PUT":
            if state["reloaded"]:
                parts_after.append(int(number.group(1)))
            elif len(parts_before) >= 3:
                state["held"] = int(number.group(1))  # never answered: the reload below cuts it off
                return
            else:
                parts_before.append(int(number.group(1)))
        elif state["reloaded"]:
            parts_after.append(route.request.method + (" list" if "uploadId=" in url and route.request.method == "GET" else ""))
        route.continue_()

    page.route(f"{s3.endpoint}/**", watch)
    ref = page.evaluate("""async ([pid, head, mib]) => {
        const bytes = new Uint8Array(mib << 20);
        for (let i = 0; i < mib; i++) bytes.fill((i * 7 + 1) % 251, i << 20, (i + 1) << 20);  // every MiB its own
        bytes.set(Uint8Array.from(atob(head), c => c.charCodeAt(0)));
        return window.assetVault.saveBlob(pid, new Blob([bytes], {type: "video/mp4"}));
      }""", [pid, __import__("base64").b64encode(MP4_HEAD).decode(), mib])
    # Route handlers run while Playwright is called: page.wait_for_timeout lets them, time.sleep would not.
    for _ in range(300):
        if len(parts_before) >= 3 and state["held"]:
            break
        page.wait_for_timeout(200)
    assert sorted(parts_before) == [1, 2, 3] and state["held"] == 4, (parts_before, state)
    state["reloaded"] = True
    vault.reload()
    wait_for(lambda: vault.call("getMeta", ref)["backup"] == "uploaded", "the upload finished after the reload", 90)
    sent_again = [p for p in parts_after if isinstance(p, int)]
    assert sorted(parts_before) == [1, 2, 3] and sorted(sent_again) == [4, 5, 6, 7], (parts_before, parts_after)
    assert "GET list" in parts_after  # it asked the server which parts it had
    page.unroute(f"{s3.endpoint}/**")  # the manifest's requests need no watching (nor a pumped handler)
    row = next(a for a in wait_for(lambda: manifest(s3, prefix, pid), "the manifest")["assets"] if a["ref"] == ref)
    key = f"{prefix}/projects/{pid}/{row['path']}"
    body = s3.admin().get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    assert len(body) == mib << 20 and sha256(body) == vault.blob_sha256(ref) and zlib.crc32(body) == row["crc32"]


def lost_after_backup(vault, s3, prefix, title: str):
    """A frame backed up, then its Blob gone from this browser (evicted): (project, ref, bytes)."""
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": title})
    (ref,), (data,) = frames(vault, pid, 1)
    wait_for(lambda: vault.call("getMeta", ref)["backup"] == "uploaded", "the frame backed up")
    vault.delete_stored_blob(ref)
    return pid, ref, data


def test_a_blob_lost_from_this_browser_is_fetched_back_from_the_backup(vault, s3, prefix):
    pid, ref, data = lost_after_backup(vault, s3, prefix, "Evicted")
    assert ref not in vault.stored_keys()["blobs"]
    vault.open(f"#/project/{pid}")
    card = vault.page.locator(f".asset-card[data-ref='{ref}']")
    expect(card.locator("img")).to_have_count(1)
    expect(card).not_to_have_attribute("data-missing", "true")
    assert vault.blob_sha256(ref) == sha256(data) and ref in vault.stored_keys()["blobs"]
    # The viewer, opened from the grid on a lost file, asks the backup too. While its answer is
    # held back, the grid still shows and still works: a click on it finds live handlers.
    vault.delete_stored_blob(ref)
    held = []
    vault.page.route(f"{s3.endpoint}/**", lambda route: held.append(route) if route.request.method == "GET"
                     and ref in route.request.url else route.continue_())
    vault.page.evaluate("(ref) => { location.hash = `#/asset/${encodeURIComponent(ref)}`; }", ref)
    for _ in range(100):
        if held:
            break
        vault.page.wait_for_timeout(100)
    assert held, "the viewer asked the backup for the lost bytes"
    card.locator("[data-action=copy]").click()
    expect(vault.page.locator(".notice-text", has_text=ref)).to_have_count(1)  # copied, or the ref shown
    held[0].continue_()
    full = vault.page.locator("#viewer-media")
    full.wait_for()
    vault.page.unroute(f"{s3.endpoint}/**")
    assert full.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert vault.blob_sha256(ref) == sha256(data)


def test_tabs_learn_the_settings_and_one_uploads_for_all(context, server, s3, prefix):
    first = VaultPage(context.new_page(), server.url).open()
    later = VaultPage(context.new_page(), server.url).open()  # open before backup is turned on
    puts = []
    context.on("request", lambda r: puts.append(r.url.split("?")[0]) if r.method == "PUT" and
               r.url.startswith(s3.endpoint) and "manifest.json" not in r.url and ".vault-check" not in r.url else None)
    first.call("configureBackup", settings(s3, prefix))
    wait_for(lambda: later.call("backupStatus")["enabled"], "the other tab knows backup is on", 5)
    pid = later.call("createProject", {"title": "From the other tab"})
    refs, data = frames(later, pid, 3)
    wait_for(lambda: all(first.call("getMeta", r)["backup"] == "uploaded" for r in refs), "the other tab's frames uploaded")
    later.page.wait_for_timeout(1000)
    assert len(puts) == len(set(puts)) == 6, puts  # 3 frames and 3 previews, each sent once by one tab
    first.call("configureBackup", None)
    wait_for(lambda: not later.call("backupStatus")["enabled"], "the other tab knows backup is off", 5)


def test_with_a_signer_url_the_secret_stays_on_the_host_and_backup_works(browser, s3, prefix):
    host = Server(args=("--s3-endpoint", s3.endpoint, "--s3-bucket", s3.bucket, "--s3-prefix", prefix,
                        "--s3-key-id", s3.keys[0]), env={"VAULT_S3_SECRET": s3.keys[1]})
    context = browser.new_context()
    try:
        s3.admin().put_bucket_cors(Bucket=s3.bucket, CORSConfiguration=cors_rules([s3.origins[0], host.origin]))
        vault = VaultPage(context.new_page(), host.url).open()
        signer = host.origin + "/api/sign"
        elsewhere = vault.call("configureBackup", {"endpoint": s3.endpoint, "bucket": s3.bucket, "prefix": "not-mine",
                                                   "signerUrl": signer})
        assert elsewhere["error"]["name"] == "RemoteAuthError" and signer in elsewhere["error"]["message"]
        shown = vault.call("configureBackup", {"endpoint": s3.endpoint, "bucket": s3.bucket, "prefix": prefix,
                                               "signerUrl": signer})
        assert shown["signerUrl"] == signer and shown["secretAccessKey"] == ""
        pid = vault.call("createProject", {"title": "Signed by the host"})
        refs, data = frames(vault, pid, 2)
        wait_for(lambda: all(vault.call("getMeta", r)["backup"] == "uploaded" for r in refs), "uploads signed by the host")
        stored = vault.page.evaluate("""() => new Promise((resolve) => {
            const open = indexedDB.open("asset-vault");
            open.onsuccess = () => { const req = open.result.transaction("settings").objectStore("settings").getAll();
              req.onsuccess = () => { open.result.close(); resolve(JSON.stringify(req.result)); }; };
          })""")
        assert signer in stored and s3.keys[1] not in stored  # no secret in this browser at all
        row = next(a for a in wait_for(lambda: manifest(s3, prefix, pid), "the manifest")["assets"] if a["ref"] == refs[0])
        assert sha256(s3.objects(f"{prefix}/projects/{pid}/{row['path']}").popitem()[1]) == sha256(data[0])
    finally:
        context.close()
        host.stop()
        s3.admin().put_bucket_cors(Bucket=s3.bucket, CORSConfiguration=cors_rules(s3.origins))


def test_each_card_shows_its_backup_state_as_it_changes(vault, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": "Badges"})
    vault.open(f"#/project/{pid}")
    vault.page.context.set_offline(True)
    # Audio: no preview is made, so no other change redraws the card; only the badge can tell.
    ref = vault.save_bytes(pid, wav_bytes(), "audio/wav")
    card = vault.page.locator(f".asset-card[data-ref='{ref}'] .backup-state")
    expect(card).to_have_text(" · waiting for backup")
    vault.page.context.set_offline(False)
    expect(card).to_have_text(" · backed up", timeout=20_000)
    expect(card).to_have_class(re.compile("uploaded"))


def test_the_projects_list_says_what_of_each_project_is_backed_up(vault, s3, prefix):
    vault.call("configureBackup", settings(s3, prefix))
    pid = vault.call("createProject", {"title": "Summary"})
    vault.page.context.set_offline(True)
    vault.save_bytes(pid, wav_bytes(), "audio/wav")
    state = vault.page.locator(f".project-card[data-project-id='{pid}'] .backup-state")
    expect(state).to_have_text(" · 1 waiting for backup")
    vault.page.context.set_offline(False)
    expect(state).to_have_text(" · all backed up", timeout=20_000)


def test_a_lost_file_offers_the_backup_first_and_its_replacement_is_backed_up_again(vault, s3, prefix):
    pid, ref, data = lost_after_backup(vault, s3, prefix, "Recover")
    page = vault.page
    cut = f"{s3.endpoint}/**"
    page.route(cut, lambda route: route.abort() if route.request.method == "GET" and ref in route.request.url
               else route.continue_())  # the bucket out of reach for this file
    vault.open(f"#/project/{pid}")
    card = page.locator(f".asset-card[data-ref='{ref}']")
    expect(card).to_have_attribute("data-missing", "true", timeout=30_000)
    expect(card.locator(".actions button")).to_have_text(
        ["Restore from backup", "Regenerate", "Replace with a file…", "Copy ref", "Delete"])
    card.locator("[data-action=restore]").click()
    expect(vault.notice("warn")).to_contain_text("could not give", timeout=30_000)
    expect(card.locator("[data-action=restore]")).to_have_count(1)
    page.unroute(cut)
    card.locator("[data-action=restore]").click()
    expect(card.locator("img")).to_have_count(1)
    expect(card.locator(".actions button")).to_have_text(["Download", "Copy ref", "Delete"])
    assert vault.blob_sha256(ref) == sha256(data)

    # New bytes under the same ref go to the bucket in place of the old: lost again, they come back.
    made = image_bytes("PNG", (40, 30), seed=99, noise=True)
    page.evaluate("""async ([ref, b64]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        await window.assetVault.replaceBlob(ref, new Blob([bytes])); }""", [ref, base64.b64encode(made).decode()])
    wait_for(lambda: (lambda m: m["backup"] == "uploaded" and m["rev"] == 1)(vault.call("getMeta", ref)),
             "the new bytes backed up")
    vault.delete_stored_blob(ref)
    assert vault.blob_sha256(ref) == sha256(made)  # getBlob fetched them back from the bucket
