"""Shared helpers of the feeds tests: a real local HTTP server that plays Open-Meteo.

Not a mock: the provider makes real HTTP requests over 127.0.0.1 to a
``ThreadingHTTPServer`` that answers with the fixtures in tests/fixtures/open_meteo
(or with whatever broken answer a test sets up), so timeouts, status codes and
content types go through httpx exactly as in production.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from feeds.models import Station

FIXTURES = Path(__file__).parent / "fixtures" / "open_meteo"
AQ_PATH = "/v1/air-quality"
WEATHER_PATH = "/v1/forecast"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0


def json_answer(data, status: int = 200) -> Answer:
    return Answer(status=status, body=json.dumps(data, ensure_ascii=False).encode())


@dataclass
class FeedServer:
    """Routes by path; records every request's path and query."""

    routes: dict[str, Answer] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    url: str = ""

    def start(self) -> FeedServer:
        server_state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                server_state.requests.append((parts.path, query))
                answer = server_state.answer(parts.path, query)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout tests)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address
        self.url = f"http://{host}:{port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def answer(self, path: str, query: dict) -> Answer:
        """The answer to one request; subclasses may answer by query (the fault tests do, by station)."""
        return self.routes.get(path, Answer(status=404, body=b'{"error":true,"reason":"no route"}'))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        self.routes = {
            AQ_PATH: Answer(body=fixture_bytes("aq_heavy_pm25.json")),
            WEATHER_PATH: Answer(body=fixture_bytes("weather_stagnant.json")),
        }
        self.requests.clear()


@pytest.fixture(scope="session")
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def open_meteo(feed_server, settings):
    """The local server as Open-Meteo: heavy PM2.5 and stagnant weather unless a test says otherwise."""
    feed_server.reset()
    settings.OPEN_METEO_AQ_URL = feed_server.url + AQ_PATH
    settings.OPEN_METEO_WEATHER_URL = feed_server.url + WEATHER_PATH
    settings.FEED_TIMEOUT_SECONDS = 2.0
    yield feed_server
    feed_server.reset()


@pytest.fixture
def station(db):
    return Station.objects.create(name="几江街道", latitude=Decimal("29.28300"), longitude=Decimal("106.25000"))
