"""Scale-out, shown (issue 12, point 5): the demo app as it runs in production, two gunicorn
instances ("hosts" on two ports) with 3 gthread workers each, one shared MongoDB, one
mail server, and a bounded load from a real client (wrk, else Python threads) spread
over both. Everything on 127.0.0.1 (``scale_cluster``, ``scale_load``).

What must hold, whichever of the six workers gets a request:

a. the login throttle refuses the 6th attempt after 5 failures, spread over any workers;
b. a reused refresh token revokes its family, and every worker then refuses it;
c. 20 concurrent registrations of one name across both instances make one account;
d. request ids (clink-log's ``X-Request-Id`` and request lines) are unique across workers;
e. each instance's metrics scrape sums its workers (prometheus multiprocess files);
f. registration and reset-code mail in a worker stopped with SIGTERM is sent or reported.

The load runs ``CLINK_SCALE_SECONDS`` seconds (3 in the default run; ``nox -s scale``:
30) with ``CLINK_SCALE_CONNECTIONS`` connections per instance, from
``CLINK_SCALE_CLIENT`` (``auto``: wrk when installed, else Python; ``wrk``: wrk or
fail under CI). Each check records its numbers (``reliability_results.record``).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from e2e_needs import missing, need_module
from reliability_results import record
from scale_cluster import (
    DRAIN_TIMEOUT,
    GRACEFUL_TIMEOUT,
    ROOT_EMAIL,
    ROOT_PWD,
    SEEN,
    WORKERS,
    Cluster,
    Conn,
    Instance,
    cluster,
    copy_worker_files,
)
from scale_load import CLIENTS, LoadResult, mix, run_python, run_wrk, wrk_path

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.skipif(sys.platform == "win32", reason="gunicorn is POSIX only"),
]

SECONDS = int(os.environ.get("CLINK_SCALE_SECONDS") or "3")
CONNECTIONS = int(os.environ.get("CLINK_SCALE_CONNECTIONS") or "4")
CLIENT = (os.environ.get("CLINK_SCALE_CLIENT") or "auto").strip().lower()
#: the throttle's default: failed logins allowed per (name, client address) and window.
LOGIN_MAX_FAILS = 5
PWD = "pass-w0rd-9"
#: the routes of the load (scale_load.mix), as clink-metrics names them.
LOAD_ROUTES = ("/book/list", "/book/item", "/acc/me", "/healthz")
_GENERATED = re.compile(r"^([0-9a-f]{16})-[0-9a-f]+$")


@pytest.fixture(scope="module")
def cl(tmp_path_factory: pytest.TempPathFactory) -> Any:
    need_module("gunicorn", "needs gunicorn (nox installs it for the tests)")
    need_module("aiosmtpd", "needs aiosmtpd (clink-smtp depends on it)")
    from clink_mongo.testing import TEST_URL_ENV

    if not os.environ.get(TEST_URL_ENV):
        need_module("secantus", "needs SecantusDB (clink-mongo[test]) or CLINK_TEST_MONGO_URL")
    with cluster(tmp_path_factory.mktemp("scale")) as made:
        yield made


def _addr() -> str:
    """A client address no other check uses (the throttle counts per address)."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def _close(conns: list[Conn]) -> None:
    for conn in conns:
        conn.close()


def _at_once(jobs: list[Any]) -> list[Any]:
    """Run the callables at the same moment (a barrier), each on its own thread; their
    results (or the exception each raised), in order."""
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        barrier.wait(30)
        try:
            results[i] = jobs[i]()
        except Exception as e:  # the caller's assertion shows it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


# -- a. login throttle --------------------------------------------------------------------
def test_a_login_throttle_triggers_after_the_same_failures_on_any_worker(cl: Cluster) -> None:
    conns = cl.all_conns()
    try:
        assert len({c.pid for c in conns}) == 2 * WORKERS
        sixth_refused_by = set()
        for start in range(len(conns)):  # the failures start on each worker in turn
            client = _addr()
            used = set()
            for k in range(LOGIN_MAX_FAILS):
                conn = conns[(start + k) % len(conns)]
                status, _, body = conn.login("root", "wrong-pwd", client)
                assert status == 400 and body["error"] == "invalid_grant", (status, body)
                used.add(conn.instance.name)
            assert used == {"a", "b"}  # the five failures reached both instances
            for conn in conns:  # the 6th attempt, even with the right password: every worker
                status, head, body = conn.login("root", ROOT_PWD, client)
                assert status == 429 and body["error"] == "slow_down", (conn.pid, status, body)
                assert 0 < int(head["retry-after"]) <= 900
                sixth_refused_by.add(conn.pid)
            # and nobody else is locked out of root
            got = conns[start].login("root", ROOT_PWD, _addr())
            assert got[0] == 200, got
    finally:
        _close(conns)

    # 12 guesses at the same moment, on new connections to both instances
    client = _addr()

    def guess(inst: Instance) -> int:
        conn = Conn(inst)
        try:
            return conn.login("root", "wrong-pwd", client)[0]
        finally:
            conn.close()

    statuses = _at_once([lambda i=i: guess(cl.instances[i % 2]) for i in range(12)])
    assert sorted(statuses) == [400] * LOGIN_MAX_FAILS + [429] * 7, statuses
    record("scale-login-throttle", workers=len(sixth_refused_by), rounds=len(conns),
           failures_before_429=LOGIN_MAX_FAILS,
           concurrent=f"{statuses.count(400)}x400 {statuses.count(429)}x429 of 12")


