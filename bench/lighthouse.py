"""Lighthouse scores (mobile) for pages served by the production server (gunicorn).

    make lighthouse                       # the term page, Peer Support
    .venv/bin/python bench/lighthouse.py /terms/relapse/ /

Serves the local database (`make setup` fills it) with DEBUG off on a free port, runs
Lighthouse (from .tools/, installed by `make lighthouse`) against the system Chromium and
prints the four category scores per page. The performance score is indicative on a slow
machine; accessibility, best practices and SEO are exact.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--proxy-server=http://127.0.0.1:9 "
    '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"'
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port):
    secret = (ROOT / ".secret-key").read_text().strip() if (ROOT / ".secret-key").exists() else ""
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secret or "lighthouse-local"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KB_SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "knowledgebase.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("The server did not start.")


def scores(url):
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
             f"--chrome-flags={CHROME_FLAGS}"],
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, check=True,
        )  # fmt: skip
        data = json.loads(report.read_text())
    return {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}


def main():
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: run `make lighthouse` (it installs it into .tools/).")
    paths = sys.argv[1:] or ["/terms/peer-support/"]
    port = free_port()
    server = serve(port)
    try:
        print(f"# Lighthouse (mobile), {time.strftime('%Y-%m-%d')}")
        print("| page | performance | accessibility | best practices | SEO |")
        print("|---|---|---|---|---|")
        for path in paths:
            result = scores(f"http://127.0.0.1:{port}{path}")
            print(f"| {path} | " + " | ".join(str(result[name]) for name in CATEGORIES) + " |")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
