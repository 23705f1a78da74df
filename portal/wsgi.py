"""WSGI entry point.

Gunicorn does not run Django's system checks, so a worker runs the deployment's own checks (portal/checks.py) before
it serves, and refuses to start on an error (e.g. several workers with a per-process cache: no working rate limit).
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.checks import rate_limits_are_shared  # noqa: E402  (needs the settings configured above)

errors = rate_limits_are_shared()
for error in errors:
    sys.stderr.write(f"配置错误 / configuration error ({error.id}): {error.msg}\n{error.hint}\n")
if errors:
    raise SystemExit(2)
