# gunicorn settings of the multiprocess test: clink-metrics' server hooks, as the README shows.
from clink_metrics.gunicorn import child_exit, on_starting, when_ready  # noqa: F401
