"""Settings shared by every environment; values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_bootstrap5",
    "django_filters",
    "viewflow",
    "viewflow.workflow",
    "agencies",
    "workflows.core",
    "workflows.aid_requests",
    "workflows.reporting",
    "workflows.commendations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstLocaleMiddleware",
    # before anything reads the body (CSRF reads POST)
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # inside sessions, language, CSRF and auth: the 405 page is rendered in the site's frame
    "config.middleware.MethodNotAllowedPageMiddleware",
    # last: turns a lockout flagged by the backend into the lockout page
    "axes.middleware.AxesMiddleware",
]
# A form refused by the CSRF check gets the site's own page, in the reader's language.
CSRF_FAILURE_VIEW = "config.csrf.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.context_processors.memberships",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "config.security.LockoutBackend",  # first: a locked-out sign-in never reaches a password
    "django.contrib.auth.backends.ModelBackend",
    "agencies.auth_backends.MembershipBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # the demo accounts' published password, unless DEMO_ALLOWED
    {"NAME": "config.security.NotDemoPasswordValidator"},
]

# Sign-in lockout (django-axes, database handler: works without Redis). After
# AXES_FAILURE_LIMIT failures for one username, or from one address, further attempts are
# refused (429, registration/locked_out.html) for AXES_COOLOFF_TIME, on /accounts/login/ and
# /admin/login/ alike; a success resets the count. Admins see and delete attempts in the admin.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the cool-off is what README says
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_USERNAME_CALLABLE = "config.security.attempt_username"  # cut to axes' column
# Reverse proxies in front of the web process that append to X-Forwarded-For (0: none, the
# address is REMOTE_ADDR). Production assumes one (README.md, Production).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXIES", default=0)
# Password reset e-mails: at most 5 per client address and per e-mail address an hour.
PASSWORD_RESET_RATE = (5, 3600)

# Security headers. No CDN, no inline script or style (templates and the admin): everything
# from this origin. Permissions-Policy: no powerful browser feature is used.
CONTENT_SECURITY_POLICY: dict[str, dict[str, list[str]]] | None = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws its small icons (menu toggler, select arrow, close) as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# Request size. Attachments are at most 10 MB each (workflows.core.attachments); one request,
# files included, at most REQUEST_MAX_BYTES (413 above it, config.middleware). Form fields
# other than files: Django's 2.5 MB and 1,000 fields; files above 2.5 MB stream to disk.
REQUEST_MAX_BYTES = env.int("DJANGO_REQUEST_MAX_MB", default=25) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Vietnamese first, English on request; every deadline is read in Vietnam time
# (docs/architecture.md, Time).
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Redis when REDIS_URL is set; otherwise Celery runs tasks eagerly (but on a laptop: the embedded
# broker of config.settings.local) and the cache is in-process.
# The cache forgives an outage (config.cache): a miss, not an error, within half a second.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
CELERY_BROKER_URL = REDIS_URL or "memory://"
# A Redis that is gone, or hangs without closing the connection, makes a publish fail within
# about two seconds instead of holding the web request for ever (kombu waits without limit by
# default). The worker's blocking reads poll every second, well inside socket_timeout.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
# A message a worker took and never acknowledged (acks late: the worker died mid-task) goes back
# to the queue after visibility_timeout, one hour by default. Twenty minutes is more than a task
# may run (CELERY_TASK_TIME_LIMIT) plus the longest retry wait a worker holds a message
# unacknowledged (retry_backoff_max in workflows.core.tasks.RETRY), so a task still running or
# waiting to retry is never handed to a second worker. Every task may run twice without harm
# (docs/operations.md, "Background work: redelivery").
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1.0,
    "socket_timeout": 5.0,
    "visibility_timeout": 1200,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # viewflow timers (review steps waiting too long); notifications an earlier run left unsent
    "fire-workflow-timers": {"task": "workflows.core.tasks.fire_timers", "schedule": 60.0},
    "send-notifications": {"task": "workflows.core.tasks.send_notifications", "schedule": 600.0},
    # reporting duties from plan data once a day; reminders and overdue escalation every hour
    "generate-obligations": {
        "task": "workflows.reporting.tasks.generate_obligations",
        "schedule": crontab(minute=10, hour=0),
    },
    "scan-obligations": {
        "task": "workflows.reporting.tasks.scan_obligations",
        "schedule": crontab(minute=20),
    },
    # tasks taken by people whose membership has ended go back to their unit's queue, daily
    "move-work-of-ended-units": {
        "task": "workflows.core.tasks.move_work_of_ended_units",
        "schedule": crontab(minute=10, hour=0),
    },
    "release-departed-tasks": {
        "task": "workflows.core.tasks.release_departed_tasks",
        "schedule": crontab(minute=15, hour=0),
    },
}

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# Links in emails point here.
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000")

# `seed_demo` creates users with a published password: only settings for a laptop or tests
# turn this on.
DEMO_ALLOWED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
