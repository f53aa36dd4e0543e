"""Real processes on loopback for the fault tests, and the clients that watch them.

Nothing here is a mock: a private PostgreSQL cluster (initdb + pg_ctl, on a free port),
private ``redis-server`` processes, ``uvicorn`` serving the ASGI app, Celery workers and
beat schedulers, each a subprocess with its own log file. The machine's shared
PostgreSQL (5432) and Redis (6379) are never touched.

The WebSocket clients behave like ``static/js/dashboard.js``: they connect to
``/ws/dashboard/?after=<last id>``, drop any id they already hold, and on a close
reconnect after ``ceiling / 2 + random() * ceiling / 2`` with
``ceiling = min(30 s, 0.5 s * 2 ** attempt)``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --- PostgreSQL -------------------------------------------------------------------------


class PgCluster:
    """A throw-away PostgreSQL cluster in a temporary directory, on its own port.

    initdb refuses to run as root, so when the tests run as root the cluster belongs
    to the ``postgres`` system user (``runuser``). Durability is switched off (fsync,
    synchronous_commit, full_page_writes): this data lives for one test run.
    """

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL server binaries not found in {PG_BIN} (set FAULTS_PG_BIN)")
        self.dir = Path(tempfile.mkdtemp(prefix="cc-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}\n{self.log_text()[-2000:]}")
        return result

    def init(self) -> PgCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except Exception:  # already stopped
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def connect(self, dbname: str = "postgres"):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=5)
        conn.autocommit = True
        return conn

    def sql(self, query: str, params=None, dbname: str = "postgres") -> list[tuple]:
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


# --- Subprocesses -----------------------------------------------------------------------


class Service:
    """A subprocess in its own session, with stdout and stderr in one log file."""

    def __init__(self, name: str, cmd: list[str], env: dict, logdir: Path):
        self.name = name
        self.cmd = cmd
        self.env = env
        self.log_path = Path(logdir) / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def spawn(self) -> None:
        self.starts += 1
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        log.write(f"\n===== start #{self.starts}: {' '.join(self.cmd)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self, since_start: bool = False) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        if since_start:
            data = data[self._log_offset :]
        return data.decode(errors="replace")

    def terminate(self, timeout: float = 10) -> None:
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()

    def send_term(self) -> None:
        if self.alive():
            self.proc.terminate()

    def kill9(self) -> None:
        """SIGKILL the whole process group (a Celery master and its pool children alike)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def children(self) -> list[int]:
        """Direct children of the process (a prefork worker's pool processes)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]


def terminate_all(services, timeout: float = 10) -> None:
    """SIGTERM every service at once, then wait for each (SIGKILL what outlives ``timeout``)."""
    for service in services:
        service.send_term()
    for service in services:
        service.terminate(timeout)


class RedisServer(Service):
    """A private redis-server on its own port; ``kill()`` and ``start()`` again on the same port."""

    def __init__(self, logdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        super().__init__(
            f"redis-{self.port}",
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(logdir)],
            dict(os.environ),
            logdir,
        )

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.3, socket_timeout=0.3).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.spawn()
        wait_for(self.ping, timeout=10, what=f"redis-server on {self.port}")

    def kill(self) -> None:
        self.kill9()


class Uvicorn(Service):
    """uvicorn serving the ASGI app (HTTP + WebSockets); can be restarted on the same port."""

    def __init__(self, env: dict, logdir: Path, name: str = "uvicorn"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        super().__init__(
            name,
            [PYTHON, "-m", "uvicorn", "command_center.asgi:application", "--host", "127.0.0.1", "--port",
             str(self.port), "--timeout-graceful-shutdown", "2", "--no-access-log"],
            env,
            logdir,
        )

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/login/", timeout=1) as answer:
                return answer.status == 200
        except OSError:
            return False

    def start(self) -> None:
        self.spawn()
        try:
            wait_for(self.ready, timeout=30, what="uvicorn")
        except AssertionError:
            raise AssertionError("uvicorn did not start:\n" + self.log_text()[-3000:]) from None

    def stop(self) -> None:
        self.terminate(timeout=10)


class CeleryProcess(Service):
    """``celery worker`` or ``celery beat`` on the private broker; ``start()`` waits until it is up."""

    def __init__(self, name: str, args: list[str], env: dict, logdir: Path, app: str = "command_center",
                 ready_text: str = " ready."):
        self.ready_text = ready_text
        super().__init__(name, [PYTHON, "-m", "celery", "-A", app, *args], env, logdir)

    def start(self, timeout: float = 30) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30) -> None:
        try:
            wait_for(lambda: self.ready_text in self.log_text(since_start=True) or not self.alive(),
                     timeout=timeout, what=self.name)
        except AssertionError:
            self.kill9()
            raise
        if not self.alive():
            raise AssertionError(f"{self.name} exited:\n" + self.log_text()[-3000:])


def worker(name: str, env: dict, logdir: Path, *, pool: str = "solo", concurrency: int = 1) -> CeleryProcess:
    args = ["worker", "-n", f"{name}@%h", "-P", pool, "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--without-heartbeat"]
    if pool != "solo":
        args += ["--concurrency", str(concurrency)]
    return CeleryProcess(name, args, env, logdir)


def beat(name: str, env: dict, logdir: Path) -> CeleryProcess:
    schedule = Path(logdir) / f"{name}-schedule"
    return CeleryProcess(
        name, ["beat", "-s", str(schedule), "--loglevel=INFO"], env, logdir, app="tests.faults.beat_app",
        ready_text="beat: Starting",
    )


def stack_env(*, database_url: str, redis_url: str, secret_key: str, **extra: str) -> dict:
    """The environment of a web, worker or beat process on the private database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        HTTPS="false",
        DEBUG="false",
        DB_CONN_MAX_AGE="0",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        # The fault tests issue orange without a consultation record: they test faults, not issue 15's basis rule.
        ALERT_BASIS_REQUIRED="false",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


