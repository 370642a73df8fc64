"""Compile the coding engine with mypyc, in place: `make engine`.

The engine is plain, fully typed Python (mypy --strict); mypyc turns the same
modules into C extensions, which Python imports in preference to the sources.
Without them the engine gives the same answers, more than twice as
slow (README, Performance). `make run` and `make test` rebuild them whenever
a source is newer; `stale()` names compiled modules older than their source,
which a system check and a test report.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "coding" / "engine"


def compiled() -> list[Path]:
    """The engine's compiled modules, with the library they share."""
    return [*ENGINE.glob("*.so"), *ROOT.glob("chairside_engine__mypyc.*.so")]


def running_compiled() -> bool:
    """Whether this process runs the engine compiled (its modules are loaded
    from the extensions, not the sources)."""
    from coding.engine import document

    return not document.__file__.endswith(".py")


def stale(folder: Path | None = None) -> list[str]:
    """Compiled modules of the engine (or of `folder`) that no longer match a
    source: Python would import them and run the rules of the last build."""
    folder = folder or ENGINE
    out = []
    for module in sorted(folder.glob("*.so")):
        source = folder / f"{module.name.split('.')[0]}.py"
        if not source.exists() or module.stat().st_mtime < source.stat().st_mtime:
            out.append(module.name)
    return out


def main() -> int:
    # Build tools only: a deployment without them runs the engine interpreted.
    from mypyc.build import mypycify
    from setuptools import setup

    os.chdir(ROOT)  # mypyc names modules by their path from here
    # A module whose source is gone must not outlive it: build from nothing.
    for module in compiled():
        module.unlink()
    sources = sorted(str(path.relative_to(ROOT)) for path in ENGINE.glob("*.py"))
    try:
        setup(
            name="chairside-engine",
            py_modules=[],
            packages=[],
            ext_modules=mypycify(sources, group_name="chairside_engine"),
            script_args=[
                "--quiet",
                "build_ext",
                "--inplace",
                "--build-temp",
                str(ROOT / "build"),
            ],
        )
    except (SystemExit, Exception) as error:
        # A half-built engine must not be imported: remove what is there.
        for module in compiled():
            module.unlink()
        print(f"The engine was not compiled ({error}).", file=sys.stderr)
        return 1
    # setuptools copies a module's unchanged stub with its old time; every
    # module is now built from the current sources, and its time says so.
    for module in compiled():
        module.touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
