"""Reading a Prometheus page back, for the clink_metrics tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page: (name, sorted labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(page: dict, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` of a page ``samples`` read (0 when it is absent)."""
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


def requests(page: dict, route: str, status: str, method: str = "GET") -> float:
    return value(page, "clink_http_requests_total", method=method, route=route, status=status)
