"""Coverage-guided fuzzing of the kernel's request parsing with atheris (issue 16, point 1).

    python fuzz/fuzz_kernel.py --seconds 120          # what ``nox -s fuzz`` runs
    python fuzz/fuzz_kernel.py --seconds 60 crashes/  # libFuzzer options/corpus after ours

The kernel (``clink_core``) is instrumented; each input is turned into the parts of a
request (method, path, query, headers, content type, body, framing) and run through
the app of ``tests/core/fuzz_kernel.py`` with the same property as the hypothesis tests:
no exception out of ``App.__call__``, no generic 500, an error body in JSON naming its
status, no traceback or submitted secret in the answer, and a bounded CPU time per
request (``--time-bound``, default 0.25 s: instrumented code runs several times slower
than the 50 ms the uninstrumented tests allow). An input that breaks it is a crash:
libFuzzer writes it to ``test-output/fuzz/crash-<sha1>`` and stops with the traceback;
``python fuzz/fuzz_kernel.py test-output/fuzz/crash-<sha1>`` runs that input again.

The run stops by itself after ``--seconds`` and prints how many inputs it tried
(recorded to ``CLINK_RELIABILITY_RESULTS`` when set).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "core"), str(ROOT / "tests")]

with atheris.instrument_imports(include=["clink_core"]):
    import clink_core  # noqa: F401 - instrumented before the app imports it
    from clink_core.http import form  # noqa: F401

from fuzz_kernel import ROUTES, SECRET, build_apps, environ, run_checked  # noqa: E402
from reliability_results import record  # noqa: E402

APPS = build_apps()
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "BREW", ""]
HEADER_NAMES = [
    "Accept", "Cookie", "Authorization", "X-Forwarded-For", "Forwarded", "If-None-Match",
    "If-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "If-Range", "X-Tag",
    "Host", "Content-Type", "Content-Length", "Transfer-Encoding", "X-Api-Key",
]
CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-8", "application/merge-patch+json",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ",
    "multipart/form-data", "application/octet-stream", "text/plain", "", "APPLICATION/JSON;;",
]
#: bodies the fuzzer starts from (its corpus grows from these).
SEEDS = [
    b'{"name":"' + SECRET.encode() + b'","n":1,"tags":["a"],"meta":{"x":[1,2.5,null]}}',
    b'{"name":"a","name":"b"}',
    b"[" * 70 + b"]" * 70,
    b'{"name":"x","n":' + b"9" * 400 + b"}",
    b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + SECRET.encode()
    + b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\n"
    b"Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
    b"a=1&a=2&b=%C3%A9&c=+&=&&d=" + SECRET.encode(),
]

TRIED = 0
STOP_AT = 0.0
#: the seed corpus folder made for this run (removed at the end), if any.
CORPUS: str | None = None
TIME_BOUND = 0.25


def request_env(data: bytes):  # type: ignore[no-untyped-def]
    """The app and a maker of fresh environs for one fuzzer input."""
    fdp = atheris.FuzzedDataProvider(data)
    app = APPS[fdp.ConsumeIntInRange(0, len(APPS) - 1)]
    method = fdp.PickValueInList(METHODS + [m for m, _ in ROUTES])
    if fdp.ConsumeBool():
        path = fdp.PickValueInList([p for _, p in ROUTES]) + fdp.ConsumeBytes(
            fdp.ConsumeIntInRange(0, 24)).decode("latin-1")
    else:
        path = "/" + fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64)).decode("latin-1")
    query = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 256)).decode("latin-1")
    headers = []
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        name = fdp.PickValueInList(HEADER_NAMES)
        headers.append((name, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 128)).decode("latin-1")))
    if fdp.ConsumeBool():
        headers.append(("Content-Type", fdp.PickValueInList(CONTENT_TYPES)))
    framing = fdp.ConsumeIntInRange(0, 3)
    shift = fdp.ConsumeIntInRange(-8, 8)
    raw_uri = fdp.ConsumeBool()
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    length = None
    if framing == 2:
        length = str(max(len(body) + shift, 0))
    chunked = framing == 3

    def make():  # type: ignore[no-untyped-def]
        return environ(method, path, query, headers, body, length=length, chunked=chunked,
                       raw_uri=(path + "?" + query) if raw_uri else None)

    return app, make


def test_one_input(data: bytes) -> None:
    global TRIED
    TRIED += 1
    if time.monotonic() > STOP_AT:
        finish()
    app, make = request_env(data)
    run_checked(app, make, TIME_BOUND)


def finish() -> None:
    """Report the count and leave (libFuzzer's own exit skips Python's atexit)."""
    record("kernel-fuzz-atheris", inputs=TRIED, crashes=0,
           seconds=round(time.monotonic() - STARTED))
    if CORPUS is not None:
        shutil.rmtree(CORPUS, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)


def seed_corpus() -> str:
    """A corpus folder holding the seeds, each behind a prefix that picks a JSON route."""
    folder = tempfile.mkdtemp(prefix="clink-fuzz-corpus-")
    for i, body in enumerate(SEEDS):
        Path(folder, f"seed-{i}").write_bytes(b"\x00" * 24 + body)
    return folder


STARTED = time.monotonic()


def main() -> None:
    global CORPUS, STOP_AT, TIME_BOUND
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to fuzz")
    parser.add_argument("--time-bound", type=float, default=TIME_BOUND,
                        help="CPU seconds one request may take (instrumented)")
    args, libfuzzer = parser.parse_known_args()
    STOP_AT = time.monotonic() + args.seconds
    TIME_BOUND = args.time_bound
    if not any(not a.startswith("-") for a in libfuzzer):
        CORPUS = seed_corpus()
        libfuzzer.append(CORPUS)
    crashes = ROOT / "test-output" / "fuzz"
    crashes.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], *libfuzzer, f"-max_total_time={int(args.seconds) + 30}",
            f"-artifact_prefix={crashes}/",
            "-timeout=10", "-rss_limit_mb=4096", "-max_len=65536"]
    print(f"fuzzing the kernel for {args.seconds:.0f} s: {json.dumps(argv[1:])}", flush=True)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
