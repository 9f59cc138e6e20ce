"""Logging to stdout: readable lines on a terminal, one JSON object per line
elsewhere (containers, log collectors) or when ``AGGREGATOR_LOG_FORMAT=json``.

The standard library's logging is enough here: the JSON formatter is a dozen lines
and every module logs with ``extra={...}`` fields that end up as JSON keys.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({key: value for key, value in vars(record).items()
                        if key not in _RESERVED and value is not None})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {key: value for key, value in vars(record).items()
                 if key not in _RESERVED and value is not None and key != "event"}
        details = " ".join(f"{key}={value}" for key, value in extra.items())
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} " \
               f"{record.getMessage()}"
        return f"{line}  {details}" if details else line


def setup(level: int = logging.INFO, *, json_format: bool | None = None,
          stream: TextIO | None = None) -> None:
    """Send the aggregator's logs to ``stream`` (stdout by default)."""
    stream = stream or sys.stdout
    if json_format is None:
        wanted = os.environ.get("AGGREGATOR_LOG_FORMAT", "").lower()
        json_format = wanted == "json" or (wanted != "text" and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    root = logging.getLogger("aggregator")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
