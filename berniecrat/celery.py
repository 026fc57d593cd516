"""Celery application, configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berniecrat.settings.local")

app = Celery("berniecrat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def recycle_database_connections(**kwargs) -> None:
    """Around every task, what Django does around every request: close a connection that
    failed or is older than CONN_MAX_AGE, keep a healthy one (CELERY_DB_REUSE_MAX)."""
    from django.db import close_old_connections

    close_old_connections()
