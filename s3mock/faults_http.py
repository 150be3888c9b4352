"""Fault injection's glue (rules: faults.py): the rules every worker of a data dir shares, running
a request through the faults that fire for it, and the /_s3mock/faults endpoint.

The rules and their counts live in `faults.json` in the data dir, changed under a lock; `faults.on`,
a word mapped into every worker's memory, is nonzero while there are rules. The request path reads
that word and nothing else while there are none.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import struct
import time
from pathlib import Path

from aiohttp import web

from s3mock import faults, faults_transport
from s3mock.errors import S3Error
from s3mock.faults import FaultError, Rule
from s3mock.storage.generation import Generation

STATE, FLAG = "faults.json", "faults.on"


class Board:
    """The rules of one data dir, with how often each matched (`seen`) and fired (`fired`)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STATE
        # The same shared, locked word as the row caches' generations; here its value is the
        # number of rules, written under its lock with the state file.
        self._word = Generation(Path(data_dir) / FLAG)
        if self._word.view is None:
            raise OSError(f"cannot map {FLAG} into memory in {data_dir}")
        self.on = self._word.view                     # on[0]: nonzero while rules exist

    def close(self) -> None:
        self._word.close()

    def _read(self) -> tuple[str, dict]:
        try:
            text = self.path.read_text()
            return text, json.loads(text)
        except (OSError, ValueError):
            return "", {"started": time.time(), "next": 1, "rules": []}

    def _change(self, change) -> object:
        """`change(state)` under the lock; the state written back when it changed."""
        with self._word.locked():                   # every worker's counts and changes must count
            before, state = self._read()
            result = change(state)
            after = json.dumps(state)
            if after != before:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(after)
                os.replace(tmp, self.path)          # a reader never sees half a file
            self.on[0] = len(state["rules"])
            return result

    def install(self, rules: tuple[Rule, ...]) -> None:
        """At start, before any worker serves: the configured rules, counts at zero; the delays
        (`after`) count from now."""
        def change(state: dict) -> None:
            state.clear()
            state.update(started=time.time(), next=len(rules) + 1,
                         rules=[{"rule": r.to_json(), "seen": 0, "fired": 0} for r in rules])
        self._change(change)

    def add(self, data: object) -> list[dict]:
        """Add rules given as JSON (FaultError when one is invalid: then none is added)."""
        def change(state: dict) -> list[dict]:
            rules = faults.parse_rules(data, state["next"])
            ids = [e["rule"]["id"] for e in state["rules"]] + [r.id for r in rules]
            taken = next((i for i in ids if ids.count(i) > 1), None)
            if taken is not None:
                raise FaultError(f"a rule with id {taken!r} exists already")
            if len(ids) > faults.MAX_RULES:
                raise FaultError(f"at most {faults.MAX_RULES} rules")
            state["next"] += len(rules)
            added = [{"rule": r.to_json(), "seen": 0, "fired": 0} for r in rules]
            state["rules"].extend(added)
            return [_shown(e) for e in added]
        return self._change(change)  # type: ignore[return-value]

    def remove(self, rule_id: str | None = None) -> int:
        """Remove one rule by id, or all of them (None); how many went."""
        def change(state: dict) -> int:
            before = len(state["rules"])
            state["rules"] = [e for e in state["rules"]
                              if rule_id is not None and e["rule"]["id"] != rule_id]
            return before - len(state["rules"])
        return self._change(change)  # type: ignore[return-value]

    def list(self) -> list[dict]:
        return [_shown(e) for e in self._read()[1]["rules"]]

    def draw(self, op: str, bucket: str | None, key: str | None, method: str,
             principal: str) -> list[Rule]:
        """The rules that fire for this request, counting it for each rule it matches."""
        def change(state: dict) -> list[Rule]:
            uptime = time.time() - state["started"]
            fired = []
            for entry in state["rules"]:
                rule = faults.parse_rule(entry["rule"], entry["rule"]["id"])
                if not faults.matches(rule, op, bucket, key, method, principal):
                    continue
                if not faults.awake(rule, uptime):
                    continue
                entry["seen"] += 1
                if faults.fires(rule, entry["seen"], random.random()):
                    entry["fired"] += 1
                    fired.append(rule)
            return fired
        return self._change(change)  # type: ignore[return-value]


FAULTS = web.AppKey("faults", Board)


def install(data_dir: Path, rules: tuple[Rule, ...]) -> None:
    """The configured rules in place of any a previous run left (the command line, before its
    workers start)."""
    board = Board(data_dir)
    try:
        board.install(rules)
    finally:
        board.close()


def _shown(entry: dict) -> dict:
    return {**entry["rule"], "seen": entry["seen"], "fired": entry["fired"]}


