"""Dashboard clients, driven from a few processes (``multiprocessing``, spawn).

Each process holds a share of the N WebSocket connections (the ``websockets`` library's
Sans-I/O client protocol on uvloop, see ``Conn``) and records, per connection, the
``time.time()`` at which the first message of each armed type arrived. ``time.time()`` is one clock for every process on
the machine, so the orchestrator subtracts its own "API answered" time directly.

The same processes and the same code drive the platform and the plain baseline server:
the baseline sends a copy of the platform's ``alert.issued`` text, so it matches the
same marker.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing as mp
import time

# The marker "screen": the frame carries this socket's rendered live part (events.screens).
SCREEN = "screen"
SCREEN_BYTES = b'"screen":{'
# What the page does when a batch came without its screen part: fetch ?fragment=1 this long after.
FETCH_AFTER = 0.25


def marker_bytes(name: str) -> bytes:
    return SCREEN_BYTES if name == SCREEN else f'"type":"{name}"'.encode()


def marker_name(marker: bytes) -> str:
    return SCREEN if marker == SCREEN_BYTES else marker.decode().split('"')[3]


class Conn(asyncio.Protocol):
    """One dashboard connection: the ``websockets`` Sans-I/O client protocol on a bare asyncio transport.

    Bytes are fed to ``websockets.client.ClientProtocol`` (handshake, framing,
    permessage-deflate, pings) in ``data_received``, and a message is timed right there,
    when it is decoded: no per-message queue or task switch in the instrument.
    """

    def __init__(self, owner: ClientProcess, index: int, url: str, headers: dict):
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
        from websockets.uri import parse_uri

        self.owner = owner
        self.index = index
        self.url = url
        self.cookie = headers.get("Cookie", "")
        self.fetches = 0
        self._fetch = None
        headers = dict(headers)
        self.protocol = ClientProtocol(
            parse_uri(url),
            origin=headers.pop("Origin", None),
            extensions=[ClientPerMessageDeflateFactory()],  # what browsers offer
            max_size=None,
        )
        self.request = self.protocol.connect()
        for name, value in headers.items():
            self.request.headers[name] = value
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.transport = None
        self.pending: list[bytes] = []
        self.marks: dict[bytes, float] = {}
        self.sizes: dict[bytes, int] = {}
        self.closed = False
        self.received = 0
        self._fragments: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport
        self.protocol.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes):
        now = time.time()
        from websockets.frames import Opcode
        from websockets.http11 import Response

        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    if not self.opened.done():
                        self.opened.set_exception(self.protocol.handshake_exc)
                elif not self.opened.done():
                    self.opened.set_result(True)
                continue
            if event.opcode is Opcode.TEXT or (event.opcode is Opcode.CONT and self._fragments):
                if not event.fin:
                    self._fragments.append(event.data)
                    continue
                message = b"".join(self._fragments) + event.data if self._fragments else event.data
                self._fragments = []
                self._message(message, now)
        self._flush()

    def _message(self, message: bytes, now: float):
        self.received += 1
        if not self.pending:
            return
        found = [marker for marker in self.pending if marker in message]
        for marker in found:  # a frame may carry several events (a JSON array)
            self.marks[marker] = now
            self.sizes[marker] = len(message)
            self.pending.remove(marker)
        if found and self.pending == [SCREEN_BYTES] and self._fetch is None:
            # Events without the screen part: the page fetches its live part unless the part follows
            # (dashboard.js); the screen is current when that answer is in.
            self._fetch = asyncio.get_running_loop().call_later(FETCH_AFTER, self._start_fetch)
        if found and not self.pending:
            if self._fetch is not None:
                self._fetch.cancel()
                self._fetch = None
            self.owner.one_done()

    def _start_fetch(self):
        if SCREEN_BYTES in self.pending:
            asyncio.ensure_future(self._fetch_fragment())

    async def _fetch_fragment(self):
        """GET /dashboard/unit/?fragment=1 as the page does; mark the screen current when the answer is in."""
        from urllib.parse import urlparse

        parsed = urlparse(self.url)
        self.fetches += 1
        try:
            reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
            writer.write(
                f"GET /dashboard/unit/?fragment=1 HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
                f"Cookie: {self.cookie}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            answer = await reader.read()
            writer.close()
            ok = answer.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        self._fetch = None
        if ok and SCREEN_BYTES in self.pending:
            self.marks[SCREEN_BYTES] = time.time()
            self.pending.remove(SCREEN_BYTES)
            if not self.pending:
                self.owner.one_done()

    def _flush(self):
        if self.transport is None or self.transport.is_closing():
            return
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()

    def eof_received(self):
        self.protocol.receive_eof()
        self._flush()
        return False

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if self.pending:
            self.pending = []
            self.owner.one_done()

    def close(self):
        if self.closed or self.transport is None:
            return
        try:
            self.protocol.send_close(1000)
            self._flush()
        except Exception:  # noqa: BLE001
            pass
        self.transport.close()


class ClientProcess:
    """Runs inside the child: connections plus a command loop on the parent's pipe."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.conns: list[Conn] = []
        self.waiting = 0
        self.all_done = asyncio.Event()

    async def run(self):
        loop = asyncio.get_running_loop()
        while True:
            cmd, *args = await loop.run_in_executor(None, self.pipe.recv)
            if cmd == "quit":
                await self.close_all()
                self.pipe.send(("ok",))
                return
            try:
                result = await getattr(self, cmd)(*args)
            except Exception as exc:  # noqa: BLE001 (reported to the parent)
                result = ("error", repr(exc))
            self.pipe.send(result)

    def one_done(self):
        self.waiting -= 1
        if self.waiting <= 0:
            self.all_done.set()

    async def connect(self, specs: list[tuple[int, str, dict]], concurrency: int):
        """Open connections ``(index, url, headers)``; ``concurrency`` handshakes at a time."""
        from urllib.parse import urlparse

        loop = asyncio.get_running_loop()
        sem = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        started = time.monotonic()

        async def one(index, url, headers):
            parsed = urlparse(url)
            async with sem:
                for attempt in range(3):
                    try:
                        _, conn = await loop.create_connection(
                            lambda: Conn(self, index, url, headers), parsed.hostname, parsed.port
                        )
                        await asyncio.wait_for(conn.opened, 60)
                        break
                    except Exception as exc:  # noqa: BLE001
                        if attempt == 2:
                            errors.append(f"{index}: {exc!r}")
                            return
                        await asyncio.sleep(0.2 * (attempt + 1))
            self.conns.append(conn)

        await asyncio.gather(*(one(*spec) for spec in specs))
        return ("ok", len(specs) - len(errors), errors[:5], time.monotonic() - started)

    async def arm(self, markers: list[str]):
        """Start recording the first arrival of each marker (a type string) on every open connection."""
        # The clients are the instrument: no garbage-collector pause while a round is measured.
        gc.collect()
        gc.freeze()
        gc.disable()
        self.all_done = asyncio.Event()
        self.waiting = 0
        for conn in self.conns:
            conn.marks = {}
            conn.sizes = {}
            conn.fetches = 0
            conn._fetch = None
            if conn.closed:
                conn.pending = []
                continue
            conn.pending = [marker_bytes(m) for m in markers]
            self.waiting += 1
        if self.waiting == 0:
            self.all_done.set()
        return ("ok", self.waiting)

    async def collect(self, timeout: float):
        """Wait until every connection saw every marker (or ``timeout``), then hand the times over."""
        try:
            await asyncio.wait_for(self.all_done.wait(), timeout)
        except TimeoutError:
            pass
        marks = [{marker_name(k): v for k, v in c.marks.items()} for c in self.conns]
        sizes = {}
        for c in self.conns:
            for k, v in c.sizes.items():
                sizes.setdefault(marker_name(k), v)
        missing = sum(1 for c in self.conns if c.pending)
        sizes["fetches"] = sum(c.fetches for c in self.conns)
        for c in self.conns:
            c.pending = []
        gc.enable()
        return ("ok", marks, sizes, missing)

    async def count_open(self):
        return ("ok", sum(1 for c in self.conns if not c.closed))

    async def close_all(self):
        for c in self.conns:
            c.close()
        deadline = time.monotonic() + 5
        while any(not c.closed for c in self.conns) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.conns = []
        return ("ok",)


