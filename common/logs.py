"""Masks card numbers, passwords, emails and phone numbers in a process's log output.

`install_log_masking()` is called once at start-up by every process Shopdesk starts (store,
action server, handoff; the Rasa server through `bot.channels`). It masks in two places:

- every `logging` record, whatever handler later writes it (a record factory masks the
  message and its string arguments, keeping their shape for formatters that unpack them);
- the process's `sys.stdout` and `sys.stderr`, line by line, for what bypasses logging
  (prints, tracebacks, handlers that were created on these streams after start-up).

Not switchable: it only uses Python's public `sys` and `logging` hooks (no library's
internals), and a switch would let card numbers and emails into the logs.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from common.masking import mask_for_logs

_installed = False
_lock = threading.Lock()


def install_log_masking(mask: Callable[[str], str] = mask_for_logs) -> None:
    """Mask log records and the standard streams from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record, mask)
        return record

    logging.setLogRecordFactory(factory)
    originals = {id(sys.stdout): sys.stdout, id(sys.stderr): sys.stderr}
    wrapped = {key: MaskingStream(stream, mask) for key, stream in originals.items()}
    sys.stdout = wrapped[id(sys.stdout)]
    sys.stderr = wrapped[id(sys.stderr)]
    # Handlers created before this point (basicConfig, Rasa's own) hold the original streams.
    for logger in (logging.getLogger(), *_named_loggers()):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and id(handler.stream) in wrapped:
                handler.setStream(wrapped[id(handler.stream)])


def _named_loggers() -> list[logging.Logger]:
    return [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]


def mask_record(record: logging.LogRecord, mask: Callable[[str], str]) -> None:
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    elif record.msg is not None:
        record.msg = _mask_value(record.msg, mask)  # e.g. logger.error(exception)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_mask_value(a, mask) for a in args)
    elif isinstance(args, dict):
        record.args = {k: _mask_value(v, mask) for k, v in args.items()}


def _mask_value(value: object, mask: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, bytes | int | float):
        return value  # numbers keep their type for %d / %.2f
    # Objects formatted with %s (exceptions, dicts, events): mask their text form.
    try:
        return mask(str(value))
    except Exception:  # noqa: BLE001 - a broken __str__ must not stop the log line
        return value


class MaskingStream(io.TextIOBase):
    """A text stream that masks each complete line before passing it on."""

    def __init__(self, wrapped: TextIO, mask: Callable[[str], str]) -> None:
        self.wrapped = wrapped
        self._mask = mask
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                complete, _, self._pending = self._pending.rpartition("\n")
                self.wrapped.write(self._mask(complete) + "\n")
            if len(self._pending) > 65536:  # no newline coming: do not grow forever
                self.wrapped.write(self._mask(self._pending))
                self._pending = ""
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self.wrapped.write(self._mask(self._pending))
                self._pending = ""
        self.wrapped.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.wrapped.isatty()

    def fileno(self) -> int:
        return self.wrapped.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.wrapped.encoding

    @property
    def buffer(self) -> Any:
        return self.wrapped.buffer
