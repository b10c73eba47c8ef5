"""The nginx site: `nginx -t` accepts it, its upload limit matches the app's, and a real nginx on free
ports serves the real app (gunicorn with packaging/gunicorn.conf.py) over TLS with HSTS, redirects
plain HTTP and refuses oversized bodies before they reach the app."""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.config import DEFAULTS

from ..servers import free_port
from .conftest import PACKAGING, require, run

SITE = PACKAGING / "nginx" / "servicedesk.conf"
NGINX = "/usr/sbin/nginx"


def site_for_test(tmp_path: Path, http_port: int, https_port: int, app_port: int) -> Path:
    """The shipped site (without its comments) with only the certificate paths, the ports and the app
    address changed."""
    text = "\n".join(line for line in SITE.read_text().splitlines() if not line.lstrip().startswith("#"))
    replacements = {
        "/etc/servicedesk/tls/servicedesk.crt": str(tmp_path / "servicedesk.crt"),
        "/etc/servicedesk/tls/servicedesk.key": str(tmp_path / "servicedesk.key"),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    site = tmp_path / "site.conf"
    site.write_text(text)
    return site


def main_config(tmp_path: Path, site: Path) -> Path:
    temp = "\n".join(f"  {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    config = tmp_path / "nginx.conf"
    config.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  access_log {tmp_path}/access.log;
{temp}
  include {site};
}}
""")
    return config


def make_certificate(tmp_path: Path) -> Path:
    require("openssl")
    if not Path(NGINX).exists():
        pytest.skip("needs nginx (packaging/dev/run-tests.sh installs it)")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(tmp_path / "servicedesk.key"),
         "-out", str(tmp_path / "servicedesk.crt")])
    return tmp_path / "servicedesk.crt"


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(tmp_path)


def test_nginx_accepts_the_site(certificate, tmp_path):
    config = main_config(tmp_path, site_for_test(tmp_path, free_port(), free_port(), free_port()))
    result = run([NGINX, "-t", "-c", str(config), "-e", str(tmp_path / "error.log")])
    assert "test is successful" in result.stderr


def test_nginx_refuses_a_site_whose_certificate_is_missing(certificate, tmp_path):
    config = main_config(tmp_path, site_for_test(tmp_path, free_port(), free_port(), free_port()))
    certificate.unlink()
    result = subprocess.run([NGINX, "-t", "-c", str(config), "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "servicedesk.crt" in result.stderr


def test_upload_limit_matches_the_apps_request_limit():
    size = re.search(r"^\s*client_max_body_size\s+(\d+)m;", SITE.read_text(), re.M)
    assert size, "client_max_body_size in MiB"
    limit = int(size.group(1)) * 1024 * 1024
    assert limit == DEFAULTS["MAX_REQUEST_BYTES"]
    assert limit >= DEFAULTS["MAX_ATTACHMENT_BYTES"]


def test_metrics_are_only_served_to_this_host():
    block = re.search(r"location = /metrics \{(.*?)\}", SITE.read_text(), re.S).group(1)
    assert "allow 127.0.0.1;" in block and "deny all;" in block


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The real app under gunicorn with the shipped gunicorn.conf.py, on a free port."""
    tmp_path = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {**os.environ, "SERVICEDESK_DATABASE_URL": f"sqlite:///{tmp_path}/servicedesk.db",
           "SERVICEDESK_DATA_DIR": str(tmp_path), "SERVICEDESK_SECRET_KEY": "n" * 32,
           "SERVICEDESK_BIND": f"127.0.0.1:{port}", "SERVICEDESK_WORKERS": "1", "SERVICEDESK_THREADS": "2",
           "SERVICEDESK_CONFIG": ""}
    bin_dir = Path(sys.executable).parent
    run([str(bin_dir / "servicedesk"), "init"], env=env, timeout=300)
    with open(tmp_path / "gunicorn.log", "w") as log:
        process = subprocess.Popen([str(bin_dir / "gunicorn"), "-c", str(PACKAGING / "gunicorn.conf.py"),
                                    "app:create_app()"], env=env, stdout=log, stderr=log)
        try:
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def nginx(app_server, tmp_path_factory):
    """nginx with the shipped site in front of app_server; yields (http port, https port, its directory)."""
    tmp_path = tmp_path_factory.mktemp("nginx")
    make_certificate(tmp_path)
    http_port, https_port = free_port(), free_port()
    config = main_config(tmp_path, site_for_test(tmp_path, http_port, https_port, app_server))
    process = subprocess.Popen([NGINX, "-c", str(config), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield http_port, https_port, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def https(port: int, certificate: Path) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(certificate))
    return http.client.HTTPSConnection("localhost", port, context=context, timeout=30)


def wait_for(connect, path="/auth/login", seconds=60) -> http.client.HTTPResponse:
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = connect()
            conn.request("GET", path)
            response = conn.getresponse()
            if response.status != 502 or time.monotonic() > deadline:  # 502: gunicorn not up yet
                return response
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def test_serves_the_app_over_tls_and_redirects_plain_http(nginx):
    http_port, https_port, directory = nginx
    certificate = directory / "servicedesk.crt"
    response = wait_for(lambda: https(https_port, certificate))
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert "nginx/" not in (response.getheader("Server") or "")
    assert b"<form" in response.read()
    conn = https(https_port, certificate)
    conn.request("GET", "/healthz")
    health = conn.getresponse()
    assert health.status == 200 and json.loads(health.read()) == {"status": "ok"}

    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    plain.request("GET", "/tickets/?q=x", headers={"Host": "servicedesk.example.org"})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://servicedesk.example.org/tickets/?q=x"


def test_refuses_a_body_over_the_limit_before_the_app(nginx):
    _, https_port, directory = nginx
    certificate = directory / "servicedesk.crt"
    assert wait_for(lambda: https(https_port, certificate)).status == 200
    conn = https(https_port, certificate)
    conn.putrequest("POST", "/portal/tickets/new")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(DEFAULTS["MAX_REQUEST_BYTES"] + 1))
    conn.endheaders()
    assert conn.getresponse().status == 413
    assert "client intended to send too large body" in (directory / "error.log").read_text()
