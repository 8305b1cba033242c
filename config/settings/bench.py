"""Benchmark runs (`make bench`, bench/run.py): no debug, quiet logs, the plain-viewflow peer flow.

The harness points DATABASE_URL at the database it creates before Django starts."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

SECRET_KEY = "bench-key-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]  # P2 goes through the test client
INSTALLED_APPS = [*INSTALLED_APPS, "bench.baseline_flow"]
# Generated officers never log in with a password; hashing would only slow the generator.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The benchmark never runs collectstatic: WhiteNoise looks files up when asked (as in tests).
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# The generator makes the Ninh Thuận officers with `seed_demo`, the product's own way; the
# benchmark database is dropped at the end of the run.
DEMO_ALLOWED = True
