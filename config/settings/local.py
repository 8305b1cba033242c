"""Developer machine: debug on, a fixed non-secret key, SQLite unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CONTENT_SECURITY_POLICY, REDIS_URL, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-key-not-for-production")
DEMO_ALLOWED = True
# Django's debug pages use inline styles and scripts: on a laptop the policy only reports
# (browser console), so that a violation shows without hiding the traceback.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY = None

# Background work without Redis: a real worker and beat (`make run` starts both) on kombu's
# SQLAlchemy transport over a SQLite file, not tasks run inside web requests. The broker, the
# beat schedule and nothing else live in var/ (gitignored).
VAR_DIR = BASE_DIR / "var"
if not REDIS_URL:
    VAR_DIR.mkdir(exist_ok=True)
    CELERY_BROKER_URL = env(
        "CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
    )
    CELERY_TASK_ALWAYS_EAGER = False
    # The transport has no fan-out: no remote control, gossip or mingle between workers.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    # Its options are SQLAlchemy's create_engine() arguments: Redis's socket options do not apply.
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
