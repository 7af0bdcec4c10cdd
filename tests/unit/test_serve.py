"""serve.py over real HTTP on a loopback port."""

import http.client
import socket
import threading

import pytest

import serve


@pytest.fixture(scope="module")
def server():
    srv = serve.make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def get(port, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def raw_get(port, path):
    # http.client would normalise nothing, but a raw request makes the literal path certain.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("path, mime", [
    ("/", "text/html; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/static/vendor/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/static/vendor/pyodide/pyodide.mjs", "text/javascript; charset=utf-8"),
    ("/static/sw.js", "text/javascript; charset=utf-8"),
    ("/app/main.py", "text/plain; charset=utf-8"),
    ("/static/app.css", "text/css; charset=utf-8"),
])
def test_mime_types(server, path, mime):
    resp, body = get(server, path)
    assert resp.status == 200 and body
    assert resp.getheader("Content-Type") == mime


def test_security_headers(server):
    resp, _ = get(server, "/")
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    csp = resp.getheader("Content-Security-Policy")
    assert "'wasm-unsafe-eval'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert resp.getheader("Cross-Origin-Opener-Policy") is None


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/static/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e/serve.py", "/static/..%5c..%5cserve.py", "/serve.py", "/.git/config",
    "/tests/fakes.py", "/node_modules/pyodide/package.json", "/static/", "/app/", "/app",
    "/static/vendor", "/app/core/%00x.py",
])
def test_nothing_outside_the_app_and_no_listing(server, path):
    assert raw_get(server, path).split(b" ", 2)[1] == b"404"


def test_head_has_no_body(server):
    resp, body = get(server, "/index.html", method="HEAD")
    assert resp.status == 200 and body == b"" and int(resp.getheader("Content-Length")) > 0


def test_service_worker_may_control_the_whole_app(server):
    resp, _ = get(server, "/static/sw.js")
    assert resp.getheader("Service-Worker-Allowed") == "/"


def test_port_zero_prints_the_url():
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, str(serve.ROOT / "serve.py"), "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving the Offline Asset Vault at http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1].strip("/\n"))
        assert port > 0 and get(port, "/")[0].status == 200
    finally:
        proc.terminate()
        proc.wait(5)


def test_the_signer_route_exists_only_when_a_signer_is_configured(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    conn.request("POST", "/api/sign", body=b'{"method": "GET", "url": "http://x/b/k", "headers": {}}',
                 headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 404
    conn.close()


def test_serve_refuses_a_signer_without_its_secret(monkeypatch, capsys):
    monkeypatch.delenv("VAULT_S3_SECRET", raising=False)
    assert serve.main(["--port", "0", "--s3-endpoint", "http://127.0.0.1:8333", "--s3-bucket", "b",
                       "--s3-key-id", "AK"]) == 2
    assert "VAULT_S3_SECRET" in capsys.readouterr().err


def test_only_listed_host_origins_may_frame_the_vault_and_only_the_example_frames_others(server):
    resp, _ = get(server, "/")
    assert "frame-ancestors 'self';" in resp.getheader("Content-Security-Policy") + ";"
    assert "frame-src" not in resp.getheader("Content-Security-Policy")
    resp, _ = get(server, "/static/example/generator.html")
    assert resp.status == 200 and "frame-src 'self' http: https:" in resp.getheader("Content-Security-Policy")
    listed = serve.make_server("127.0.0.1", 0, quiet=True, host_origins=("https://gen.example",))
    threading.Thread(target=listed.serve_forever, daemon=True).start()
    try:
        resp, _ = get(listed.server_address[1], "/")
        assert "frame-ancestors 'self' https://gen.example;" in resp.getheader("Content-Security-Policy") + ";"
    finally:
        listed.shutdown()
        listed.server_close()
    assert serve.main(["--port", "0", "--host-origin", "https://*.example"]) == 2  # refused before serving


def test_a_browser_hanging_up_mid_response_is_not_reported_but_a_real_failure_is(capsys):
    server = serve.make_server("127.0.0.1", 0, quiet=True)
    server.server_close()
    for hung_up in (ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(32, "Broken pipe")):
        try:
            raise hung_up
        except OSError:
            server.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""
    try:
        raise ValueError("a bug in a handler")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 50000))
    assert "ValueError: a bug in a handler" in capsys.readouterr().err