def _child(pipe):
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(ClientProcess(pipe).run())


class ClientPool:
    """The parent's handle on P client processes; connections are dealt out round-robin."""

    def __init__(self, processes: int):
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_child, args=(child,), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.connected = 0

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _all(self, cmd: str, *args_per_proc, timeout: float = 300.0):
        for i, pipe in enumerate(self.pipes):
            pipe.send((cmd, *(a[i] for a in args_per_proc)))
        out = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError(f"client process did not answer {cmd!r} in {timeout:.0f}s")
            reply = pipe.recv()
            if reply[0] == "error":
                raise RuntimeError(f"client process failed {cmd!r}: {reply[1]}")
            out.append(reply)
        return out

    def connect(self, specs: list[tuple[int, str, dict]], concurrency: int = 40) -> tuple[int, list[str], float]:
        shares = [[] for _ in self.pipes]
        for spec in specs:
            shares[spec[0] % len(self.pipes)].append(spec)
        replies = self._all("connect", shares, [concurrency] * len(self.pipes))
        ok = sum(r[1] for r in replies)
        self.connected += ok
        return ok, [e for r in replies for e in r[2]], max(r[3] for r in replies)

    def arm(self, markers: list[str]) -> int:
        return sum(r[1] for r in self._all("arm", [markers] * len(self.pipes)))

    def collect(self, timeout: float = 30.0) -> tuple[list[dict], dict, int]:
        replies = self._all("collect", [timeout] * len(self.pipes), timeout=timeout + 30)
        marks = [m for r in replies for m in r[1]]
        sizes = {}
        for r in replies:
            sizes.update(r[2])
        sizes["fetches"] = sum(r[2].get("fetches", 0) for r in replies)
        return marks, sizes, sum(r[3] for r in replies)

    def count_open(self) -> int:
        return sum(r[1] for r in self._all("count_open"))

    def close_all(self) -> None:
        self._all("close_all", timeout=60)
        self.connected = 0

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("quit",))
            except (OSError, BrokenPipeError):
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(2)
