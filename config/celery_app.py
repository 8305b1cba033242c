"""Celery application: Redis broker when REDIS_URL is set. Without it, a laptop
(config.settings.local, `make run`) has a real worker and beat on an embedded broker, kombu's
SQLAlchemy transport on var/celery-broker.sqlite3; tests and the benchmark run tasks eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hotro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
