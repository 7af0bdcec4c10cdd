"""SigV4 signing: AWS's published S3 examples, then botocore's signer on awkward keys and queries."""

import calendar
import hashlib
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from app.core.backup.sigv4 import EMPTY_SHA256, UNSIGNED, Credentials, presign_url, sign_headers

# From AWS's "Signature Calculations for the Authorization Header" and "Authenticating Requests:
# Using Query Parameters" (Amazon S3 API reference), whose examples all use these.
KEY = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
MAY_24_2013 = calendar.timegm((2013, 5, 24, 0, 0, 0)) * 1000
BUCKET = "https://examplebucket.s3.amazonaws.com"


def signature(headers):
    return headers["authorization"].rsplit("Signature=", 1)[1]


@pytest.mark.parametrize("method, path, headers, payload, expected", [
    ("GET", "/test.txt", {"Range": "bytes=0-9"}, EMPTY_SHA256,
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("PUT", "/test$file.text", {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
     hashlib.sha256(b"Welcome to Amazon S3.").hexdigest(),
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
    ("GET", "/?lifecycle", {}, EMPTY_SHA256, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("GET", "/?max-keys=2&prefix=J", {}, EMPTY_SHA256,
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
])
def test_aws_published_header_examples(method, path, headers, payload, expected):
    signed = sign_headers(method, BUCKET + path, KEY, "us-east-1", MAY_24_2013, headers, payload)
    assert signature(signed) == expected
    assert signed["authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=")
    assert "host" in signed["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def test_aws_published_presigned_example():
    url = presign_url("GET", BUCKET + "/test.txt", KEY, "us-east-1", MAY_24_2013, 86400)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["X-Amz-Signature"] == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    assert query["X-Amz-Credential"] == "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"


# Keys a project's files really get (spaces, accents, '+', '='), encoded in the URL as the adapter
# sends them, and a path-style endpoint on a port.
CASES = [
    ("PUT", "http://127.0.0.1:8333/vault/p_1/media/" + quote("a b+c=d é.png"), {"content-type": "image/png",
                                                                    "x-amz-checksum-crc32": "AAAAAA=="}),
    ("GET", "https://acct.r2.cloudflarestorage.com/vault?list-type=2&prefix=p_1%2F&continuation-token=" + quote("a+b/c=", safe=""), {}),
    ("DELETE", "https://s3.eu-west-2.amazonaws.com/bucket/p_1/manifest.json", {"if-match": '"abc"'}),
    ("POST", "https://bucket.s3.amazonaws.com/p_1/big.mp4?uploads", {}),
    ("PUT", "https://bucket.s3.amazonaws.com/p_1/big.mp4?partNumber=3&uploadId=x~y_z", {}),
]
NOW = 1_763_700_123_000


def boto_request(method, url, headers):
    request = AWSRequest(method=method, url=url, headers=dict(headers))
    request.context["timestamp"] = "20251121T044203Z"
    request.headers["X-Amz-Date"] = "20251121T044203Z"
    return request


@pytest.mark.parametrize("method, url, headers", CASES)
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEJr//token+with/odd=chars"])
def test_header_signatures_match_botocore(method, url, headers, token):
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = sign_headers(method, url, creds, "eu-west-2", NOW, headers)
    request = boto_request(method, url, headers)
    request.headers["X-Amz-Content-SHA256"] = UNSIGNED
    if token:
        request.headers["X-Amz-Security-Token"] = token
    auth = S3SigV4Auth(BotoCredentials("AKIDEXAMPLE", creds.secret_access_key, token), "s3", "eu-west-2")
    canonical = auth.canonical_request(request)
    theirs = auth.signature(auth.string_to_sign(request, canonical), request)
    assert signature(ours) == theirs, canonical


@pytest.mark.parametrize("method, url, headers", CASES)
def test_presigned_urls_match_botocore(method, url, headers):
    ours = presign_url(method, url, KEY, "eu-west-2", NOW, 900)
    request = AWSRequest(method=method, url=url)
    request.context["timestamp"] = "20251121T044203Z"
    auth = S3SigV4QueryAuth(BotoCredentials(KEY.access_key_id, KEY.secret_access_key), "s3", "eu-west-2", expires=900)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    theirs = auth.signature(auth.string_to_sign(request, canonical), request)
    assert dict(parse_qsl(urlsplit(ours).query))["X-Amz-Signature"] == theirs, canonical


def test_the_secret_never_shows_in_a_repr_or_the_headers():
    creds = Credentials("AKIDEXAMPLE", "s3cr3t-value", "t0ken-value")
    signed = sign_headers("GET", BUCKET + "/a", creds, "us-east-1", NOW)
    assert "s3cr3t-value" not in repr(creds) and "t0ken-value" not in repr(creds)
    assert not any("s3cr3t-value" in v for v in signed.values())


def test_presigned_expiry_is_bounded():
    with pytest.raises(ValueError):
        presign_url("GET", BUCKET + "/a", KEY, "us-east-1", NOW, 8 * 24 * 3600)
