"""Local development and `make run`: embedded SQLite, debug pages, demo passwords on the login page."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
DEMO_MODE = env_bool("XIANGCUN_DEMO_MODE", True)

# WhiteNoise warns when STATIC_ROOT is missing; locally it serves from the app folders (finders).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
