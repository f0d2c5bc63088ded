"""``App.close()`` runs the plugins' ``clink_shutdown`` at a process's end, however it ends."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import sys, types
    from clink_core import App, AppConf, hookimpl

    @hookimpl
    def clink_shutdown(app):
        with open(sys.argv[1], "a") as f:
            f.write("closed\\n")

    def work(path):
        global APP  # kept, as a served app is
        sys.argv[1:] = [path]
        APP = App(AppConf("child"), plugins=[types.SimpleNamespace(clink_shutdown=clink_shutdown)])
        APP.load()
""")


def _mark_file(tmp_path: Path) -> Path:
    return tmp_path / "marks.txt"


def test_a_plain_process_closes_its_apps_at_exit(tmp_path: Path) -> None:
    marks = _mark_file(tmp_path)
    script = CHILD + "\nwork(sys.argv[1])\n"
    subprocess.run([sys.executable, "-c", script, str(marks)], check=True, timeout=60)
    assert marks.read_text() == "closed\n"


def test_a_multiprocessing_child_closes_its_apps_though_it_skips_atexit(tmp_path: Path) -> None:
    # granian's workers are such children; a forked one ends by os._exit, after multiprocessing's
    # own finalizers but without atexit handlers.
    module = tmp_path / "child_app.py"
    module.write_text(CHILD)
    marks = _mark_file(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        import child_app

        ctx = multiprocessing.get_context("fork")
        proc = ctx.Process(target=child_app.work, args=(str(marks),))
        proc.start()
        proc.join(60)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("child_app", None)
    assert proc.exitcode == 0
    assert marks.read_text() == "closed\n"  # once: atexit and the finalizer do not both run
