"""gunicorn settings for a Clink app in production (``gunicorn --config THIS_FILE module:app``).

Every value can be overridden on the command line (``--workers 4``) or through
gunicorn's ``GUNICORN_CMD_ARGS``; the environment variables below are read here so
one image fits hosts of any size. tests/e2e/test_scale.py runs two instances with
this file. Run as a script, it checks the settings with gunicorn's own parser:
``python docs/examples/deploy_gunicorn_conf.py``.
"""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Worker processes: about one per core (each has its own GIL); WEB_CONCURRENCY is the
# variable gunicorn and most platforms use for it.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads per worker: requests wait on MongoDB, SMTP and slow clients, not on the CPU.
# A slow client holds one thread, so threads bound how many a worker survives.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker whose main loop is stuck this long is killed and replaced (gthread workers
# keep beating while their threads wait, so a slow request does not trigger it).
# A worker that exits stops beating too: what it does at exit (flush the logs, drain
# the mail queue: CLINK_SMTP_DRAIN_TIMEOUT, 10 s by default) must fit in it.
timeout = 20
# SIGTERM to the master (a container stop): the workers stop accepting, finish the
# requests in flight and exit as above; past graceful_timeout the master kills them.
# Keep it above the drain timeout, and the container's stop timeout above it.
graceful_timeout = 30
keepalive = 2  # seconds an idle kept-alive connection stays open
# gunicorn's defaults, stated so that nobody raises them unknowingly.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Logs: gunicorn's own to the container's output; clink-log writes the request and
# error lines (CLINK_LOG_DIR or CLINK_LOG_STREAM).
accesslog = None
errorlog = "-"
# gunicorn >= 25 opens a control socket in the working directory unless told not to.
control_socket_disable = True

# Multiprocess metrics: with PROMETHEUS_MULTIPROC_DIR set, clink-metrics' hooks empty
# the directory at start, drop a dead worker's live gauges, and (with
# CLINK_METRICS_PORT) serve every worker's sums from the master.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from clink_metrics.gunicorn import child_exit, on_starting, when_ready  # noqa: F401


def _self_check() -> None:
    """Every setting above is one gunicorn knows, with a value it accepts."""
    from gunicorn.config import Config

    cfg = Config()
    names = set(cfg.settings)
    settings = {k: v for k, v in globals().items() if not k.startswith("_") and k != "os"}
    for name, value in settings.items():
        if name == "control_socket_disable" and name not in names:
            continue  # gunicorn < 25 has no control socket
        assert name in names, f"gunicorn has no setting {name!r}"
        cfg.set(name, value)
    assert cfg.worker_class_str == "gthread" and cfg.threads == threads
    drain = 10  # CLINK_SMTP_DRAIN_TIMEOUT's default
    assert cfg.timeout > drain, "a worker's exit (the mail drain) must fit in timeout"
    assert cfg.graceful_timeout > drain, "graceful_timeout must exceed the mail drain"
    print(f"deploy_gunicorn_conf: {len(settings)} settings accepted by gunicorn")


if __name__ == "__main__":
    _self_check()
