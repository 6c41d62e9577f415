"""Local development and `make run`: embedded SQLite, debug pages, demo passwords on the login page."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
DEMO_MODE = env_bool("XIANGCUN_DEMO_MODE", True)
