"""clink-core's pytest plugin gives any project ``make_app`` with no conftest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_make_app_is_available_in_a_project_without_conftest(tmp_path: Path) -> None:
    (tmp_path / "test_user_project.py").write_text(textwrap.dedent("""
        from clink_core import Controller, mapper
        from clink_core.testing import Client

        @mapper.path("/book")
        class BookCtl(Controller):
            @mapper.get("/item")
            def item(self, req, res):
                res.body = {"name": "Dune"}

        def test_it(make_app):
            app = make_app(BookCtl, max_body=10)
            assert app.conf.max_body == 10
            assert Client(app).get("/book/item").json == {"name": "Dune"}
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
