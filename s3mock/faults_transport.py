"""A connection's transport as a fault shapes one response (faults_http.py): the body cut after
N bytes, or paced at N bytes/s. No aiohttp; asyncio's transport interface only."""

from __future__ import annotations

import asyncio
from asyncio import constants, transports


class Shaper(transports._FlowControlMixin, transports.Transport):
    """A connection's transport seen through a fault, for one response: the header section
    passes; the body is cut after `cut` bytes (then the connection closes) and/or paced at
    `rate` bytes/s (the writer is paused while paced bytes wait). loop.sendfile falls back to
    reads and write() through it (asyncio requires _FlowControlMixin for that)."""

    _sendfile_compatible = constants._SendfileMode.FALLBACK

    def __init__(self, real, cut: int | None, rate: int | None) -> None:
        super().__init__(loop=asyncio.get_running_loop())
        self._real, self._budget, self._rate = real, cut, rate
        self._head: bytes | None = b""      # None once the header section has passed
        self._queue = bytearray()
        self._cutting = False
        self._pump: asyncio.Task | None = None
        self._paused = None

    def write(self, data) -> None:
        if self.is_closing():
            return
        data = bytes(data)
        if self._head is not None:
            data = self._head + data
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._head = data
                return
            self._head = None
            self._real.write(data[:end + 4])
            data = data[end + 4:]
        if self._budget is not None:
            data = data[:self._budget]
            self._budget -= len(data)
            self._cutting = self._budget == 0
        if self._rate is None:
            self._real.write(data)
            if self._cutting:
                self._real.close()
            return
        self._queue += data
        if self._queue and self._paused is None:
            self._paused = self._real.get_protocol()
            self._paused.pause_writing()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.ensure_future(self._pace())

    def writelines(self, chunks) -> None:
        self.write(b"".join(chunks))

    async def _pace(self) -> None:
        rate = self._rate
        assert rate is not None
        step = max(1, rate // 20)
        while self._queue and not self._real.is_closing():      # bounded: the queue shrinks
            chunk = bytes(self._queue[:step])
            del self._queue[:step]
            self._real.write(chunk)
            await asyncio.sleep(len(chunk) / rate)
        self._queue.clear()
        if self._paused is not None:
            paused, self._paused = self._paused, None
            try:
                paused.resume_writing()
            except asyncio.InvalidStateError:   # sendfile's fallback ended, its waiter cancelled
                pass
        if self._cutting:
            self._real.close()

    async def flushed(self) -> None:
        if self._pump is not None:
            await self._pump

    def is_closing(self) -> bool:
        return self._real.is_closing() or (self._cutting and self._rate is None)

    def close(self) -> None:
        self._real.close()

    def abort(self) -> None:
        self._real.abort()

    def get_extra_info(self, name, default=None):
        return self._real.get_extra_info(name, default)

    def get_protocol(self):
        return self._real.get_protocol()

    def set_protocol(self, protocol) -> None:
        self._real.set_protocol(protocol)

    def is_reading(self) -> bool:
        return self._real.is_reading()

    def pause_reading(self) -> None:
        self._real.pause_reading()

    def resume_reading(self) -> None:
        self._real.resume_reading()

    def get_write_buffer_size(self) -> int:
        return self._real.get_write_buffer_size() + len(self._queue)

    def can_write_eof(self) -> bool:
        return False
