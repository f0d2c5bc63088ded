"""The ``clink`` command: run an app, list its routes, list installed plugins."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ..app.app import App
from ..app.error import AppStateError
from ..app.plugins import describe_plugins
from ..com.error import ComError
from ..pipeline.error import PipelineError, PluginLoadError
from ..routing.error import RoutingError
from ..type.error import ConfError
from .serve import ServerLimits
from .target import TargetError, load_target


def _loaded(spec: str) -> App:
    app = load_target(spec)
    if not app.loaded:
        try:
            app.load()
        except LOAD_ERRORS as e:
            raise TargetError(f"cannot load {spec}: {type(e).__name__}: {e}") from e
    return app


#: errors of a broken app definition, shown as one line instead of a traceback.
LOAD_ERRORS = (AppStateError, ComError, ConfError, PipelineError, PluginLoadError, RoutingError)


def cmd_run(args: argparse.Namespace) -> int:
    from .serve import run

    app = _loaded(args.app)
    if args.asgi:
        return _run_asgi(args, app)
    limits = ServerLimits(
        timeout=args.timeout,
        max_request_line=args.max_request_line,
        max_header_count=args.max_header_count,
        max_header_bytes=args.max_header_bytes,
    )
    run(args.host, args.port, app, limits, reload=args.reload)
    return 0


def _run_asgi(args: argparse.Namespace, app: App) -> int:
    """Serve ``app.asgi`` with uvicorn (``clink-core[asgi]``)."""
    try:
        import uvicorn
    except ImportError:
        raise TargetError(
            "--asgi serves with uvicorn, which is not installed: pip install 'clink-core[asgi]'"
        ) from None
    if args.reload:
        raise TargetError("--asgi --reload: use uvicorn's own: uvicorn MODULE:APP.asgi --reload")
    uvicorn.run(
        app.asgi, host=args.host, port=args.port, lifespan="on",
        timeout_keep_alive=int(args.timeout), h11_max_incomplete_event_size=args.max_header_bytes,
        ws_max_size=app.conf.max_body,  # a WebSocket message is bounded as a body is
    )
    return 0


def _positive(kind: type[int] | type[float]) -> Any:
    """An argparse ``type`` accepting a positive ``kind`` only."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def cmd_routes(args: argparse.Namespace) -> int:
    app = _loaded(args.app)
    rows = [("METHOD", "PATH", "CONTENT-TYPE", "HANDLER")]
    for route in sorted(app.router.routes, key=lambda r: (r.path, r.method)):
        handle = route.endpoint
        owner = getattr(getattr(handle, "__self__", None), "__class__", None)
        name = getattr(handle, "__qualname__", repr(handle))
        if owner is not None:
            name = f"{owner.__module__}.{name}"
        rows.append((route.method, route.path, route.req_type or "-", name))
    _print_table(rows)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    app = _loaded(args.app)
    print(json.dumps(app.openapi(), indent=2, ensure_ascii=False))
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    app = _loaded(args.app) if args.app else None  # first: its folder joins sys.path
    infos = describe_plugins()
    if not infos and app is None:
        print("no clink plugins installed (entry-point group clink.plugins)")
        return 0
    header = ("NAME", "DISTRIBUTION", "VERSION", "MODULE", "STATUS")
    rows: list[tuple[str, ...]] = [(*header, "ENABLED") if app is not None else header]
    seen: set[str] = set()
    for info in infos:
        status = "ok" if info.error is None else f"error: {info.error}"
        row: tuple[str, ...] = (info.name, info.dist, info.version, info.target, status)
        if app is not None:
            enabled = info.name in app.plugin_names or info.target in app.plugin_names
            seen.update((info.name, info.target))
            row = (*row, "yes" if enabled else "no")
        rows.append(row)
    if app is not None:
        # plugins the app was given as objects, not through an entry point
        for name in app.plugin_names:
            if name not in seen:
                rows.append((name, "-", "-", name, "ok", "yes"))
    _print_table(rows)
    return 1 if any(i.error for i in infos) else 0


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clink", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve MODULE:APP on the development server")
    run.add_argument("app", metavar="MODULE:APP")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--reload", action="store_true", help="restart when a source file changes")
    run.add_argument(
        "--asgi", action="store_true",
        help="serve the ASGI app (async handlers, WebSockets) with uvicorn: clink-core[asgi]",
    )
    limits = ServerLimits()
    run.add_argument(
        "--timeout", type=_positive(float), default=limits.timeout, metavar="SECONDS",
        help="time for a whole request to arrive, else 408 and close (default %(default)s)",
    )
    run.add_argument(
        "--max-request-line", type=_positive(int), default=limits.max_request_line,
        metavar="BYTES", help="longest request line, else 414 (default %(default)s)",
    )
    run.add_argument(
        "--max-header-count", type=_positive(int), default=limits.max_header_count,
        metavar="N", help="most header fields, else 431 (default %(default)s)",
    )
    run.add_argument(
        "--max-header-bytes", type=_positive(int), default=limits.max_header_bytes,
        metavar="BYTES", help="largest header block, else 431 (default %(default)s)",
    )
    run.set_defaults(func=cmd_run)
    routes = sub.add_parser("routes", help="list the routes of MODULE:APP")
    routes.add_argument("app", metavar="MODULE:APP")
    routes.set_defaults(func=cmd_routes)
    openapi = sub.add_parser("openapi", help="print the OpenAPI 3.1 document of MODULE:APP")
    openapi.add_argument("app", metavar="MODULE:APP")
    openapi.set_defaults(func=cmd_openapi)
    plugins = sub.add_parser(
        "plugins", help="list installed clink plugins (and, given MODULE:APP, which it enables)"
    )
    plugins.add_argument("app", metavar="MODULE:APP", nargs="?", default=None)
    plugins.set_defaults(func=cmd_plugins)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except TargetError as e:
        print(f"clink: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
