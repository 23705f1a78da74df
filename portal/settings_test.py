"""Test settings: production settings with speed overrides only (fast hasher, plain static storage, no HTTPS
redirect for the test client).

django-axes stays enabled: the lockout is tested. Its database handler keeps its counters in tables that each test
rolls back, so no lockout leaks from one test into another (never switch to its cache handler here).
Signing in: tests/conftest.py makes Client.force_login pass the second sign-in step as well."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("PORTAL_BASE_URL", "http://127.0.0.1:8000")

from portal.settings import *  # noqa: E402,F403
from portal.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "portal.sms.LocmemBackend"
# 22,000 regions in every test database would slow every test; tests/portal/test_import_regions.py loads them.
REGIONS_LOAD_ON_MIGRATE = False
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
