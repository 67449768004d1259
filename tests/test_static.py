"""Static files as production serves them: minified, hashed, pre-compressed, cached for a
year, and within the front-end budgets (CSS under 15 KB, our JavaScript under 5 KB)."""

import json

from django.core.management import call_command
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "knowledgebase.storage.MinifiedStaticFilesStorage"},
}


def test_collectstatic_minifies_hashes_compresses_and_serves_for_a_year(tmp_path):
    with override_settings(
        STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES,
        WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False,
    ):  # fmt: skip
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
        ours = {name: tmp_path / hashed for name, hashed in manifest.items()
                if name.startswith(("css/", "js/"))}  # fmt: skip
        for name, path in ours.items():
            assert path.name != name.rsplit("/", 1)[1], f"{name} is not hashed"
            assert path.with_name(path.name + ".gz").exists(), name
            assert path.with_name(path.name + ".br").exists(), name
        css = ours["css/site.css"].stat().st_size
        js = ours["js/search.js"].stat().st_size + ours["js/reader.js"].stat().st_size
        assert css < 15_000 and js < 5_000, (css, js)
        # A term page adds its citations' Copy buttons.
        assert ours["js/cite.js"].stat().st_size < 1_000

        middleware = WhiteNoiseMiddleware(lambda request: None)
        request = RequestFactory().get(
            "/static/" + manifest["css/site.css"], HTTP_ACCEPT_ENCODING="br, gzip"
        )
        response = middleware(request)
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
        assert max_age >= 365 * 24 * 3600 and "immutable" in response["Cache-Control"]
