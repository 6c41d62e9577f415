"""Tests: fast hashing, SQLite unless DATABASE_URL points elsewhere (CI runs both)."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
DEMO_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="xiangcun-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="xiangcun-test-static-")
if "DATABASE_URL" not in os.environ:
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": None}
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