# -- b. refresh token reuse ---------------------------------------------------------------
def test_b_a_reused_refresh_token_revokes_its_family_on_every_worker(cl: Cluster) -> None:
    conns = cl.all_conns()
    try:
        status, _, pair = conns[0].login("root", ROOT_PWD, _addr())
        assert status == 200
        chain = [pair["refresh_token"]]
        for i in range(1, len(conns) + 1):  # a rotation on every worker, in turn
            status, _, body = conns[i % len(conns)].refresh(chain[-1])
            assert status == 200, (i, status, body)
            chain.append(body["refresh_token"])
        # the first token, retired, comes back (stolen and replayed) on another worker
        status, _, body = conns[3].refresh(chain[0])
        assert status == 400 and body["error"] == "invalid_grant", body
        refused = 0
        for conn in conns:  # the family's newest token is now refused everywhere
            status, _, body = conn.refresh(chain[-1])
            assert status == 400 and body["error"] == "invalid_grant", (conn.pid, body)
            refused += 1
        # a new login starts a new family, which works
        status, _, pair = conns[5].login("root", ROOT_PWD, _addr())
        assert status == 200 and conns[1].refresh(pair["refresh_token"])[0] == 200

        # one refresh token sent to all six workers at the same moment: at most one
        # rotation wins, and its new token dies with the family
        status, _, pair = conns[2].login("root", ROOT_PWD, _addr())
        assert status == 200
        token = pair["refresh_token"]

        def use(inst: Instance) -> tuple[int, Any]:
            conn = Conn(inst)
            try:
                status, _, body = conn.refresh(token)
                return status, body
            finally:
                conn.close()

        results = _at_once([lambda i=i: use(cl.instances[i % 2]) for i in range(6)])
        won = [body for status, body in results if status == 200]
        assert len(won) <= 1, results
        assert sorted(s for s, _ in results) == [200] * len(won) + [400] * (6 - len(won))
        for body in won:
            for conn in conns:
                assert conn.refresh(body["refresh_token"])[0] == 400
    finally:
        _close(conns)
    record("scale-refresh-reuse", rotations=len(chain) - 1, refused_on_workers=refused,
           concurrent_uses=6, winners=len(won))


# -- c. concurrent registrations ----------------------------------------------------------
def test_c_20_concurrent_registrations_of_one_name_make_one_account(cl: Cluster) -> None:
    name = f"scale-{uuid.uuid4().hex[:8]}"
    emails = [f"{name}.{i}@example.org" for i in range(20)]

    def register(i: int) -> int:
        conn = Conn(cl.instances[i % 2])
        try:
            return conn.call("POST", "/acc/reg/code",
                             {"name": name, "email": emails[i], "pwd": PWD})[0]
        finally:
            conn.close()

    statuses = _at_once([lambda i=i: register(i) for i in range(20)])
    assert sorted(statuses) == [204] + [409] * 19, statuses
    winner = emails[statuses.index(204)]
    code = cl.mail.code_for(winner)
    assert all(cl.mail.to(e) == [] for e in emails if e != winner)
    client, db = cl.db()
    try:
        assert db.acctmp.count_documents({"name": name}) == 1

        def confirm(i: int) -> int:
            conn = Conn(cl.instances[i % 2])
            try:
                return conn.call("POST", "/acc/reg", {"code": code})[0]
            finally:
                conn.close()

        confirmed = _at_once([lambda i=i: confirm(i) for i in range(20)])
        assert sorted(confirmed) == [204] + [404] * 19, confirmed
        assert db.acc.count_documents({"name": name}) == 1
        assert db.acctmp.count_documents({"name": name}) == 0
    finally:
        client.close()
    conns = cl.all_conns()
    try:  # the one account logs in on every worker
        assert [c.login(name, PWD, _addr())[0] for c in conns] == [200] * len(conns)
    finally:
        _close(conns)
    record("scale-registrations", concurrent=20, codes=statuses.count(204),
           conflicts=statuses.count(409), confirmations=confirmed.count(204), accounts=1)