async def run(service, request: web.Request, ex, resolved) -> web.StreamResponse:
    """The request, through the faults that fire for it (none: as if there were no rules)."""
    user = ex.principal.user if ex.principal is not None else None
    fired = service.faults.draw(resolved.op._name_, resolved.bucket, resolved.key, request.method,
                                user.access_key if user is not None else "anonymous")
    if not fired:
        return await service.dispatch(request, ex, resolved)
    ex.fault = ",".join(r.label for r in fired)
    low = max((r.latency[0] for r in fired if r.latency), default=0.0)
    high = max((r.latency[1] for r in fired if r.latency), default=0.0)
    if high:
        await asyncio.sleep(random.uniform(low, high))
    action = next((r for r in fired if any(getattr(r, n) not in (None, False)
                                           for n in faults.EXCLUSIVE)), None)
    rate = min((r.throttle for r in fired if r.throttle), default=None)
    if action is not None and action.error is not None:
        # AWS closes the connection after a SlowDown (pingcap/tiflash#10538's recorded headers).
        headers = {"Connection": "close"} if action.error == "SlowDown" else None
        raise S3Error(action.error, action.message, headers=headers)
    if action is not None and action.reset:
        return _reset(request)
    if action is not None and action.stall is not None:
        await _stall(request, action.stall)
    cut = action.cut if action is not None else None
    if cut is None and rate is None:
        response = await service.dispatch(request, ex, resolved)
    else:
        response = await _shaped(service, request, ex, resolved, cut, rate)
    if action is not None and action.fail_after and not response.prepared \
            and 200 <= response.status < 300:
        raise S3Error("InternalError")      # the operation ran and its change stays
    return response


def _reset(request: web.Request) -> web.Response:
    """Drop the connection with a TCP reset (SO_LINGER 0), before reading the body or answering.
    The returned response is never sent: the access log records it."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=500)


async def _stall(request: web.Request, seconds: float) -> None:
    """Read nothing more of the body until the client gives up (closes) or `seconds` pass; then
    S3's answer to a body that stopped coming."""
    for _ in range(int(seconds * 10)):
        transport = request.transport
        if transport is None or transport.is_closing():
            break
        await asyncio.sleep(0.1)
    raise S3Error("RequestTimeout")


async def _shaped(service, request: web.Request, ex, resolved, cut: int | None,
                  rate: int | None) -> web.StreamResponse:
    """Dispatch with the response's body cut after `cut` bytes and/or sent at `rate` bytes/s."""
    protocol = request.protocol
    real = protocol.transport
    if real is None:
        return await service.dispatch(request, ex, resolved)
    shaper = faults_transport.Shaper(real, cut, rate)
    protocol.transport = shaper
    try:
        response = await service.dispatch(request, ex, resolved)
        if not response.prepared:           # a body in memory: send it now, through the shaper
            await response.prepare(request)
            await response.write_eof()
        await shaper.flushed()
        return response
    except ConnectionError:
        return web.Response(status=200)     # cut: the client has what it gets
    finally:
        if protocol.transport is shaper:
            protocol.transport = real


FAULTS_PATH = "/_s3mock/faults"


def _answer(body: object, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


async def endpoint(request: web.Request, board: Board, path: str) -> web.Response:
    """/_s3mock/faults: GET the rules with their counts; PUT or POST a rule, a list of rules or
    {"rules": [...]} to add them; DELETE to remove them all (/_s3mock/faults/<id>: that one)."""
    rule_id = path[len(FAULTS_PATH) + 1:] or None
    method = request.method
    if method == "GET" and rule_id is None:
        return _answer({"rules": board.list()})
    if method in ("PUT", "POST") and rule_id is None:
        try:
            data = json.loads(await request.read())
        except (ValueError, RecursionError) as e:      # RecursionError: nested too deep
            return _answer({"error": f"the body must be JSON (a rule, a list of rules, or "
                                     f"{{\"rules\": [...]}}): {e}"}, 400)
        except web.HTTPRequestEntityTooLarge:
            return _answer({"error": "the body must be at most 1 MiB"}, 413)
        try:
            return _answer({"rules": board.add(data)})
        except FaultError as e:
            return _answer({"error": str(e)}, 400)
    if method == "DELETE":
        removed = board.remove(rule_id)
        if rule_id is not None and not removed:
            return _answer({"error": f"no rule with id {rule_id!r}"}, 404)
        return _answer({"removed": removed})
    return _answer({"error": f"{method} is not allowed here: GET, PUT, POST or DELETE "
                             f"{FAULTS_PATH}, DELETE {FAULTS_PATH}/<id>"}, 405)
