"""The typed API: the stubs match the compiled package (mypy.stubtest), connect()'s
keywords in the stubs match the runtime's list, a typed sample application passes
`mypy --strict` and runs against the server, and row types come out as documented."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from unshaken import connections

pytest.importorskip("mypy")  # the test extra; CI installs it

HERE = Path(__file__).resolve().parent
TYPED = HERE / "typed"
PKG = Path(connections.__file__).resolve().parent


def _mypy(tmp_path, *args, cwd=TYPED):
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                           *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          check=False)


def test_py_typed_marker_ships():
    assert (PKG / "py.typed").is_file()


def test_stubtest_against_the_compiled_module(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "unshaken", "--concise",
         "--mypy-config-file", str(TYPED / "mypy-stubtest.ini")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    assert r.returncode == 0, "stubs drifted from the runtime:\n" + r.stdout + r.stderr


def _stub_params(stub, qualname):
    tree = ast.parse((PKG / stub).read_text())
    node = tree
    for part in qualname.split("."):
        node = next(n for n in node.body
                    if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == part)
    a = node.args
    positional = [p.arg for p in a.args if p.arg != "self"]
    return positional, [p.arg for p in a.kwonlyargs]


@pytest.mark.parametrize("stub,qualname", [("connections.pyi", "Connection.__init__"),
                                           ("__init__.pyi", "Connect")])
def test_connect_keywords_in_stubs_match_runtime(stub, qualname):
    # connect() takes **kwargs at runtime, which stubtest cannot compare: check the
    # stubs' keyword list against the runtime's own tables instead.
    positional, keyword_only = _stub_params(stub, qualname)
    runtime = set(connections._POSITIONAL) | set(connections._KEYWORD_ONLY) | set(
        connections._ALIASES)
    stubbed = set(positional) | set(keyword_only)
    missing, extra = sorted(runtime - stubbed), sorted(stubbed - runtime)
    assert not missing and not extra, (
        f"python/unshaken/{stub} {qualname}: connect() keywords drifted; "
        f"add to the stub: {missing}; remove from the stub: {extra}")
    assert tuple(positional) == connections._POSITIONAL, (
        f"python/unshaken/{stub} {qualname}: positional order differs from _POSITIONAL")


def test_sample_app_passes_mypy_strict(tmp_path):
    r = _mypy(tmp_path, "--strict", "sample_app.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found in 1 source file" in r.stdout


def test_row_types_as_documented(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import unshaken\n"
        "from unshaken.cursors import DictCursor, SSCursor, SSDictCursor\n"
        "conn = unshaken.connect(host='h', executemany_fallback='multi')\n"
        "reveal_type(conn.cursor().fetchone())\n"
        "reveal_type(conn.cursor(DictCursor).fetchall())\n"
        "reveal_type(conn.cursor(SSDictCursor).fetchone())\n"
        "reveal_type(next(iter(conn.cursor(SSCursor))))\n"
        "unshaken.connect(no_such_keyword=1)\n"
        "unshaken.connect(ssl_mode='SOMETIMES')\n")
    r = _mypy(tmp_path, "--strict", str(probe), cwd=tmp_path)
    out = r.stdout.replace("builtins.", "")  # mypy versions differ in spelling
    assert 'Revealed type is "tuple[Any, ...] | None"' in out, out
    assert 'Revealed type is "typing.Sequence[dict[str, Any]]"' in out, out
    assert 'Revealed type is "dict[str, Any] | None"' in out, out
    assert 'Revealed type is "tuple[Any, ...]"' in out, out
    assert 'Unexpected keyword argument "no_such_keyword"' in out, out
    assert "ssl_mode" in out and "SOMETIMES" in out, out
    assert r.returncode == 1


def test_sample_app_runs(server_kwargs):
    sys.path.insert(0, str(TYPED))
    try:
        import sample_app
    finally:
        sys.path.remove(str(TYPED))
    out = sample_app.run(dict(server_kwargs))
    assert out[0] == "inserted 2"
    assert out[1] == "grace is 2"
    assert out[2] == "by name [('ada', 1), ('grace', 2)]"
    assert out[3] == "duplicate (1062)"
    assert out[4] == "missing table (1146)"
