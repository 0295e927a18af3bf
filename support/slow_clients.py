"""Slow clients: connections that send a POST's headers, then trickle its body."""
from __future__ import annotations

import socket
import threading
import time


class SlowClients:
    """`count` connections that each send a POST's headers, then one byte of its body every `interval` s."""

    def __init__(self, port: int, count: int = 40, interval: float = 2.0, limit: float = 300):
        self.port, self.count, self.interval, self.limit = port, count, interval, limit
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        self.thread.start()
        time.sleep(self.interval)  # every one of them connected and waiting on its body
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)

    def trickle(self) -> None:
        head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n").encode()
        sockets = []
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(head)
            sockets.append(sock)
            time.sleep(0.02)  # one at a time, so that every gunicorn worker takes its share
        deadline = time.monotonic() + self.limit  # bounded even if nobody stops it
        while not self.stopped.wait(self.interval) and time.monotonic() < deadline:
            for sock in sockets:
                try:
                    sock.sendall(b"a")
                except OSError:  # dropped by the server: it stays dropped
                    pass
        for sock in sockets:
            sock.close()
