"""The engine stands alone: no Django, and its reference tables are CMS's own."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

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
    for compiled in ENGINE.glob("*.so"):
        source = ENGINE / f"{compiled.name.split('.')[0]}.py"
        assert source.exists(), f"{compiled.name} has no source: delete it"
        assert compiled.stat().st_mtime >= source.stat().st_mtime, (
            f"{compiled.name} is older than {source.name}: run make engine"
        )
