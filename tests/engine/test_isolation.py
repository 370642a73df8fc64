"""The engine stands alone: no Django, and its reference tables are CMS's own."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks.registry import registry

from coding import compile as compile_engine
from coding.checks import compiled_engine_is_current
from coding.compile import stale

ENGINE = Path(__file__).resolve().parents[2] / "coding" / "engine"


def test_nothing_under_the_engine_imports_django() -> None:
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
                if name.startswith("coding"):
                    assert name.startswith("coding.engine"), f"{path.name}: {name}"


def test_deriving_loads_no_django_module() -> None:
    code = (
        "import sys, coding.engine as e;"
        "e.derive({'setting': 'office', 'date_of_service': '2026-01-05'});"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    root = ENGINE.parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "name", ["mue.csv", "ncci_ptp.csv", "ncci_aoc_drug_admin.csv", "hcpcs_drugs.csv"]
)
def test_packaged_tables_are_the_shared_cms_extracts(name: str) -> None:
    shared = Path(settings.SHARED_DATA_DIR) / name
    assert (ENGINE / "data" / name).read_bytes() == shared.read_bytes()


def test_no_compiled_module_is_older_than_its_source() -> None:
    # Python imports a compiled module in preference to its source: one left
    # from before an edit would run the old rules (make engine rebuilds them).
    assert stale() == [], "run make engine"


def test_a_compiled_module_older_than_its_source_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "units.py").write_text("")
    (tmp_path / "gone.cpython-313-x86_64-linux-gnu.so").write_bytes(b"")
    module = tmp_path / "units.cpython-313-x86_64-linux-gnu.so"
    module.write_bytes(b"")
    assert stale(tmp_path) == ["gone.cpython-313-x86_64-linux-gnu.so"]

    os.utime(module, (0, (tmp_path / "units.py").stat().st_mtime - 60))
    assert stale(tmp_path) == [
        "gone.cpython-313-x86_64-linux-gnu.so",
        "units.cpython-313-x86_64-linux-gnu.so",
    ]
    monkeypatch.setattr(compile_engine, "ENGINE", tmp_path)
    [warning] = compiled_engine_is_current()
    assert warning.id == "coding.W001"
    assert "units.cpython-313-x86_64-linux-gnu.so" in warning.msg
    assert "make engine" in (warning.hint or "")
    assert compiled_engine_is_current in registry.get_checks()