# -- the load -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def load(cl: Cluster, tmp_path_factory: pytest.TempPathFactory) -> LoadResult:
    """Login, one book, then the bounded load over both instances."""
    if CLIENT not in CLIENTS:
        pytest.fail(f"CLINK_SCALE_CLIENT must be one of {CLIENTS}, got {CLIENT!r}")
    use_wrk = CLIENT == "wrk" or (CLIENT == "auto" and wrk_path())
    if use_wrk and not wrk_path():
        missing("CLINK_SCALE_CLIENT=wrk needs wrk on PATH (apt-get install wrk)")
    # every worker answers at least once (a few kept-alive connections may all land on
    # two of the three workers: gunicorn does not balance connections)
    _close(cl.all_conns())
    conn = Conn(cl.a)
    try:
        status, _, pair = conn.login("root", ROOT_PWD, _addr())
        assert status == 200
        token = pair["access_token"]
        status, _, book = conn.call("POST", "/book/item", {
            "title": "Scale", "author": "Clink", "isbn": "9780000000002"}, token=token)
        assert status == 201, book
    finally:
        conn.close()
    requests = mix(book["id"], token)
    ports = [inst.port for inst in cl.instances]
    if use_wrk:
        result = run_wrk(ports, SECONDS, CONNECTIONS, requests, tmp_path_factory.mktemp("wrk"))
    else:
        result = run_python(ports, SECONDS, CONNECTIONS, requests)
    assert result.non_2xx == 0 and result.socket_errors == 0, result
    assert all(result.answers.get(port, 0) > 0 for port in ports), result.answers
    for inst in cl.instances:
        _settled(lambda inst=inst: len(inst.request_lines()))
    return result


def _settled(read: Any, quiet: float = 0.6, timeout: float = 30) -> Any:
    """``read()`` once two readings ``quiet`` seconds apart agree (logs and metrics files
    are written every 0.2 s)."""
    deadline = time.monotonic() + timeout
    last = read()
    while True:
        time.sleep(quiet)
        now = read()
        if now == last or time.monotonic() > deadline:
            return now
        last = now


# -- d. request ids -----------------------------------------------------------------------
def test_d_request_ids_are_unique_across_every_worker(cl: Cluster, load: LoadResult) -> None:
    lines = {inst.name: inst.request_lines() for inst in cl.instances}
    ids = [line["request_id"] for found in lines.values() for line in found]
    assert len(ids) >= load.total
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"{len(dupes)} request ids were used twice: {dupes[:5]}"
    prefixes = {}
    for inst in cl.instances:
        made = {_GENERATED.match(line["request_id"]) for line in lines[inst.name]}
        prefixes[inst.name] = {m.group(1) for m in made if m}
        assert len(prefixes[inst.name]) == WORKERS, prefixes  # one per worker process
        answered = sum(1 for line in lines[inst.name] if line["path"] in LOAD_ROUTES)
        assert answered >= load.answers[inst.port]  # every answer the client got is logged
    assert not prefixes["a"] & prefixes["b"]
    # what the tests' own connections were told: each worker one prefix, each id logged
    seen_ids = [rid for _, _, rid in SEEN]
    assert len(seen_ids) == len(set(seen_ids)) and set(seen_ids) <= set(ids)
    by_worker: dict[tuple[str, str], set[str]] = {}
    for inst, pid, rid in SEEN:
        by_worker.setdefault((inst, pid), set()).add(_GENERATED.match(rid).group(1))
    assert all(len(p) == 1 for p in by_worker.values()), by_worker
    assert len({next(iter(p)) for p in by_worker.values()}) == len(by_worker)
    if load.request_ids:  # the python client saw them too
        assert len(set(load.request_ids)) == len(load.request_ids)
        assert set(load.request_ids) <= set(ids)
    record("scale-request-ids", client=load.client, seconds=load.seconds,
           connections=load.connections, answered=load.total, logged=len(ids),
           duplicates=len(dupes), worker_prefixes=len(prefixes["a"] | prefixes["b"]))


# -- e. metrics ---------------------------------------------------------------------------
def _route_totals(text: str) -> Counter[str]:
    """``clink_http_requests_total`` by route, summed over methods and status classes."""
    from prometheus_client.parser import text_string_to_metric_families

    totals: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "clink_http_requests_total":
                totals[s.labels["route"]] += int(s.value)
    return totals


