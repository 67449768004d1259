"""Static files as served in production: our CSS and JavaScript minified (rcssmin,
rjsmin), then hashed and compressed (gzip and brotli) by WhiteNoise."""

import rcssmin
import rjsmin
from whitenoise.storage import CompressedManifestStaticFilesStorage

MINIFIERS = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}
OURS = ("css/", "js/")  # files from static/, not Django admin's


class MinifiedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def post_process(self, paths, dry_run=False, **options):
        paths = dict(paths)
        if not dry_run:
            for name in list(paths):
                minify = MINIFIERS.get(name[name.rfind(".") :])
                if minify and name.startswith(OURS):
                    path = self.path(name)
                    with open(path, encoding="utf-8") as source:
                        text = source.read()
                    with open(path, "w", encoding="utf-8") as target:
                        target.write(minify(text))
                    # Hash and compress the minified copy, not the original in static/.
                    paths[name] = (self, name)
        yield from super().post_process(paths, dry_run, **options)
