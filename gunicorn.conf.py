"""Production gunicorn configuration: ``gunicorn berniecrat.wsgi:application`` (this file is read by default).

Sized for the machines the project runs on and measured by ``make bench`` (bench/RESULTS.md).
Every value can be overridden from the environment (``GUNICORN_*``, ``WEB_CONCURRENCY``, ``PORT``).

* ``workers``: 2 x cores + 1 synchronous workers. A request is mostly Python (CPU) with
  short PostgreSQL/Redis waits between; one process per core keeps the cores busy and the
  extra ones cover those waits. More workers only add memory and context switches.
* ``worker_class = "sync"``: one request at a time per worker, the simplest model and the
  fastest for CPU-bound Django views on few cores. gunicorn expects a buffering reverse
  proxy (nginx, a cloud load balancer) in front of sync workers, which holds slow clients
  and keep-alive connections so a worker is never tied up by a slow upload.
* ``timeout = 30``: a worker silent for 30 s is killed and replaced; no request of this app
  should take more than a second (the Census Geocoder is called from Celery, never in a
  request). ``graceful_timeout``: on restart or deploy, 30 s to finish requests in flight.
* ``max_requests`` with ``max_requests_jitter``: each worker is recycled after 5,000-5,500
  requests, a guard against slow memory growth; the jitter keeps workers from restarting
  together. With ``preload_app`` a recycled worker is forked from the already-imported
  application, so a restart costs a fork, not a Django start-up (the app opens no database
  or Redis connection at import time, so nothing is shared across the fork).
* ``backlog = 2048``: connections the kernel queues while every worker is busy (a burst of
  sign-ups waits there instead of being refused); capped by ``net.core.somaxconn``.
* ``worker_tmp_dir = /dev/shm``: the workers' heartbeat files live in memory, so a slow
  disk cannot make gunicorn think a worker hung.
* ``when_ready`` and ``pre_fork``: the application, loaded once by the master (``preload_app``;
  its URLconf too, and with it every view, which Django would otherwise import in each worker
  at its first request), is moved out of the garbage collector's reach (``gc.freeze``) before
  each worker is forked.
  They live as long as the process, yet a full collection walked all of them (about 140,000
  in a worker): a 45 ms pause in the middle of whichever request triggered it, the slowest
  answers of the coverage API and of a sign-up burst (bench/findings.md, section 12). Frozen,
  a full collection walks only the worker's own objects (about 1 ms), and the workers keep
  sharing those pages with the master instead of copying them as the collector touches them.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, in memory on purpose

# Logs to stderr; an access log line per request is the proxy's job.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* (the HTTPS flag Django reads via SECURE_PROXY_SSL_HEADER) from the local proxy only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    if server.cfg.preload_app:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imported here, shared by every worker


def pre_fork(server, worker):
    gc.freeze()
