"""The engine stands alone: no Django, and its reference tables are CMS's own."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine" / "src" / "chairside_engine"


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
                    assert name.startswith("chairside_engine"), f"{path.name}: {name}"


def test_deriving_loads_no_django_module() -> None:
    code = (
        "import sys, chairside_engine as e;"
        "e.derive({'setting': 'office', 'date_of_service': '2026-01-05'});"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
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


def test_no_build_output_lies_in_the_source_tree() -> None:
    # The engine is built into a wheel outside the tree (engine/setup.py):
    # nothing compiled can shadow a source, and none can be older than it.
    skip = {".venv", "node_modules", ".git", "build"}
    built = [
        path
        for path in ROOT.rglob("*")
        if not skip & set(path.relative_to(ROOT).parts)
        and (path.suffix in {".so", ".c", ".o"} or path.name.endswith(".egg-info"))
    ]
    assert built == []


def test_the_installed_engine_is_the_built_package() -> None:
    import chairside_engine

    installed = Path(chairside_engine.__file__)
    assert ENGINE not in installed.parents
    assert "site-packages" in installed.parts
