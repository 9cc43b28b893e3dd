"""The sandbox's web page: static files, the state as JSON, live events, files, and actions.

Plain `http.server` in a thread: the page is a few static files, its live updates are
server-sent events, and its actions are small JSON posts. A post must say
`Content-Type: application/json`, which a page of another site cannot send without asking
first (and this server never answers that question), so only the sandbox's own page acts.
"""

from __future__ import annotations

import json
import mimetypes
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sandbox.world import World

STATIC_FILES = {"/": "index.html", "/app.js": "app.js", "/app.css": "app.css"}
MAX_BODY = 64 * 1024
Action = Callable[[dict[str, Any]], Any]


def static_file(name: str) -> bytes:
    """A file of the page, from the installed package."""
    return resources.files("sandbox").joinpath("static", name).read_bytes()


class _Server(ThreadingHTTPServer):
    """The HTTP server, knowing its world and the page's actions."""

    daemon_threads = True
    world: World
    actions: dict[str, Action]
    settings: dict[str, Any]
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    """One request of the page."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the sandbox's address and the bot's own log."""

    def do_GET(self) -> None:
        """Static files, the state, the event stream and the bot's files."""
        url = urlsplit(self.path)
        if url.path in STATIC_FILES:
            name = STATIC_FILES[url.path]
            kind = mimetypes.guess_type(name)[0] or "text/html"
            self._send(200, static_file(name), f"{kind}; charset=utf-8")
        elif url.path == "/api/state":
            state = self.server.world.state()
            state["settings"] = self.server.settings
            self._json(200, state)
        elif url.path == "/api/events":
            after = parse_qs(url.query).get("after", ["0"])[0]
            self._stream(int(after) if after.isdigit() else 0)
        elif url.path.startswith("/file/"):
            self._file(url.path[len("/file/") :], parse_qs(url.query).get("name", [""])[0])
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        """An action of the page: /api/<name> with a JSON body."""
        name = urlsplit(self.path).path.removeprefix("/api/")
        action = self.server.actions.get(name)
        if action is None:
            self._send(404, b"not found", "text/plain")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._send(415, b"application/json only", "text/plain")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, b"too large", "text/plain")
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            self._json(200, {"ok": True, "result": action(body)})
        except (KeyError, ValueError, TypeError) as exc:
            self._json(400, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})

    def _stream(self, after: int) -> None:
        """Server-sent events: everything after `after`, then each new event as it happens."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seq = int(self.headers.get("Last-Event-ID") or after)
        try:
            while not self.server.stopping.is_set():
                events = self.server.world.since(seq, timeout=15)
                chunks = [f"id: {e['seq']}\ndata: {json.dumps(e)}\n\n" for e in events]
                self.wfile.write("".join(chunks).encode() if chunks else b": idle\n\n")
                self.wfile.flush()
                if events:
                    seq = events[-1]["seq"]
        except (BrokenPipeError, ConnectionResetError):
            return

    def _file(self, file_id: str, name: str) -> None:
        """A photo or document the bot sent; documents download under their own name."""
        data = self.server.world.file(file_id)
        if data is None:
            self._send(404, b"not found", "text/plain")
            return
        kind = mimetypes.guess_type(name)[0] if name else "image/png"
        headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"} if name else {}
        self._send(200, data, kind or "application/octet-stream", headers)

    def _json(self, status: int, payload: Any) -> None:
        """A JSON answer."""
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        """An answer with a body."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class Page:
    """The page's HTTP server, serving in a daemon thread."""

    def __init__(self, world: World, actions: dict[str, Action], settings: dict[str, Any]) -> None:
        self.world = world
        self.actions = actions
        self.settings = settings
        self.server: _Server | None = None
        self.url = ""

    def start(self, host: str, port: int) -> str:
        """Listen on host:port (port 0: any free one) and return the page's address."""
        kind = type("_Server6", (_Server,), {"address_family": socket.AF_INET6}) if ":" in host else _Server
        server = kind((host, port), _Handler)
        server.world, server.actions, server.settings = self.world, self.actions, self.settings
        server.stopping = threading.Event()
        self.server = server
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{server.server_address[1]}/"
        threading.Thread(target=server.serve_forever, name="sandbox-page", daemon=True).start()
        return self.url

    def stop(self) -> None:
        """Stop serving and end the event streams."""
        if self.server is not None:
            self.server.stopping.set()
            with self.world.cond:
                self.world.cond.notify_all()
            self.server.shutdown()
            self.server.server_close()
            self.server = None