# --- WebSocket clients ------------------------------------------------------------------


class LoopThread:
    """An asyncio event loop in a daemon thread, so synchronous tests can run WebSocket clients beside them."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def spawn(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        if not self.loop.is_running():
            return

        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


def backoff_delay(attempt: int, rng: random.Random) -> tuple[float, float]:
    """dashboard.js: ceiling = min(30 s, 0.5 s * 2^attempt); wait ceiling/2 + random * ceiling/2."""
    ceiling = min(30.0, 0.5 * 2**attempt)
    return ceiling, ceiling / 2 + rng.random() * ceiling / 2


@dataclass
class DashboardClient:
    """A dashboard as dashboard.js runs it: ?after=<last id>, drop ids already held, reconnect with backoff + jitter."""

    name: str
    ws_url: str
    cookie: str
    origin: str
    after: int
    events: list[dict] = field(default_factory=list)  # applied events: {"id", "type", "payload", "t"}
    raw_ids: list[int] = field(default_factory=list)  # every id the server sent, duplicates included
    dropped: int = 0  # ids the server sent that the client already held
    connects: list[float] = field(default_factory=list)  # monotonic time of each open
    closes: list[tuple[float, int | None]] = field(default_factory=list)  # (time, close code) of each end
    failures: list[tuple[float, str]] = field(default_factory=list)  # failed connection attempts
    waits: list[tuple[float, float]] = field(default_factory=list)  # (ceiling, delay) before each reconnect
    reconnect: bool = True

    def __post_init__(self):
        self.last_id = self.after
        self.rng = random.Random()
        self.opened = asyncio.Event()
        self._task = None

    @property
    def ids(self) -> list[int]:
        return [e["id"] for e in self.events]

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        attempt = 0
        while True:
            url = f"{self.ws_url}/ws/dashboard/?after={self.last_id}"
            code = None
            try:
                async with connect(
                    url, additional_headers={"Cookie": f"sessionid={self.cookie}"}, origin=self.origin,
                    open_timeout=5, ping_interval=None, max_size=None, close_timeout=2,
                ) as ws:
                    attempt = 0
                    self.connects.append(time.monotonic())
                    self.opened.set()
                    try:
                        async for message in ws:
                            self._apply(message)
                    except ConnectionClosed:
                        pass
                    code = ws.close_code
                    self.closes.append((time.monotonic(), code))
            except (TimeoutError, OSError, InvalidHandshake) as exc:
                self.failures.append((time.monotonic(), type(exc).__name__))
            if not self.reconnect or code in (4401, 4403):
                return
            attempt += 1
            ceiling, delay = backoff_delay(attempt, self.rng)
            self.waits.append((ceiling, delay))
            await asyncio.sleep(delay)

    def _apply(self, message: str) -> None:
        if message == "pong":
            return
        now = time.monotonic()
        for event in json.loads(message):  # a frame is an array of events
            self.raw_ids.append(event["id"])
            if event["id"] <= self.last_id:  # a duplicate after a reconnect (dashboard.js drops it too)
                self.dropped += 1
                continue
            self.last_id = event["id"]
            self.events.append({"id": event["id"], "type": event["type"], "payload": event["payload"], "t": now})

    def start(self, loop: LoopThread) -> DashboardClient:
        self._task = loop.spawn(self.run())
        return self

    def wait_open(self, loop: LoopThread, timeout: float = 10) -> None:
        loop.run(asyncio.wait_for(self.opened.wait(), timeout), timeout=timeout + 1)


def session_cookie(user) -> str:
    """A real session row for ``user`` in the database the servers use, as the login view would make it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def check_stream(client: DashboardClient, expected: list[int]) -> None:
    """The client holds exactly the expected events, in order, and the server sent none twice."""
    assert client.ids == expected, (
        f"{client.name}: got {len(client.ids)} events, expected {len(expected)}; "
        f"missing {sorted(set(expected) - set(client.ids))[:20]}, extra {sorted(set(client.ids) - set(expected))[:20]}"
    )
    assert len(client.raw_ids) == len(set(client.raw_ids)), f"{client.name}: the server sent duplicates"
    assert client.dropped == 0


