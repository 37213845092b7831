"""A small language-server client over a child process's pipes: what the tests and `chronicle bench` drive the
real server with (JSON-RPC with Content-Length framing, requests answered by id, notifications queued)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


class ServerError(Exception):
    """The server answered a request with an error, or went away."""


class Client:
    def __init__(self, argv: Sequence[str], cwd: str | Path | None = None, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env)
        self._next = 0
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    self.notifications.put({"method": "$/closed"})
                    for q in list(self._answers.values()):
                        q.put({"error": {"message": "the server closed its output"}})
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.lower()] = value.strip()
            body = json.loads(out.read(int(headers["content-length"])))
            if "id" in body and ("result" in body or "error" in body):
                with self._lock:
                    waiting = self._answers.get(body["id"])
                if waiting is not None:
                    waiting.put(body)
            elif "id" in body:  # a request from the server (e.g. workspace/configuration): answer null
                self._send({"jsonrpc": "2.0", "id": body["id"], "result": None})
            else:
                self.notifications.put(body)

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode("utf-8")
        stdin = self.proc.stdin
        assert stdin is not None
        with self._lock:
            stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        with self._lock:
            self._next += 1
            rid = self._next
            q: queue.Queue[dict[str, Any]] = queue.Queue()
            self._answers[rid] = q
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        try:
            answer = q.get(timeout=timeout)
        except queue.Empty:
            raise ServerError(f"no answer to {method} in {timeout} s") from None
        finally:
            with self._lock:
                self._answers.pop(rid, None)
        if "error" in answer:
            raise ServerError(answer["error"].get("message", "error"))
        return answer.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method: str, accept: Callable[[dict[str, Any]], bool] = lambda p: True,
                 timeout: float = 60) -> dict[str, Any]:
        """The params of the next notification `method` that `accept` takes (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ServerError(f"no {method} in {timeout} s")
            try:
                msg = self.notifications.get(timeout=left)
            except queue.Empty:
                continue
            if msg.get("method") == "$/closed":
                raise ServerError("the server closed its output")
            if msg.get("method") == method and accept(msg.get("params") or {}):
                return msg.get("params") or {}

    def initialize(self, root: Path) -> Any:
        result = self.request("initialize", {"processId": None, "rootUri": root.resolve().as_uri(),
                                             "capabilities": {}})
        self.notify("initialized", {})
        return result

    def close(self) -> int:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=20)
                self.notify("exit", None)
            return self.proc.wait(timeout=20)
        except (ServerError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            return self.proc.wait()
