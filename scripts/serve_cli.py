"""`tsunagari serve`: gunicorn (production WSGI server) with JSON-lines logs; `--dev` keeps Flask's
reloading development server.

Access log: one JSON object per request on stdout (or --access-log FILE):
    {"time": "...+09:00", "remote": "...", "method": "GET", "path": "/api/places", "query": "...",
     "status": 200, "bytes": 2345, "ms": 3.1, "ua": "..."}
Error log: one JSON object per message on stderr (or --error-log FILE):
    {"time": "...", "level": "INFO", "logger": "gunicorn.error", "message": "..."}
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os

import click

JST = dt.timezone(dt.timedelta(hours=9))


def _now() -> str:
    return dt.datetime.now(JST).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": _now(), "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def default_workers() -> int:
    """One worker process per core: measured on 2 cores (scripts/bench_serve.py), 2 workers x 4
    threads served 687 req/s where 5 x 2 served 457 — more processes than cores only fight for CPU
    with PostgreSQL; the threads cover the time spent waiting on the database."""
    return max(2, os.cpu_count() or 1)


# Two threads per worker: one runs Python while the other waits on the database. Measured on 2
# cores (docs/scaling.md), nearby requests alone: 2 x 2 gave p99 15–22 ms, 2 x 3 17–37 ms and
# 2 x 4 27–44 ms (more threads only take turns on the GIL). The price: while two clients print
# meeting PDFs (2 s each), a nearby request may wait for a PDF on its worker (scripts/bench_mixed.py:
# p99 0.7–1.6 s at 2 x 2, 190–255 ms at 2 x 3, 82–126 ms at 2 x 4) — a node that prints a lot
# should run --threads 3 or 4.
DEFAULT_THREADS = 2


def _gunicorn_classes():
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    class JsonLogger(Logger):
        """gunicorn's logger with JSON lines: access records built from the request, not a format string
        (so a quote in a user agent cannot break the line)."""

        def setup(self, cfg):
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())
            for handler in self.access_log.handlers:
                handler.setFormatter(logging.Formatter("%(message)s"))

        def access(self, resp, req, environ, request_time):
            if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
                return
            status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
            record = {
                "time": _now(), "remote": environ.get("REMOTE_ADDR"), "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"), "query": environ.get("QUERY_STRING") or None,
                "status": int(status), "bytes": getattr(resp, "sent", None),
                "ms": round(request_time.total_seconds() * 1000, 2), "ua": environ.get("HTTP_USER_AGENT"),
            }
            try:
                self.access_log.info(json.dumps(record, ensure_ascii=False))
            except Exception:  # noqa: BLE001 - logging must never fail a request
                self.exception("access log failed")

    class TsunagariServer(BaseApplication):
        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            from web import create_app
            return create_app()

    return JsonLogger, TsunagariServer


# A worker is replaced after this many requests (gunicorn's guard against slow memory growth).
# Not too often: a new worker spends about a second of CPU loading the app and starts with cold
# caches and a new pool, so at 20,000 a 2-core node under full load replaced a worker every 30 s
# (40 s of load: p99 53.6 and 27.8 ms at 20,000, 23.9 and 16.4 ms at 200,000; docs/scaling.md).
DEFAULT_MAX_REQUESTS = 200_000


def run_gunicorn(host: str, port: int, workers: int, threads: int, access_log: str | None,
                 error_log: str | None, timeout: int = 30, max_requests: int = DEFAULT_MAX_REQUESTS) -> None:
    JsonLogger, TsunagariServer = _gunicorn_classes()
    TsunagariServer({
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout, "graceful_timeout": 10, "keepalive": 5,
        "accesslog": access_log or "-", "errorlog": error_log or "-", "logger_class": JsonLogger,
        "proc_name": "tsunagari", "preload_app": False,  # each worker opens its own database pool
        "max_requests": max_requests, "max_requests_jitter": max_requests // 10,
        "post_worker_init": _quiet_gc,
        # each worker its own listening socket (SO_REUSEPORT): the kernel spreads keep-alive
        # connections evenly, instead of one worker accepting most of them and queueing them
        "reuse_port": True,
    }).run()


def _quiet_gc(worker) -> None:
    """Fewer, shorter garbage collections in a worker: what the app loaded at start is frozen out of
    every later collection, and the young generation is collected less often (a full collection
    in the middle of a request is a tail-latency spike)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20000, 20, 20)


@click.command(help="ウェブ画面を起動 (serve the web app with gunicorn; --dev: Flask's reloading server)")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=None, type=int, help="worker processes (default: one per core, at least 2)")
@click.option("--threads", default=DEFAULT_THREADS, type=int, show_default=True,
              help="threads per worker (raise it when slow requests such as PDF exports must not queue)")
@click.option("--max-requests", default=DEFAULT_MAX_REQUESTS, type=int, show_default=True,
              help="replace a worker after this many requests, ±10 % (0: never)")
@click.option("--access-log", default=None, help="access log file (default: stdout); '' to switch it off")
@click.option("--error-log", default=None, help="error log file (default: stderr)")
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader (not for production)")
@click.option("--debug", is_flag=True, hidden=True)
def serve(host: str, port: int, workers: int | None, threads: int, max_requests: int, access_log: str | None,
          error_log: str | None, dev: bool, debug: bool) -> None:
    from geo.storage.db import ensure_database
    ensure_database()
    click.echo(f"つながりマップ: http://{host}:{port}/", err=True)
    if dev or debug:
        from web import create_app
        create_app().run(host=host, port=port, debug=True, use_reloader=dev, threaded=True)
        return
    if access_log == "":
        access_log = "/dev/null"
    run_gunicorn(host, port, workers or default_workers(), max(1, threads), access_log, error_log,
                 max_requests=max(0, max_requests))
