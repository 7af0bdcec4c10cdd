"""The pure pieces of backup: settings, bucket layout, manifest merge, refusals, backoff."""

import json

import pytest

from app.core.archive import read_manifest
from app.core.backup import layout
from app.core.backup.config import BackupConfig
from app.core.backup.manifest import encode, merged, parse, summary
from app.core.backup.refusals import refusal, unreachable
from app.core.backup.retry import Backoff
from app.core.errors import (InvalidArchiveError, InvalidInputError, RemoteAuthError, RemoteConflict, RemoteError,
                             RemoteNotFoundError, RemoteUnreachableError)

BASE = {"endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket": "my-vault", "accessKeyId": "AKIAEXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def config(**over) -> BackupConfig:
    return BackupConfig.parse(dict(BASE, **over))


def test_settings_are_checked_and_normalised():
    c = config(prefix="/team/vault/", endpoint="HTTPS://S3.EU-WEST-1.AMAZONAWS.COM/")
    assert (c.endpoint, c.prefix, c.region, c.path_style, c.checksums) == \
        ("https://s3.eu-west-1.amazonaws.com", "team/vault", "us-east-1", True, True)
    assert c.object_url("team/vault/projects/p_1/images/a b+c.png") == \
        "https://s3.eu-west-1.amazonaws.com/my-vault/team/vault/projects/p_1/images/a%20b%2Bc.png"
    virtual = config(pathStyle=False)
    assert virtual.bucket_url() == "https://my-vault.s3.eu-west-1.amazonaws.com/"
    assert BackupConfig.from_record(c.to_record()) == c
    assert c.same_target(config(prefix="team/vault", secretAccessKey="rotated-secret-value"))
    assert not c.same_target(config(prefix="other"))


@pytest.mark.parametrize("over, why", [
    ({"endpoint": "ftp://host"}, "http"),
    ({"endpoint": "https://user:pw@host"}, "only scheme, host and port"),
    ({"endpoint": "https://host/bucket"}, "only scheme, host and port"),
    ({"endpoint": "https://host:99999"}, "invalid port"),
    ({"bucket": "My_Bucket"}, "bucket name"),
    ({"bucket": "ab"}, "bucket name"),
    ({"region": "US East"}, "region"),
    ({"accessKeyId": ""}, "accessKeyId"),
    ({"secretAccessKey": ""}, "secretAccessKey"),
    ({"pathStyle": "yes"}, "true or false"),
    ({"prefix": "a\nb"}, "control"),
    ({"signerUrl": "https://host/sign"}, "not both"),
    ({"signerUrl": "ftp://host/sign", "accessKeyId": "", "secretAccessKey": ""}, "signerUrl"),
    ({"colour": "red"}, "does not know colour"),
    ({"bucket": "my.vault", "pathStyle": False}, "pathStyle"),
])
def test_bad_settings_say_what_is_wrong(over, why):
    with pytest.raises(InvalidInputError, match=why):
        config(**over)


def test_a_signer_url_replaces_the_keys():
    c = BackupConfig.parse({"endpoint": "http://127.0.0.1:8333", "bucket": "vault-backup",
                            "signerUrl": "https://app.example/api/sign"})
    assert c.signer_url == "https://app.example/api/sign" and c.secret_access_key == ""
    assert c.public()["signerUrl"] == "https://app.example/api/sign" and c.public()["secretAccessKey"] == ""
    assert BackupConfig.from_record(c.to_record()) == c


def test_the_secret_never_shows():
    c = config()
    shown = json.dumps(c.public())
    assert BASE["secretAccessKey"] not in shown and "EKEY" in shown
    assert BASE["secretAccessKey"] not in repr(c) and BASE["secretAccessKey"] not in str(c)


def test_layout_keys_are_stable_readable_and_unique_per_asset():
    meta = {"ref": "a_Xy12", "role": "frame", "kind": "image", "name": "frame 0001.png", "mime": "image/png"}
    thumb = dict(meta, ref="a_T1", role="thumbnail", name="frame 0001.thumb.jpg", mime="image/jpeg")
    assert layout.asset_path(meta) == "images/frame 0001-a_Xy12.png"
    assert layout.asset_path(thumb) == "thumbnails/frame 0001.thumb-a_T1.jpg"
    assert layout.asset_path(dict(meta, ref="a_Other")) != layout.asset_path(meta)  # same name, two devices
    assert layout.manifest_key("", "p_1") == "projects/p_1/manifest.json"
    assert layout.object_key("team", "p_1", "images/x.png") == "team/projects/p_1/images/x.png"
    assert layout.project_id_of("team/projects/p_1/", "team") == "p_1"
    assert layout.project_id_of("team/other/p_1/", "team") is None


def row(ref, created=1, size=3, thumb=None):
    return {"ref": ref, "projectId": "p_1", "kind": "image", "role": "frame", "name": f"{ref}.png",
            "mime": "image/png", "size": size, "crc32": 7, "params": {}, "createdAt": created, "thumbnailRef": thumb}


PROJECT = {"id": "p_1", "title": "Mine", "createdAt": 1, "updatedAt": 5}


def test_merge_is_the_union_less_every_deletion_either_side_knows():
    remote = merged(None, PROJECT, [row("a_1"), row("a_2", 2)], {}, 10)
    remote["deleted"] = {"a_9": 3}
    remote["assets"].append({**merged(None, PROJECT, [row("a_9", 9)], {}, 0)["assets"][0]})  # listed and deleted
    mine = [row("a_2", 2), row("a_3", 3, thumb="a_4"), row("a_9", 9)]
    doc = merged(remote, PROJECT, mine, {"a_1": 11}, 12)
    assert [r["ref"] for r in doc["assets"]] == ["a_2", "a_3"]
    assert doc["deleted"] == {"a_9": 3, "a_1": 11}
    assert doc["assets"][1]["thumbnailRef"] is None  # its preview is not in the bucket yet
    again, manifest = parse(encode(doc))
    assert again["deleted"] == doc["deleted"] and [a.ref for a in manifest.assets] == ["a_2", "a_3"]
    read_manifest(encode(doc))  # still a valid archive manifest
    assert summary(doc) == {"id": "p_1", "title": "Mine", "updatedAt": 5, "assetCount": 2, "bytes": 6}


def test_merge_drops_the_preview_of_a_deleted_asset_listed_by_an_older_version():
    preview = dict(row("a_5", 5), role="thumbnail", params={"thumbnailOf": "a_3"})
    remote = dict(merged(None, PROJECT, [row("a_3", 3, thumb="a_5"), preview, row("a_6", 6)], {}, 0),
                  deleted={"a_3": 7})
    assert [r["ref"] for r in merged(remote, PROJECT, [], {}, 8)["assets"]] == ["a_6"]


def test_merge_keeps_the_project_record_changed_last():
    theirs = merged(None, dict(PROJECT, title="Theirs", updatedAt=9), [], {}, 0)
    assert merged(theirs, PROJECT, [], {}, 0)["project"]["title"] == "Theirs"
    assert merged(theirs, dict(PROJECT, updatedAt=10), [], {}, 0)["project"]["title"] == "Mine"


def test_a_damaged_manifest_is_refused():
    doc = merged(None, PROJECT, [row("a_1")], {}, 0)
    with pytest.raises(InvalidArchiveError):
        parse(b"{not json")
    with pytest.raises(InvalidArchiveError, match="deleted"):
        parse(encode(dict(doc, deleted=["a_1"])))


@pytest.mark.parametrize("status, code, expected, words", [
    (403, "SignatureDoesNotMatch", RemoteAuthError, "secret key does not match"),
    (403, "InvalidAccessKeyId", RemoteAuthError, "does not know the access key ID 'AKIAEXAMPLE'"),
    (403, "AccessDenied", RemoteAuthError, "may not upload"),
    (403, "RequestTimeTooSkewed", RemoteAuthError, "clock"),
    (404, "NoSuchBucket", RemoteNotFoundError, "no bucket 'my-vault'"),
    (503, "SlowDown", RemoteUnreachableError, "keeps trying"),
    (500, "", RemoteUnreachableError, "HTTP 500"),
    (429, "", RemoteUnreachableError, "busy"),
    (400, "BadDigest", RemoteError, "CRC-32"),
    (400, "InvalidRequest", RemoteError, "refused"),
    (400, "InvalidArgument", RemoteError, "refused"),
])
def test_refusals_get_their_contract_name_and_words_to_act_on(status, code, expected, words):
    err = refusal(status, code, "", "upload", config())
    assert type(err) is expected and words in str(err)
    assert BASE["secretAccessKey"] not in str(err)


def test_checksum_refusals_point_at_the_switch_and_412_is_a_race():
    err = refusal(400, "InvalidRequest", "x-amz-checksum-crc32 is not supported", "upload", config())
    assert "Turn checksums off" in str(err)
    assert isinstance(refusal(412, "PreconditionFailed", "", "write", config()), RemoteConflict)


def test_no_answer_names_offline_or_cors_with_the_origin_to_allow():
    assert "offline" in str(unreachable(config(), "http://127.0.0.1:8000", online=False))
    message = str(unreachable(config(), "http://127.0.0.1:8000", online=True))
    assert "CORS" in message and "http://127.0.0.1:8000" in message and "ETag" in message


def test_backoff_doubles_to_a_cap_with_jitter_and_resets():
    values = iter([0.0, 1.0, 0.5] + [1.0] * 20)
    backoff = Backoff(lambda: next(values), base_s=1, cap_s=8)
    assert [backoff.next() for _ in range(3)] == [0.5, 2.0, 3.0]
    assert max(backoff.next() for _ in range(10)) == 8  # never above the cap
    backoff.reset()
    assert backoff.next() == 1.0
