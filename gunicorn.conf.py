"""gunicorn settings for production: `gunicorn 'lms:create_app()'` picks this file up from the working directory.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or the variables below.
"""

import multiprocessing
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
# Sync workers: the application is synchronous; two per core plus one is gunicorn's own advice.
workers = int(os.environ.get("LMS_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("LMS_WORKER_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that memory can never creep.
max_requests = 2000
max_requests_jitter = 200
# Behind nginx: trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the application logs every request itself, as JSON with the request id
errorlog = "-"
loglevel = "info"
