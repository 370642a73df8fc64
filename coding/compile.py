"""Compile the coding engine with mypyc, in place: `make engine`.

The engine is plain, fully typed Python (mypy --strict); mypyc turns the same
modules into C extensions, which Python imports in preference to the sources.
Without them the engine gives the same answers, about two and a half times
slower (README, Performance). `make run` and `make test` rebuild them whenever
a source is newer, and a test fails when a compiled module is older than its
source.
"""

import os
from pathlib import Path

from mypyc.build import mypycify
from setuptools import setup

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    os.chdir(ROOT)
    sources = sorted(str(path) for path in Path("coding/engine").glob("*.py"))
    setup(
        name="chairside-engine",
        py_modules=[],
        packages=[],
        ext_modules=mypycify(sources, group_name="chairside_engine"),
        script_args=["--quiet", "build_ext", "--inplace", "--build-temp", "build"],
    )
    # setuptools copies a module's unchanged stub with its old time; every
    # module is now built from the current sources, and its time says so.
    for compiled in Path("coding/engine").glob("*.so"):
        compiled.touch()


if __name__ == "__main__":
    main()
