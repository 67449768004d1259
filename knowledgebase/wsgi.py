"""WSGI entry point, used by gunicorn: `gunicorn knowledgebase.wsgi`.

Without its required settings (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, KB_SITE_URL, ...)
the server refuses to start, with one line on stderr saying which.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgebase.settings")

# The exit status of a server process that can't start. gunicorn reads 3 from a worker as
# "failed to boot" and stops, where any other status would have it start worker after worker.
CANNOT_START = 3

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.stderr.write(f"error: {error}\n")
    sys.stderr.flush()
    raise SystemExit(CANNOT_START) from None
