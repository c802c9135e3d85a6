"""Container health checks.

    python deploy/healthcheck.py http URL                          exit 0 when URL answers 2xx
    python deploy/healthcheck.py consumers QUEUE [URI_VARIABLE]    exit 0 when QUEUE has at least one consumer

`consumers` asks the broker over AMQP, as the component itself: with the URI in
URI_VARIABLE (default LIUDONG_AMQP_URI; a service passes its own,
e.g. LIUDONG_ROSTER_AMQP_URI). It declares the queue passively, which reports
the consumer count and needs no permission on the queue, so no component needs
the management API (or its tag) for its health check. It says whether the
service consumes at all, not whether this one instance does. `http` needs only
the standard library.
"""
import os
import sys
import urllib.request

TIMEOUT = 5


def check_http(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return 200 <= response.status < 300


def check_consumers(queue, uri_variable="LIUDONG_AMQP_URI"):
    import kombu  # in the image with the services; imported here so that `http` stays stdlib-only

    uri = os.environ.get(uri_variable, "amqp://guest:guest@localhost:5672/")
    with kombu.Connection(uri, connect_timeout=TIMEOUT) as connection:
        channel = connection.channel()
        _, _, consumers = channel.queue_declare(queue, passive=True)
        return consumers > 0


def main(argv):
    checks = {"http": check_http, "consumers": check_consumers}
    if not 3 <= len(argv) <= (4 if argv[1:2] == ["consumers"] else 3) or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        healthy = checks[argv[1]](*argv[2:])
    except Exception as exc:  # any failure to answer is "unhealthy"
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
