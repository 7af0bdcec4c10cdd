"""serve.py's reference signer: signs what the vault asks for its bucket, and nothing else."""

import json

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from tools.demo_signer import DemoSigner

SIGNER = DemoSigner("http://127.0.0.1:8333", "vault-backup", "AKDEMO", "demo-secret", prefix="team")


def ask(method, url, headers=None, site="same-origin"):
    return SIGNER.sign(json.dumps({"method": method, "url": url, "headers": headers or {}}).encode(), site)


def test_it_signs_a_request_in_its_bucket_and_prefix_as_botocore_would():
    url = "http://127.0.0.1:8333/vault-backup/team/projects/p_1/images/a%20b-a_1.png"
    status, answer = ask("PUT", url, {"content-type": "image/png"})
    assert status == 200
    headers = answer["headers"]
    request = AWSRequest(method="PUT", url=url, headers={"content-type": "image/png", "x-amz-date": headers["x-amz-date"],
                                                          "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    request.context["timestamp"] = headers["x-amz-date"]
    auth = S3SigV4Auth(BotoCredentials("AKDEMO", "demo-secret"), "s3", "us-east-1")
    theirs = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    assert headers["authorization"].endswith(f"Signature={theirs}")
    assert "demo-secret" not in json.dumps(answer)


def test_it_refuses_other_buckets_prefixes_methods_sites_and_junk():
    assert ask("PUT", "http://127.0.0.1:8333/other-bucket/team/x")[0] == 403
    assert ask("PUT", "http://127.0.0.1:8333/vault-backup/elsewhere/x")[0] == 403
    assert ask("PUT", "http://127.0.0.1:9999/vault-backup/team/x")[0] == 403
    assert ask("PUT", "http://127.0.0.1:8333/vault-backup/team/../x")[0] == 403
    assert ask("PATCH", "http://127.0.0.1:8333/vault-backup/team/x")[0] == 403
    assert ask("PUT", "http://127.0.0.1:8333/vault-backup/team/x", site="cross-site")[0] == 403
    assert SIGNER.sign(b"{not json", "same-origin")[0] == 400
    assert ask("GET", "http://127.0.0.1:8333/vault-backup/?list-type=2&prefix=team%2Fprojects%2F")[0] == 200
    assert ask("GET", "http://127.0.0.1:8333/vault-backup/?list-type=2&prefix=")[0] == 403
