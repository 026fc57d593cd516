"""Developer machine: debug on and a throwaway secret unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-local-development-key")
os.environ.setdefault("DJANGO_DEBUG", "1")
# Without a mail server of their own, developers read the emails in the worker's output.
os.environ.setdefault("EMAIL_URL", "consolemail://")

from .base import *  # noqa: E402,F403
