"""The demo provider in serve.py, over real HTTP, with a clock the test moves."""

import http.client
import io
import json
import threading
import wave

import pytest
from PIL import Image

import serve
from tools.demo_provider import DemoProvider


@pytest.fixture
def demo():
    now = [100.0]
    srv = serve.make_server("127.0.0.1", 0, quiet=True, provider=DemoProvider(clock=lambda: now[0]))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1], now
    srv.shutdown()
    srv.server_close()


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def status(port, file_id):
    resp, body = get(port, f"/api/file/{file_id}")
    assert resp.getheader("Access-Control-Allow-Origin") == "*" and resp.getheader("Cache-Control") == "no-store"
    return resp.status, json.loads(body)


def test_ids_move_from_pending_through_processing_to_completed(demo):
    port, now = demo
    assert status(port, "a1")[1]["status"] == "pending"
    now[0] += 2.5
    code, body = status(port, "a1")
    assert (code, body["status"], body["progress"]) == (200, "processing", 50)
    now[0] += 2
    body = status(port, "a1")[1]
    assert body["status"] == "completed" and body["mime"] == "image/png"
    assert body["url"] == f"http://127.0.0.1:{port}/api/media/a1.png"
    resp, png = get(port, "/api/media/a1.png")
    assert resp.getheader("Content-Type") == "image/png"
    assert Image.open(io.BytesIO(png)).size == (640, 360)
    thumb = get(port, "/api/media/a1.thumb.png")[1]
    assert Image.open(io.BytesIO(thumb)).size == (160, 90)


def test_video_audio_and_failing_ids(demo):
    port, now = demo
    for file_id in ("vid7", "tts2", "fail3"):
        status(port, file_id)
    now[0] += 10
    assert status(port, "fail3")[1]["status"] == "error" and "on purpose" in status(port, "fail3")[1]["error"]
    video = status(port, "vid7")[1]
    resp, clip = get(port, video["url"].split(f":{port}", 1)[1])
    assert video["mime"] == "video/webm" and clip.startswith(b"\x1aE\xdf\xa3") and b"webm" in clip[:64]
    audio = status(port, "tts2")[1]
    wav = get(port, audio["url"].split(f":{port}", 1)[1])[1]
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnframes() == w.getframerate()  # one second of tone


def test_bad_ids_and_unknown_media_are_refused(demo):
    port, _ = demo
    assert get(port, "/api/file/%3Csvg%3E")[0].status == 400
    assert get(port, "/api/file/a/b")[0].status == 404
    assert get(port, "/api/media/a1.webm")[0].status == 404  # a1 is an image
    assert get(port, "/api/media/../serve.py")[0].status == 404
