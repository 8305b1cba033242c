"""Developer machine: debug on, a fixed non-secret key, SQLite unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-key-not-for-production")
DEMO_ALLOWED = True
# Django's debug pages use inline styles and scripts: on a laptop the policy only reports
# (browser console), so that a violation shows without hiding the traceback.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY = None
