"""Test settings: the real settings with fast, deterministic test-only choices."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("KB_SITE_URL", "https://glossary.example.org")
# The test client speaks plain HTTP (the production HTTPS settings are tested on their own).
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from knowledgebase.settings import *  # noqa: E402,F403

# Fast hashing for the users tests create; never used outside tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests do not need collectstatic's manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: shared cache uses table locks that ignore the busy
    # timeout, so concurrent-view tests would measure the test setup, not the site.
    # KB_TEST_DB names another file, for test runs side by side in one checkout.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("KB_TEST_DB") or str(BASE_DIR / "test-db.sqlite3")  # noqa: F405
    }
elif os.environ.get("KB_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["KB_TEST_DB"]}  # noqa: F405

# Serve static files straight from static/ (no collectstatic run before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
