"""Gunicorn settings for Servicedesk: ``gunicorn -c packaging/gunicorn.conf.py wsgi:app``.

Threaded workers (gthread): requests mostly wait on the database, so a few processes with several
threads each serve many users in little memory. Every value can be changed from the environment:

  SERVICEDESK_BIND               address to listen on (default 127.0.0.1:8000; put nginx in front)
  SERVICEDESK_WORKERS            worker processes (default: 2 x CPU cores + 1, at most 8)
  SERVICEDESK_THREADS            threads per worker (default 4)
  SERVICEDESK_TIMEOUT            seconds before a silent worker is restarted (default 60)
  SERVICEDESK_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-* (default 127.0.0.1)
  SERVICEDESK_GUNICORN_ACCESS_LOG  access log: "-" (default, stdout: the journal) or a file

Under systemd (packaging/systemd/servicedesk.service, Type=notify) gunicorn tells systemd when it is
ready to serve, and keeps its control socket in the unit's runtime directory (/run/servicedesk).

The app itself reads SERVICEDESK_CONFIG and SERVICEDESK_* (config/servicedesk.example.cfg). With
SCHEDULER_ENABLED every worker starts a scheduler, and the leader lock lets exactly one run the jobs.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("SERVICEDESK_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = _int("SERVICEDESK_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("SERVICEDESK_THREADS", 4)
timeout = _int("SERVICEDESK_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage; jitter avoids all at once.
max_requests = 5000
max_requests_jitter = 500
# Each worker builds its own app, database pool and scheduler after the fork.
preload_app = False
forwarded_allow_ips = os.environ.get("SERVICEDESK_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Headers and request lines beyond these limits are refused before they reach the app.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# "-": the journal under systemd. A file path (under /var/log/servicedesk, which the unit makes
# writable and packaging/logrotate/servicedesk rotates) keeps the access log apart.
accesslog = os.environ.get("SERVICEDESK_GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("SERVICEDESK_GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "servicedesk"
# Gunicorn releases that have a control socket (``gunicornc``) would otherwise open it under
# $HOME/.gunicorn, which the hardened unit makes read-only: keep it in the runtime directory that
# systemd creates (RuntimeDirectory=servicedesk sets $RUNTIME_DIRECTORY). Releases without that
# setting ignore the name.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")


def on_starting(server):
    """Request metrics are kept in files shared by the workers (prometheus-client multiprocess mode),
    so a scrape answered by any worker counts the requests of all of them, recycled ones included."""
    from app.ops.multiprocess import prepare_multiprocess_dir

    prepare_multiprocess_dir()
