"""Time ``CompiledSchema.check`` on a valid and on invalid small bodies (not a test).

``python bench/bench_dflow.py`` prints µs per call, best of 7 rounds, for the
benchmark's book schema: the valid body, the benchmark's invalid body (one
pattern error) and a body with three errors. On a busy machine count
instructions instead (``--calls`` runs one body N times, untimed)::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/bench_dflow.py --body valid --calls 2000   # minus --calls 0, / 2000
"""

from __future__ import annotations

import argparse
import timeit

from clink_core.dflow import CompiledSchema, FormatError

BOOK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
    },
}
BODIES = {
    "valid": {"name": "Dead Note", "author": "Death"},
    "invalid": {"name": "Dead Note!", "author": "Death"},
    "invalid3": {"name": 5, "author": "D", "extra": True},
}


def _call(schema: CompiledSchema, body: object) -> None:
    try:
        schema.check("body", body)
    except FormatError:
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body", choices=sorted(BODIES), help="run only this body")
    parser.add_argument("--calls", type=int, help="call N times untimed (for callgrind)")
    args = parser.parse_args()
    schema = CompiledSchema(BOOK_SCHEMA)
    bodies = {args.body: BODIES[args.body]} if args.body else BODIES
    if args.calls is not None:
        for body in bodies.values():
            for _ in range(100):  # warm up, then the counted calls
                _call(schema, body)
            for _ in range(args.calls):
                _call(schema, body)
        return
    n = 20000
    for label, body in bodies.items():
        best = min(timeit.repeat(lambda b=body: _call(schema, b), number=n, repeat=7))
        print(f"{label:10} {best / n * 1e6:7.2f} µs")


if __name__ == "__main__":
    main()
