"""A TCP proxy the tests control, between a process and the broker (or any server).

``stop()`` is the server vanishing (open connections cut, new ones refused),
``start()`` is it coming back on the same address, ``freeze()`` is it hanging
(connections stay open, nothing gets through) and ``delay`` a slow link (every
chunk held that many seconds before it is passed on, both ways).

Hand-written rather than toxiproxy: that is a Go server to download and run,
and these four faults are a few lines of the standard library.
"""
import selectors
import socket
import socketserver
import threading
import time


class TcpForwarder:
    def __init__(self, target, port):
        self.target = target
        self.port = port
        self.delay = 0.0
        self._server = None
        self._open = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()

    def start(self):
        forwarder = self
        self._flowing.set()

        class Pipe(socketserver.BaseRequestHandler):
            def handle(self):
                forwarder._flowing.wait()
                try:
                    upstream = socket.create_connection(forwarder.target, timeout=5)
                except OSError:
                    return
                upstream.settimeout(None)
                with forwarder._lock:
                    forwarder._open.update((self.request, upstream))
                try:
                    pump(self.request, upstream, forwarder)
                finally:
                    upstream.close()
                    with forwarder._lock:
                        forwarder._open.difference_update((self.request, upstream))

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Pipe)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def running(self):
        return self._server is not None

    def freeze(self):
        self._flowing.clear()

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._flowing.set()  # frozen pipes wake up to find their sockets shut


def pump(a, b, forwarder):
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in selector.select():
                forwarder._flowing.wait()
                try:
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if forwarder.delay:
                        time.sleep(forwarder.delay)
                    key.data.sendall(data)
                except OSError:
                    return
