"""Test runs: fast hashing, in-memory email, same database selection as base."""

import tempfile

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-key-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test runs a real worker and reads its mail from files.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_ALLOWED = True
# Work queued from a test runs in the test. A real worker is started only by tests that send
# their tasks by name, to Redis (marked `celery`) or to the embedded broker on a temporary
# SQLite file (tests/test_embedded_broker.py), which they name in CELERY_BROKER_URL.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=CELERY_BROKER_URL)  # noqa: F405
if CELERY_BROKER_URL.startswith("sqla+"):
    # kombu's SQLAlchemy transport: its options are create_engine()'s, and it has no fan-out.
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
MEDIA_ROOT = tempfile.mkdtemp(prefix="hotro-test-media-")  # uploads never land in the tree
WHITENOISE_AUTOREFRESH = True  # tests never run collectstatic: look files up per request
INSTALLED_APPS = [*INSTALLED_APPS, "tests.declared"]  # noqa: F405 (a process that only declares)
