"""Real local stand-ins for outages, for the fault tests (docs/operations.md, "Faults"): a port
nothing listens on, a small SMTP server that accepts mail, or stalls without a word, and a TCP
gate in front of a real server that holds connections (a provider that accepted the
connection and never answers). Standard library only; no mocks."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound once, then released): connecting
    is refused, as with a server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def _hold(conn: socket.socket, release: threading.Event) -> None:
    """Say nothing until the client goes away (or the test releases it)."""
    conn.settimeout(0.1)
    while not release.is_set():
        try:
            if conn.recv(4096) == b"":
                return  # the client closed (or died)
        except TimeoutError:
            continue
        except OSError:
            return


def _held_next(server, budget: str, count: str) -> bool:
    """Whether this connection is one of the next ones `server` holds (its `budget` of them
    left, counted in `count`), decided under its lock: two connections never take one."""
    with server._lock:
        if getattr(server, budget) <= 0:
            return False
        setattr(server, budget, getattr(server, budget) - 1)
        setattr(server, count, getattr(server, count) + 1)
        return True


class SmtpServer:
    """A minimal SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on
    127.0.0.1 that keeps what it accepted in `messages` ({"from", "to", "data"}). A message
    counts as received only at the final "." of DATA, as with a real server: a client that
    dies before it delivered nothing. With `stall` > 0 that many next connections are
    accepted and held without a greeting (a server that hangs); `stalled` counts them."""

    def __init__(self, port: int = 0, *, stall: int = 0):
        self.messages: list[dict] = []
        self.stall = stall
        self.stalled = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                if _held_next(smtp, "stall", "stalled"):
                    return _hold(self.connection, smtp.release)
                self.reply("220 localhost test SMTP")
                sender, recipients = "", []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode("utf-8", "replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 localhost")
                    elif verb == "MAIL":
                        sender, recipients = command[10:].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command[8:].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            part = self.rfile.readline()
                            if not part:
                                return  # the client went away mid-message: nothing received
                            if part in (b".\r\n", b".\n"):
                                break
                            lines.append(part[1:] if part.startswith(b"..") else part)
                        with smtp._lock:
                            smtp.messages.append({"from": sender, "to": recipients,
                                                  "data": b"".join(lines).decode("utf-8",
                                                                                 "replace")})
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")
                self.wfile.flush()

        self.server = _Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]

    def start(self) -> SmtpServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class TcpGate:
    """A TCP front for a real server (host, port): passes connections through, except the
    next `hold` ones, which it accepts and holds without forwarding a byte (a gateway that
    took the connection and never answers); `held` counts them. Stops like a server going
    down."""

    def __init__(self, target: tuple[str, int], *, hold: int = 0, port: int = 0):
        self.target = target
        self.hold = hold
        self.held = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        gate = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                if _held_next(gate, "hold", "held"):
                    return _hold(self.request, gate.release)
                with socket.create_connection(gate.target, timeout=30) as upstream:
                    pipes = [threading.Thread(target=_pipe, args=(self.request, upstream)),
                             threading.Thread(target=_pipe, args=(upstream, self.request))]
                    for pipe in pipes:
                        pipe.start()
                    for pipe in pipes:
                        pipe.join()

        self.server = _Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpGate:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
