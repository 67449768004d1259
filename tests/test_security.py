"""Production settings, security headers, admin hardening, revisions, backups (health:
test_health.py)."""

import os
import secrets
import subprocess
import sys
from datetime import datetime

import pytest
import reversion
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from reversion.models import Version

from articles.models import Entry, ExpertQuote, KeyPoint
from tests.forms import entry_form_data

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "knowledgebase.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "glossary.example.org",
    "KB_SITE_URL": "https://glossary.example.org",
    "DATABASE_URL": "sqlite:////tmp/kb-deploy-check.sqlite3",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "KB_SITE_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    # The production entry point: manage.py in a checkout would use the checkout's values.
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import knowledgebase.wsgi"],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"), [("DJANGO_CONN_MAX_AGE", "a minute"), ("KB_VIEW_FLUSH_SECONDS", "-1")]
)
def test_a_bad_number_in_the_environment_is_named(name, value):
    result = manage("check", env=PRODUCTION_ENV | {name: value})
    assert result.returncode != 0
    assert f"{name} must " in result.stderr and repr(value) in result.stderr


def test_production_redirects_to_https_and_sends_hsts(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/terms/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = client.get("/terms/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    # Health checks from the load balancer are not redirected.
    assert client.get("/healthz").status_code == 200


PAGES = [
    "/",
    "/terms/",
    "/terms/peer-support/",
    "/categories/community-support/",
    "/search/?q=peer",
    "/search/suggest/?q=pee",
    "/feed/",
    "/sitemap.xml",
    "/robots.txt",
    "/terms/no-such-entry/",
    "/admin/login/",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page_type(client, make_entry, make_category, path):
    category = make_category(slug="community-support")
    make_entry(title="Peer Support", slug="peer-support", category=category)
    response = client.get(path)
    assert response.status_code in (200, 404)
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_pages_have_no_inline_script_or_style(client, make_entry):
    make_entry(slug="plain", key_points=["One"], quotes=[("Said.", "Peer worker")])
    for path in ("/", "/terms/", "/terms/plain/", "/search/?q=term", "/admin/login/"):
        html = client.get(path).content.decode()
        for tag in ("<script>", '<script type="text/javascript">', "<style", " style="):
            assert tag not in html, (path, tag)


# Admin hardening


def test_failed_logins_lock_the_account_out(client, db):
    User.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            "/admin/login/", {"username": "editor", "password": "wrong-password"}
        )
        # The login form again, with an error; the last failure locks the account.
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    locked = client.post(
        "/admin/login/", {"username": "editor", "password": "a-long-test-password"}
    )
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session
    reset(username="editor")
    ok = client.post("/admin/login/", {"username": "editor", "password": "a-long-test-password"})
    assert ok.status_code == 302 and "_auth_user_id" in client.session


def test_weak_passwords_are_refused(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "12345678", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_editors_cannot_manage_accounts_or_escalate(client, editor):
    client.force_login(editor)
    for path in (
        "/admin/auth/user/",
        f"/admin/auth/user/{editor.pk}/change/",
        "/admin/auth/group/",
        "/admin/auth/user/add/",
        "/admin/axes/accessattempt/",
    ):
        assert client.get(path).status_code == 403, path
    response = client.post(
        f"/admin/auth/user/{editor.pk}/change/", {"username": "editor", "is_superuser": "on"}
    )
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser
    assert client.get("/admin/articles/entry/").status_code == 200


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


# Nothing lost: revisions


def test_editor_restores_an_earlier_version(client, editor, make_entry):
    client.force_login(editor)
    article = make_entry(title="Craving", slug="craving", definition="The first wording.")
    url = f"/admin/articles/entry/{article.pk}/change/"
    assert client.post(url, entry_form_data(article)).status_code == 302  # revision 1
    response = client.post(url, entry_form_data(article, definition="A careless rewrite."))
    assert response.status_code == 302  # revision 2
    versions = Version.objects.get_for_object(article)
    assert len(versions) == 2
    assert versions[0].revision.user == editor
    history = client.get(f"/admin/articles/entry/{article.pk}/history/")
    assert history.status_code == 200 and b"editor" in history.content

    earlier = versions[1]
    revert_url = f"/admin/articles/entry/{article.pk}/history/{earlier.pk}/"
    form = client.get(revert_url)
    assert form.status_code == 200 and b"The first wording." in form.content
    # The revert form starts from the entry as it is now (the careless rewrite).
    base = form.context["adminform"].form["edit_base"].value()
    data = entry_form_data(article, definition="The first wording.", edit_base=base)
    assert client.post(revert_url, data).status_code == 302
    article.refresh_from_db()
    assert article.definition == "The first wording."
    client.logout()
    assert b"The first wording." in client.get("/terms/craving/").content


def test_editor_recovers_a_deleted_entry_with_its_parts(client, editor, make_entry):
    client.force_login(editor)
    article = make_entry(
        title="Urge Surfing",
        slug="urge-surfing",
        key_points=["Urges pass."],
        quotes=[("Ride it out.", "Counselor")],
    )
    url = f"/admin/articles/entry/{article.pk}/change/"
    data = entry_form_data(
        article,
        **{
            "key_points-TOTAL_FORMS": "1",
            "key_points-INITIAL_FORMS": "1",
            "key_points-0-id": str(article.key_points.get().pk),
            "key_points-0-article": str(article.pk),
            "key_points-0-text": "Urges pass.",
            "key_points-0-order": "1",
            "quotes-TOTAL_FORMS": "1",
            "quotes-INITIAL_FORMS": "1",
            "quotes-0-id": str(article.quotes.get().pk),
            "quotes-0-article": str(article.pk),
            "quotes-0-text": "Ride it out.",
            "quotes-0-attribution": "Counselor",
            "quotes-0-kind": "clinician",
            "quotes-0-order": "1",
        },
    )
    assert client.post(url, data).status_code == 302
    delete = client.post(f"/admin/articles/entry/{article.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 302
    assert not Entry.objects.filter(pk=article.pk).exists()
    client.logout()
    assert client.get("/terms/urge-surfing/").status_code == 410
    client.force_login(editor)

    recover_list = client.get("/admin/articles/entry/recover/")
    assert recover_list.status_code == 200 and b"Urge Surfing" in recover_list.content
    version = Version.objects.get_deleted(Entry).get(object_id=str(article.pk))
    recover_url = f"/admin/articles/entry/recover/{version.pk}/"
    assert client.get(recover_url).status_code == 200
    assert client.post(recover_url, data).status_code == 302
    restored = Entry.objects.get(slug="urge-surfing")
    assert list(restored.key_points.values_list("text", flat=True)) == ["Urges pass."]
    assert list(restored.quotes.values_list("attribution", flat=True)) == ["Counselor"]
    client.logout()
    assert client.get("/terms/urge-surfing/").status_code == 200


# Nothing lost: backup and restore


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_restores_losslessly_into_an_empty_database(tmp_path, client):
    editor = User.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    call_command("load_demo_content", verbosity=0)
    first = Entry.objects.order_by("pk").first()
    first.delete()  # a gap in the primary keys, and a removed-entry record
    renamed = Entry.objects.get(slug="relapse")
    with reversion.create_revision():
        reversion.set_user(editor)
        renamed.slug = "relapse-explained"
        renamed.save()
    backup = tmp_path / "backup.json"
    call_command(
        "dumpdata", "--natural-foreign", "--natural-primary", "--output", str(backup),
        verbosity=0,
    )  # fmt: skip

    def to_the_millisecond(row):
        # Django's JSON format keeps times to the millisecond.
        return {
            key: value.replace(microsecond=value.microsecond // 1000 * 1000)
            if isinstance(value, datetime) else value
            for key, value in row.items()
        }  # fmt: skip

    def snapshot():
        return {
            "articles": [to_the_millisecond(row) for row in Entry.objects.order_by("pk").values()],
            "related": sorted(
                Entry.related.through.objects.values_list("from_entry_id", "to_entry_id")
            ),  # fmt: skip
            "key_points": list(KeyPoint.objects.order_by("pk").values()),
            "quotes": list(ExpertQuote.objects.order_by("pk").values()),
            "users": list(User.objects.values_list("username", "password", "is_staff")),
            "moved": client.get("/terms/relapse/")["Location"],
            "gone": client.get(f"/terms/{first.slug}/").status_code,
            "history": [
                (v.object_id, v.revision.user.username, v.field_dict["slug"])
                for v in Version.objects.get_for_object(Entry.objects.get(pk=renamed.pk))
            ],
            # Last: reading a page counts a view.
            "pages": {
                path: client.get(path).content
                for path in ("/terms/", "/terms/peer-support/", "/search/?q=relapes")
            },
        }

    before = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    assert not Entry.objects.exists()
    call_command("loaddata", str(backup), verbosity=0)
    after = snapshot()
    for key in before:
        assert after[key] == before[key], key
