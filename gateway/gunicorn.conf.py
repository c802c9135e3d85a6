"""gunicorn settings for the gateway:

    gunicorn -c gateway/gunicorn.conf.py 'gateway.app:create_app()'

Environment: ``LIUDONG_GATEWAY_BIND`` [127.0.0.1:8000], ``LIUDONG_GATEWAY_WORKERS``
[2], ``LIUDONG_GATEWAY_THREADS`` [4], ``LIUDONG_GATEWAY_LOG_LEVEL`` [info], plus
the application's own (see ``gateway.app``; ``LIUDONG_TOKEN_SECRET`` is required).

Each worker builds the app and runs the access database's migrations under a
lock (``gateway.access.store``), so workers starting together do not race.
With the default ``memory://`` rate-limit storage each worker counts on its own.
"""
import logging
import os

from gateway.logs import redact_handlers

bind = os.environ.get("LIUDONG_GATEWAY_BIND", "127.0.0.1:8000")
wsgi_app = "gateway.app:create_app()"

# Threads, because a request mostly waits on RabbitMQ; each thread keeps its own
# broker connection and exclusive reply queue (gateway.rpc), so threads x workers
# (plus the readiness pool's threads) is about the number this gateway holds.
worker_class = "gthread"
workers = int(os.environ.get("LIUDONG_GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("LIUDONG_GATEWAY_THREADS", "4"))

# An RPC gives up after LIUDONG_RPC_TIMEOUT (4 s), so 15 s lets in-flight
# requests finish on a restart, and 30 s of silence means a worker is stuck.
graceful_timeout = 15
timeout = 30
keepalive = 5

# gunicorn 27 opens a control socket at one path per user by default, so two
# gateways on a machine (or a test run beside a dev server) would take it from
# each other; nothing here uses gunicornc.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LIUDONG_GATEWAY_LOG_LEVEL", "info")
# The path without its query string (%(U)s, never %(r)s or %(q)s), no referer,
# and the request id that audit records carry. Personal data is never sent in
# a URL (lookups by ID number are POST bodies), and this keeps it that way
# even when a client puts it there.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}o)s'


def post_worker_init(worker):
    # The gateway logs under "gateway"; send it where gunicorn's own errors go.
    gunicorn_log = logging.getLogger("gunicorn.error")
    gateway_log = logging.getLogger("gateway")
    gateway_log.handlers = gunicorn_log.handlers
    gateway_log.setLevel(gunicorn_log.level)
    gateway_log.propagate = False
    # Whatever reaches gunicorn's handlers (its errors, the access log, the
    # gateway's own) has ID numbers and phone numbers redacted (gateway.logs).
    redact_handlers(gunicorn_log, logging.getLogger("gunicorn.access"))


def worker_exit(server, worker):
    # Close each thread's broker connection properly, rather than leaving the
    # broker to find dropped sockets (and log each one as an unexpected close).
    app = getattr(worker, "wsgi", None)
    extensions = getattr(app, "extensions", {})
    rpc = extensions.get("liudong.rpc")
    if rpc is not None and hasattr(rpc, "close"):
        rpc.close()
    access = extensions.get("liudong.access")
    if access is not None:
        access.store.dispose()
