"""manage.py in a checkout takes the checkout's settings; a production server refuses to
start without its own, in one line.

Each case runs a real process with the site's settings variables removed. manage.py is
copied into a temporary directory that stands for the checkout (with or without a
.secret-key), so the real checkout's .secret-key is never read, made or removed.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SECRET = "a-checkout-secret-key-for-this-test-only-" + "x" * 20
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-production-secret-key-for-this-test-only-" + "y" * 20,
    "DJANGO_ALLOWED_HOSTS": "glossary.example.org",
    "KB_SITE_URL": "https://glossary.example.org",
}


def bare_environment(tmp_path, **values):
    """This process's environment without the site's settings (the test settings put some
    there), with the given ones, a database of its own and the repository importable."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KB_")) and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["PYTHONPATH"] = str(REPO)
    env.update(values)
    return env


def without(name):
    return {key: value for key, value in PRODUCTION.items() if key != name}


@pytest.fixture
def checkout(tmp_path):
    """A checkout before `make setup`: manage.py and no .secret-key."""
    directory = tmp_path / "checkout"
    directory.mkdir()
    shutil.copy(REPO / "manage.py", directory / "manage.py")
    return directory


@pytest.fixture
def set_up_checkout(checkout):
    """A checkout after `make setup`: it has its .secret-key."""
    (checkout / ".secret-key").write_text(SECRET + "\n")
    return checkout


def manage(checkout, *args, **values):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=checkout,
        env=bare_environment(checkout.parent, **values),
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(result, *phrases):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for phrase in phrases:
        assert phrase in lines[0]


SHOW_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECRET_KEY, ','.join(s.ALLOWED_HOSTS), s.SITE_URL, s.SECURE_SSL_REDIRECT)"
)


def test_manage_py_runs_after_setup_with_nothing_exported(set_up_checkout):
    result = manage(set_up_checkout, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_manage_py_uses_the_checkouts_secret_loopback_hosts_and_plain_http(set_up_checkout):
    result = manage(set_up_checkout, "shell", "-v", "0", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        SECRET,
        "127.0.0.1,localhost,[::1]",
        "http://127.0.0.1:8000",
        "False",
    ]


def test_values_in_the_environment_win_over_the_checkouts(set_up_checkout):
    hosts_and_address = without("DJANGO_SECRET_KEY")
    result = manage(set_up_checkout, "shell", "-v", "0", "-c", SHOW_SETTINGS, **hosts_and_address)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        SECRET,
        "glossary.example.org",
        "https://glossary.example.org",
        "False",
    ]


def test_an_environment_with_its_own_secret_takes_nothing_from_the_checkout(set_up_checkout):
    result = manage(set_up_checkout, "shell", "-v", "0", "-c", SHOW_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        PRODUCTION["DJANGO_SECRET_KEY"],
        "glossary.example.org",
        "https://glossary.example.org",
        "True",  # production's HTTPS redirect, not the checkout's plain HTTP
    ]
    result = manage(set_up_checkout, "check", **without("DJANGO_ALLOWED_HOSTS"))
    assert_one_line_error(result, "DJANGO_ALLOWED_HOSTS is not set")


def test_before_setup_manage_py_says_to_run_make_setup(checkout):
    assert_one_line_error(manage(checkout, "check"), "DJANGO_SECRET_KEY", "make setup")


@pytest.mark.parametrize(
    "name, value, phrase",
    [
        ("KB_SITE_URL", "glossary.example.org", "KB_SITE_URL must be a scheme and host"),
        ("DJANGO_TIME_ZONE", "Mars/Olympus_Mons", "DJANGO_TIME_ZONE must be a time zone"),
        ("KB_VIEW_BUFFER_MAX", "lots", "KB_VIEW_BUFFER_MAX must be a number"),
        ("KB_READER_DATA_DAYS", "0", "KB_READER_DATA_DAYS must be 1 or more, not 0"),
        ("KB_CRISIS_LINES", '[{"name": ', "KB_CRISIS_LINES is not valid JSON"),
        ("DATABASE_URL", "nosuchdb://user:hunter2@db/kb", "DATABASE_URL is not a database"),
    ],
)
def test_a_malformed_setting_is_one_line(set_up_checkout, name, value, phrase):
    result = manage(set_up_checkout, "check", **{name: value})
    assert_one_line_error(result, phrase)
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("missing", list(PRODUCTION))
def test_production_refuses_to_start_without_a_required_setting(set_up_checkout, missing):
    """The WSGI application never takes the checkout's values, even from inside one."""
    result = subprocess.run(
        [sys.executable, "-c", "import knowledgebase.wsgi"],
        cwd=set_up_checkout,
        env=bare_environment(set_up_checkout.parent, **without(missing)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line_error(result, f"{missing} is not set")


def test_production_starts_with_its_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import knowledgebase.wsgi"],
        cwd=tmp_path,
        env=bare_environment(tmp_path, **PRODUCTION),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "config",
    [[], ["-c", str(REPO / "knowledgebase" / "gunicorn.conf.py")]],
    ids=["workers-load-the-app", "preloaded-as-make-serve-runs-it"],
)
def test_gunicorn_stops_with_the_one_line_reason(tmp_path, config):
    """A worker that can't load the application stops gunicorn (not worker after worker)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), *config, "knowledgebase.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=tmp_path,
        env=bare_environment(tmp_path, **without("DJANGO_SECRET_KEY")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "error: DJANGO_SECRET_KEY is not set" in result.stderr
