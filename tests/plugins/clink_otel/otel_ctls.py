"""Controllers the clink_otel tests trace."""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from clink_core import Controller, mapper
from clink_core.plugin import Http404Error


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/{id:int}")
    def get_one(self, req: Any, res: Any) -> None:
        if req.params["id"] == 0:
            raise Http404Error("no book 0")
        res.body = {"id": req.params["id"]}

    @mapper.get("/boom")
    def boom(self, req: Any, res: Any) -> None:
        raise ValueError("the shelf collapsed")

    @mapper.post("/item")
    def add(self, req: Any, res: Any) -> None:
        res.status = 201
        res.body = {"got": req.body}

    @mapper.get("/current")
    def current(self, req: Any, res: Any) -> None:
        """Answers the ids of the span current in the handler (the server span)."""
        ctx = trace.get_current_span().get_span_context()
        res.body = {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"}
