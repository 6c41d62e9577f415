"""Production: PostgreSQL via DATABASE_URL, a real SECRET_KEY, secure cookies."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
DEMO_MODE = env_bool("XIANGCUN_DEMO_MODE", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
