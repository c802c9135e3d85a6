"""gunicorn settings for the read_member baseline: the gateway's own settings
(``gateway/gunicorn.conf.py``: worker class, workers, threads, keep-alive,
timeouts, access log) read from that file, so the two always match; only the
address differs (``BENCH_BASELINE_BIND``) and the gateway's logging hooks are
left out."""
import os
import runpy
from pathlib import Path

_gateway = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gateway" / "gunicorn.conf.py"))

bind = os.environ["BENCH_BASELINE_BIND"]
wsgi_app = "benchmarks.baseline_app:create_app()"
worker_class = _gateway["worker_class"]
workers = _gateway["workers"]
threads = _gateway["threads"]
keepalive = _gateway["keepalive"]
timeout = _gateway["timeout"]
graceful_timeout = _gateway["graceful_timeout"]
control_socket_disable = _gateway.get("control_socket_disable", True)
accesslog = _gateway["accesslog"]
errorlog = _gateway["errorlog"]
loglevel = _gateway["loglevel"]
access_log_format = _gateway["access_log_format"]
