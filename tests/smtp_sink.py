"""A local SMTP sink (aiosmtpd) that records what it receives, for end-to-end tests and benches.

In a test: ``with SmtpSink() as sink: ...`` then ``sink.messages`` (parsed emails) and
``sink.deliveries`` (Message-ID -> times received). As a process (bench):
``python -m tests.smtp_sink --port 2525 --log /tmp/sink.log`` appends one line per accepted
message: ``<message-id>\t<recipient>``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import signal
import socket
import threading
import time
from collections import Counter
from email.message import EmailMessage
from typing import Any, TextIO

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingHandler:
    def __init__(self, keep: bool = True, log: TextIO | None = None) -> None:
        self.keep = keep
        self.log = log
        self.messages: list[EmailMessage] = []
        self.deliveries: Counter[str] = Counter()
        self.refuse_next = 0  # answer 451 (try again later) to this many messages
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        message_id = _header(envelope.content, b"message-id")
        with self.lock:
            self.deliveries[message_id] += 1
            if self.keep:
                self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            if self.log is not None:
                for rcpt in envelope.rcpt_tos:
                    self.log.write(f"{message_id}\t{rcpt}\n")
        return "250 2.0.0 OK"


def _header(content: bytes, name: bytes) -> str:
    """One header's value without parsing the whole message (the bench receives 100,000)."""
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line.lower().startswith(name + b":"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace")
    return ""


class SmtpSink:
    """An SMTP server on 127.0.0.1 in a background thread."""

    def __init__(self, port: int | None = None, keep: bool = True, log: TextIO | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler(keep=keep, log=log)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def deliveries(self) -> Counter[str]:
        with self.handler.lock:
            return Counter(self.handler.deliveries)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[EmailMessage]:
        """Wait until at least `count` messages have arrived; return them."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.handler.messages) >= count:
                break
            time.sleep(0.1)
        return self.messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    with open(args.log, "a", buffering=1) as log:
        sink = SmtpSink(port=args.port, keep=False, log=log)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        with sink:
            print(f"smtp sink listening on 127.0.0.1:{args.port}", flush=True)
            stop.wait()


if __name__ == "__main__":
    main()
