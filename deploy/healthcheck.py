"""Container health checks that need nothing but the standard library.

    python deploy/healthcheck.py http URL        exit 0 when URL answers 2xx
    python deploy/healthcheck.py consumers QUEUE exit 0 when QUEUE has at least one consumer

`consumers` asks RabbitMQ's management API. It takes the broker's host, user and
vhost from LIUDONG_AMQP_URI and the API's port 15672; LIUDONG_RABBITMQ_API
(e.g. http://user:pass@rabbitmq:15672) overrides host, port and credentials.
It says whether the service consumes at all, not whether this one instance does.
"""
import base64
import json
import os
import sys
import urllib.parse
import urllib.request

TIMEOUT = 5


def check_http(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return 200 <= response.status < 300


def check_consumers(queue):
    amqp = urllib.parse.urlsplit(
        os.environ.get("LIUDONG_AMQP_URI", "amqp://guest:guest@localhost:5672/"))
    api = urllib.parse.urlsplit(
        os.environ.get("LIUDONG_RABBITMQ_API")
        or f"http://{amqp.username or 'guest'}:{amqp.password or 'guest'}"
           f"@{amqp.hostname or 'localhost'}:15672")
    vhost = urllib.parse.unquote(amqp.path[1:]) if len(amqp.path) > 1 else "/"
    url = "{}://{}:{}/api/queues/{}/{}".format(
        api.scheme, api.hostname, api.port or 15672,
        urllib.parse.quote(vhost, safe=""), urllib.parse.quote(queue, safe=""))
    credentials = "{}:{}".format(urllib.parse.unquote(api.username or ""),
                                 urllib.parse.unquote(api.password or ""))
    request = urllib.request.Request(url, headers={
        "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.load(response).get("consumers", 0) > 0


def main(argv):
    checks = {"http": check_http, "consumers": check_consumers}
    if len(argv) != 3 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        healthy = checks[argv[1]](argv[2])
    except Exception as exc:  # any failure to answer is "unhealthy"
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
