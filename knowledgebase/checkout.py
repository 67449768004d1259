"""The settings of a checkout run on this machine, for what the environment leaves unset.

manage.py fills them in itself when the environment has no secret key of its own (one that
has is a deployment's, used as it is); `make run` and `make serve` start through
`python -m knowledgebase.checkout`, so all take them from here. A production server
(knowledgebase/wsgi.py) never does: it refuses to start without its own values.

- DJANGO_SECRET_KEY: the checkout's own, in .secret-key (git-ignored; `make setup` makes it).
- DJANGO_ALLOWED_HOSTS: the loopback names.
- KB_SITE_URL: the address `make run` serves on.
- DJANGO_SECURE_SSL_REDIRECT=0: plain HTTP on loopback (`--https` keeps the production
  default, for `make serve`).
"""

import argparse
import os
from pathlib import Path

CHECKOUT_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = ".secret-key"
LOOPBACK_HOSTS = "127.0.0.1,localhost,[::1]"
SITE_URL = "http://127.0.0.1:8000"


def local_settings(checkout_dir=CHECKOUT_DIR, https=False, site_url=SITE_URL):
    """The checkout's values, by environment variable (no secret key before `make setup`)."""
    values = {"DJANGO_ALLOWED_HOSTS": LOOPBACK_HOSTS, "KB_SITE_URL": site_url}
    if not https:
        values["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    secret_key_file = Path(checkout_dir) / SECRET_KEY_FILE
    if secret_key_file.exists():
        values["DJANGO_SECRET_KEY"] = secret_key_file.read_text().strip()
    return values


def use_local_settings(environ, checkout_dir=CHECKOUT_DIR, https=False, site_url=SITE_URL):
    """Fill in the checkout's values where `environ` has none (a set value always wins)."""
    for name, value in local_settings(checkout_dir, https, site_url).items():
        if not environ.get(name, "").strip():
            environ[name] = value


def missing_secret_key(environ, checkout_dir=CHECKOUT_DIR):
    """What to do when there is no secret key because the checkout isn't set up, or ''."""
    if environ.get("DJANGO_SECRET_KEY", "").strip():
        return ""
    if (Path(checkout_dir) / SECRET_KEY_FILE).exists():
        return ""
    return (
        f"DJANGO_SECRET_KEY is not set and this checkout has no {SECRET_KEY_FILE} yet: "
        "run `make setup` (it makes one), or set DJANGO_SECRET_KEY"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m knowledgebase.checkout",
        description="Run a command with the checkout's settings where the environment has none.",
    )
    parser.add_argument("--https", action="store_true", help="keep the HTTPS redirect on")
    parser.add_argument("--site-url", default=SITE_URL, help=f"KB_SITE_URL (default {SITE_URL})")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command and its arguments")
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("a command to run is required")
    use_local_settings(os.environ, https=args.https, site_url=args.site_url)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main()
