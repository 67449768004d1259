#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Run in a checkout with no DJANGO_SECRET_KEY in the environment, it uses the checkout's
settings for what the environment doesn't set (knowledgebase/checkout.py: the secret in
.secret-key that `make setup` makes, loopback hosts, http://127.0.0.1:8000, plain HTTP),
as `make run` does.
"""

import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgebase.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from knowledgebase import checkout

    checkout_dir = Path(__file__).resolve().parent
    # An environment with a secret key of its own is a deployment's (or set up by hand): it
    # is used as it is, and must be complete.
    if not os.environ.get("DJANGO_SECRET_KEY", "").strip():
        checkout.use_local_settings(os.environ, checkout_dir)
    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings here: a missing value is one line)
    except ImproperlyConfigured as error:
        message = str(error)
        if message.startswith("DJANGO_SECRET_KEY"):
            message = checkout.missing_secret_key(os.environ, checkout_dir) or message
        sys.exit(f"error: {message}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
