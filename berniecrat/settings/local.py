"""Developer machine: debug on and a throwaway secret unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-local-development-key")
os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: E402,F403