# --- A dashboard that stops reading -----------------------------------------------------


class StalledSocket:
    """A raw TCP WebSocket client: completes the handshake, then reads nothing (a tiny receive buffer).

    ``drain()`` later reads everything the kernel kept and parses the frames the server
    managed to send before it gave up on this socket.
    """

    def __init__(self, host: str, port: int, path: str, cookie: str, origin: str, rcvbuf: int = 4096):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: sets the window
        self.sock.settimeout(5)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n"
            f"Cookie: sessionid={cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(1)  # byte by byte: leave every frame in the kernel's buffer
            if not chunk:
                raise AssertionError("the server closed the handshake")
            self.buffer += chunk
        status = self.buffer.split(b"\r\n", 1)[0]
        assert b" 101 " in status, status
        self.buffer = b""
        self.rcvbuf = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)

    def drain(self, quiet: float = 1.0) -> tuple[list[dict], int | None]:
        """Read what the kernel kept, up to the server's close frame (or EOF, or ``quiet`` seconds of silence).

        Answers the complete event frames, in order, and the close code if one arrived.
        """
        self.sock.settimeout(quiet)
        data, events, close_code, pos = b"", [], None, 0
        try:
            while close_code is None:
                try:
                    chunk = self.sock.recv(1 << 20)
                except (TimeoutError, ConnectionResetError):
                    break
                if not chunk:
                    break
                data += chunk
                while close_code is None:
                    frame = _parse_frame(data, pos)
                    if frame is None:
                        break
                    opcode, body, pos = frame
                    if opcode == 0x1 and body != b"pong":
                        events.extend(json.loads(body))
                    elif opcode == 0x8:
                        close_code = struct.unpack("!H", body[:2])[0] if len(body) >= 2 else 1005
        finally:
            self.sock.close()
        return events, close_code


def _parse_frame(data: bytes, pos: int) -> tuple[int, bytes, int] | None:
    """One unmasked server frame at ``pos``: (opcode, payload, next position), or None if incomplete."""
    if pos + 2 > len(data):
        return None
    opcode, length, head = data[pos] & 0x0F, data[pos + 1] & 0x7F, 2
    if length == 126:
        if pos + 4 > len(data):
            return None
        length, head = struct.unpack("!H", data[pos + 2 : pos + 4])[0], 4
    elif length == 127:
        if pos + 10 > len(data):
            return None
        length, head = struct.unpack("!Q", data[pos + 2 : pos + 10])[0], 10
    if pos + head + length > len(data):
        return None
    return opcode, data[pos + head : pos + head + length], pos + head + length
