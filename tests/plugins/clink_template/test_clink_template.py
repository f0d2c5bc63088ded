"""clink_template: TemplateSv, its errors, injection into an app, and the example."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import clink_template
from clink_core import AppConf, Controller, Version, mapper, stamp
from clink_core.com import PrimError
from clink_core.testing import Client
from clink_template import (
    TemplateError,
    TemplateFileError,
    TemplateSv,
    TemplateSyntaxError,
    TemplateValueError,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sv() -> TemplateSv:
    conf = AppConf(
        "dead-book", "MIT", Version(1, 2, 3), org_name="Hell Corporation",
        org_addr="1st Hell Street",
    )
    return TemplateSv(conf)


def test_named_and_braced_placeholders(sv):
    assert sv.build_str("Hi $who, ${thing}s are $n$$", {"who": "Ann", "thing": "book", "n": 3}) \
        == "Hi Ann, books are 3$"


def test_text_without_placeholders_is_unchanged(sv):
    assert sv.build_str("no placeholders here\n", {}) == "no placeholders here\n"
    assert sv.build_str("", {}) == ""


def test_app_details_are_default_values(sv):
    text = sv.build_str("$app_name $app_version $app_license | $org_name, $org_addr", {})
    assert text == "dead-book 1.2.3 MIT | Hell Corporation, 1st Hell Street"
    assert sv.build_str("$app_name") == "dead-book"  # values may be left out


def test_given_values_override_defaults(sv):
    assert sv.build_str("$app_name", {"app_name": "other"}) == "other"
    assert sv.defaults["app_name"] == "dead-book"  # defaults are not changed


def test_values_are_not_templates_themselves(sv):
    assert sv.build_str("$a", {"a": "$b ${c} $$"}) == "$b ${c} $$"


def test_unicode_values_and_template(sv):
    assert sv.build_str("Chào $name ✓", {"name": "Đặng"}) == "Chào Đặng ✓"


def test_missing_value_names_the_placeholder(sv):
    with pytest.raises(TemplateValueError) as info:
        sv.build_str("Dear $name,\nyour code is ${code}; $name again", {})
    err = info.value
    assert isinstance(err, TemplateError)
    assert err.name == "name"
    assert err.names == ["name", "code"]
    assert "$name" in str(err) and "$code" in str(err)


def test_invalid_placeholder_gives_its_position(sv):
    with pytest.raises(TemplateSyntaxError) as info:
        sv.build_str("line one\nprice: $5", {})
    assert (info.value.line, info.value.col) == (2, 8)
    assert "line 2, column 8" in str(info.value)
    assert "$$" in str(info.value)


@pytest.mark.parametrize("data", [b"$a", None, 12, ["$a"]])
def test_template_must_be_str(sv, data):
    with pytest.raises(TypeError, match="takes the template as str"):
        sv.build_str(data, {"a": 1})


def test_bytes_template_says_decode(sv):
    with pytest.raises(TypeError, match="decode it first"):
        sv.build_str(b"$a", {})


def test_values_must_be_a_mapping(sv):
    with pytest.raises(TypeError, match="must be a mapping, got list"):
        sv.build_str("$a", [("a", 1)])


def test_build_file(sv, tmp_path):
    path = tmp_path / "welcome.txt"
    path.write_text("Welcome to $app_name, $user!\nCode: ${code}\n", encoding="utf-8")
    expected = "Welcome to dead-book, Ann!\nCode: 1234\n"
    assert sv.build_file(str(path), {"user": "Ann", "code": "1234"}) == expected
    assert sv.build_file(path, {"user": "Ann", "code": "1234"}) == expected


def test_build_file_utf8_with_bom_and_crlf(sv, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffXin chào $user\r\nbye\r\n".encode())
    assert sv.build_file(path, {"user": "Đặng"}) == "Xin chào Đặng\nbye\n"


def test_missing_file_names_the_path(sv, tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(TemplateFileError) as info:
        sv.build_file(str(path), {})
    assert info.value.path == str(path)
    assert str(path) in str(info.value) and "no such file" in str(info.value)


def test_directory_is_not_a_template(sv, tmp_path):
    with pytest.raises(TemplateFileError, match="is a directory"):
        sv.build_file(tmp_path, {})


def test_unreadable_file_names_the_path(sv, tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("$x")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # Root reads any file whatever its mode, so the refusal is simulated.
    monkeypatch.setattr(clink_template.service, "open", refuse, raising=False)
    with pytest.raises(TemplateFileError, match="permission denied") as info:
        sv.build_file(path, {"x": 1})
    assert str(path) in str(info.value)


def test_other_os_errors_name_the_path(sv, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(clink_template.service, "open", fail, raising=False)
    with pytest.raises(TemplateFileError, match="Input/output error"):
        sv.build_file(tmp_path / "t.txt", {})


def test_non_utf8_file(sv, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café $x".encode("latin-1"))
    with pytest.raises(TemplateFileError, match="not UTF-8") as info:
        sv.build_file(path, {"x": 1})
    assert str(path) in str(info.value)


def test_missing_value_in_file(sv, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Hello $who")
    with pytest.raises(TemplateValueError, match=r"\$who"):
        sv.build_file(path, {})


def test_syntax_error_in_file_names_the_path(sv, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("cost: $ 5")
    with pytest.raises(TemplateSyntaxError) as info:
        sv.build_file(path, {})
    assert info.value.source == str(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("bad", [None, 3, b"/tmp/x"])
def test_file_path_must_be_text(sv, bad):
    with pytest.raises(TypeError, match="file path"):
        sv.build_file(bad, {})


# -- in an application ---------------------------------------------------------
@stamp(TemplateSv)
@mapper.path("/t")
class GreetCtl(Controller):
    def __init__(self, tpl_sv: TemplateSv) -> None:
        self.tpl_sv = tpl_sv

    @mapper.get("/hello")
    def hello(self, req, res):
        res.body = self.tpl_sv.build_str("Hello $who from $app_name", {"who": req.args["who"]})
        res.content_type = "text/plain"


def test_template_sv_is_injectable_with_no_plugin(make_app):
    app = make_app(GreetCtl, name="greeter")
    client = Client(app)
    res = client.get("/t/hello?who=Ann")
    assert res.status == 200
    assert res.text == "Hello Ann from greeter"
    assert isinstance(app.injector.ref(TemplateSv), TemplateSv)


def test_the_app_may_add_the_service_itself(make_app):
    app = make_app()
    app.add_com(TemplateSv)
    app.load()
    assert isinstance(app.injector.ref(TemplateSv), TemplateSv)


def test_service_needs_app_conf():
    from clink_core import Injector

    injector = Injector()
    injector.add_com(TemplateSv)
    with pytest.raises(PrimError, match="AppConf"):
        injector.load()


def test_it_is_no_pipeline_plugin():
    from importlib.metadata import entry_points

    assert "clink_template" not in {ep.name for ep in entry_points(group="clink.plugins")}


# -- the example ---------------------------------------------------------------
EXPECTED_EXAMPLE = (
    "REPORT: MOTOCYCLE SPEC\n"
    "AUTHOR: Johnny Blaze\n"
    "\n"
    "Name       : Hell Cycle\n"
    "Price      : Not for Sale\n"
    "Color      : Black - Red Fire\n"
    "Power      : Unlimited\n"  # the manual shows "Unlimit": a cut in its page
)


def test_example_prints_the_manual_output():
    result = subprocess.run(
        [sys.executable, str(Path("examples") / "template_sv.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == EXPECTED_EXAMPLE