def _worker_totals(inst: Instance, tmp: Path) -> dict[str, Counter[str]]:
    """Each worker's own counts, read from its files alone."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    found = {}
    for path in sorted(inst.prom_dir.glob("counter_*.db")):
        pid = path.stem.rsplit("_", 1)[1]
        alone = copy_worker_files(inst.prom_dir, pid, tmp / inst.name / pid)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, str(alone))
        found[pid] = _route_totals(generate_latest(registry).decode())
    return found


def test_e_each_instance_s_scrape_sums_its_workers(cl: Cluster, load: LoadResult,
                                                   tmp_path: Path) -> None:
    shown = {}
    for inst in cl.instances:
        scrape = _settled(lambda inst=inst: _route_totals(inst.scrape_master()))
        logged = Counter(line["path"] for line in inst.request_lines())
        workers = _worker_totals(inst, tmp_path)
        assert len(workers) == WORKERS, sorted(workers)
        summed: Counter[str] = Counter()
        for counts in workers.values():
            summed.update(counts)
        for route in LOAD_ROUTES:
            # every request the workers logged is counted once in the master's sum, and
            # the sum is exactly the workers' own counts added up
            assert scrape[route] == logged[route] == summed[route], (inst.name, route)
        assert all(sum(c[r] for r in LOAD_ROUTES) > 0 for c in workers.values()), workers
        assert sum(scrape[r] for r in LOAD_ROUTES) >= load.answers[inst.port]
        # a worker's own /metrics answers the same sums
        conn = Conn(inst)
        try:
            status, _, body = conn.call("GET", "/metrics")
        finally:
            conn.close()
        assert status == 200
        page = _route_totals(body.decode())
        assert all(page[r] == scrape[r] for r in LOAD_ROUTES), (page, scrape)
        shown[inst.name] = "+".join(
            str(sum(c[r] for r in LOAD_ROUTES)) for c in workers.values()
        ) + f"={sum(scrape[r] for r in LOAD_ROUTES)}"
    record("scale-metrics", instance_a=shown["a"], instance_b=shown["b"])


def test_no_worker_died_or_was_replaced(cl: Cluster, load: LoadResult) -> None:
    """Through checks a to e and the load, no worker crashed, hung or was replaced."""
    for inst in cl.instances:
        log = inst.log_text()
        for sign in ("WORKER TIMEOUT", "Exception in worker process", "Segmentation"):
            assert sign not in log, f"{inst.name}'s log says {sign!r}:\n{log[-4000:]}"
        assert log.count("Booting worker") == WORKERS, log[-4000:]
        assert len(inst.worker_pids()) == WORKERS
        assert inst.proc is not None and inst.proc.poll() is None


# -- f. mail at SIGTERM -------------------------------------------------------------------
_NOT_SENT = re.compile(r"(\d+) queued mail job\(s\) for (\d+) recipient\(s\) were NOT sent")
_UNFINISHED = re.compile(r"(\d+) mail job\(s\) for (\d+) recipient\(s\) were still being sent")


def _reported(log: str) -> int:
    """Mail the server's log says it could not send (the drain's report, or a failure)."""
    counted = sum(int(m.group(2)) for m in _NOT_SENT.finditer(log))
    counted += sum(int(m.group(2)) for m in _UNFINISHED.finditer(log))
    counted += log.count("a queued mail job (")  # its failure, logged by the queue
    return counted


def _victim_conns(inst: Instance, count: int) -> tuple[str, list[Conn]]:
    conns = inst.conns_on_workers(per_worker=count)
    victim = sorted(conns)[0]
    _close([c for pid, cs in conns.items() if pid != victim for c in cs])
    return victim, conns[victim]


def _wait_gone(inst: Instance, pid: str, timeout: float) -> float:
    started = time.monotonic()
    while int(pid) in inst.worker_pids():
        assert time.monotonic() - started < timeout, f"worker {pid} still runs"
        time.sleep(0.05)
    return time.monotonic() - started


def _stop_worker(inst: Instance, pid: str) -> float:
    """SIGTERM to one worker (as gunicorn's max_requests or a scale-down does); the
    seconds until it is gone. The master starts another."""
    os.kill(int(pid), signal.SIGTERM)
    return _wait_gone(inst, pid, 60)


def _stop_instance(inst: Instance, pid: str) -> float:
    """SIGTERM to the master (as a container stop does); the seconds until it exited."""
    assert inst.proc is not None
    started = time.monotonic()
    inst.proc.send_signal(signal.SIGTERM)
    inst.proc.wait(GRACEFUL_TIMEOUT + 30)
    return time.monotonic() - started


def _sigterm_with_mail(cl: Cluster, inst: Instance, delay: float, resets: int,
                       stop: Any) -> dict[str, Any]:
    """Three registrations in flight and ``resets`` reset-code mails queued on one worker
    of ``inst``, the mail server taking ``delay`` s per message; then ``stop(inst, pid)``.
    What the clients were answered, what reached the mail server, what the log reports."""
    victim, conns = _victim_conns(inst, 4)
    tag = uuid.uuid4().hex[:6]
    names = [f"sig-{tag}-{i}" for i in range(3)]
    log_before = len(inst.log_text())
    root_before = len(cl.mail.to(ROOT_EMAIL))
    arrived = cl.mail.arrived
    answers: list[Any] = [None] * 3
    cl.mail.delay = delay

    def register(i: int) -> None:
        try:
            answers[i] = conns[i].call("POST", "/acc/reg/code", {
                "name": names[i], "email": f"{names[i]}@example.org", "pwd": PWD})[0]
        except (OSError, ValueError) as e:
            answers[i] = e

    try:
        for _ in range(resets):  # queued in the worker: answered 204 at once
            assert conns[3].call("POST", "/acc/pwd/code", {"email": ROOT_EMAIL})[0] == 204
        threads = [threading.Thread(target=register, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while cl.mail.arrived < arrived + 3:  # the worker's mail is at the mail server
            assert time.monotonic() < deadline, "the mail never reached the mail server"
            time.sleep(0.02)
        took = stop(inst, victim)
        for t in threads:
            t.join(30)
        time.sleep(0.5)  # what the last accepted message needs to be recorded
    finally:
        cl.mail.delay = 0.0
        _close(conns)
    client, db = cl.db()
    try:
        held = {n for n in names if db.acctmp.count_documents({"name": n})}
    finally:
        client.close()
    log = inst.log_text()[log_before:]
    return {
        "victim": victim, "took": round(took, 1), "answers": answers, "names": names,
        "mailed": {n for n in names if cl.mail.to(f"{n}@example.org")}, "held": held,
        "resets_sent": len(cl.mail.to(ROOT_EMAIL)) - root_before,
        "reported": _reported(log), "log": log,
    }


def test_f_mail_of_a_worker_stopped_with_sigterm_is_sent(cl: Cluster) -> None:
    """A slow mail server (1 s a message): the registrations in flight finish and are
    mailed, and the queued reset codes are sent before the worker exits."""
    resets = 6
    got = _sigterm_with_mail(cl, cl.a, delay=1.0, resets=resets, stop=_stop_worker)
    for name, answer in zip(got["names"], got["answers"], strict=True):
        if answer == 204:  # answered: its code was mailed and the registration stands
            assert name in got["mailed"] and name in got["held"], (name, got)
        else:  # not answered 204: the client knows, and nothing was left half-made
            assert name not in got["held"] or name in got["mailed"], (name, answer, got)
    assert got["resets_sent"] + got["reported"] >= resets, got
    assert got["answers"] == [204] * 3 and got["resets_sent"] == resets, got
    assert "WORKER TIMEOUT" not in got["log"], got  # it exited by itself, not killed
    record("scale-sigterm-mail", registrations=3, registered_and_mailed=len(got["mailed"]),
           resets_queued=resets, resets_sent=got["resets_sent"], reported=got["reported"],
           exit_seconds=got["took"])


def test_f_mail_a_stalled_mail_server_keeps_at_a_stop_is_reported_not_lost(
        cl: Cluster) -> None:
    """The mail server stalls (each message held 60 s, past the SMTP timeout and both
    gunicorn timeouts; SMTP timeout + drain below the graceful timeout, as documented)
    and instance b is stopped (SIGTERM to its master, a container
    stop): what its worker could not send must be in its log. Last: b stays down."""
    resets = 6
    got = _sigterm_with_mail(cl, cl.b, delay=60.0, resets=resets, stop=_stop_instance)
    for name, answer in zip(got["names"], got["answers"], strict=True):
        assert answer != 204 or name in got["mailed"], (name, answer)
    record("scale-stop-stalled-mail", resets_queued=resets, resets_sent=got["resets_sent"],
           reported=got["reported"], stop_seconds=got["took"],
           drain_timeout=DRAIN_TIMEOUT, graceful_timeout=GRACEFUL_TIMEOUT)
    assert got["resets_sent"] + got["reported"] >= resets, (
        f"{resets} reset mails queued, {got['resets_sent']} sent, {got['reported']} "
        f"reported; the instance's log:\n{got['log']}")
