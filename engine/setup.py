"""Build the engine with its typed modules compiled by mypyc into C extensions
(about two and a half times faster; README, Performance).

Without a C compiler, or when mypyc fails, the wheel holds the same modules
interpreted: the same answers, slower. CHAIRSIDE_ENGINE_INTERPRETED=1 asks for
that on purpose.
"""

import os
import sys
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

SOURCES = sorted(str(p) for p in Path("src/chairside_engine").glob("*.py"))
# Every build output (C sources, objects, metadata) goes outside the source
# tree: nothing built ever lies beside a source file.
BUILD = Path(tempfile.gettempdir()) / "chairside-engine-build"
BUILD.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("MYPY_CACHE_DIR", str(BUILD / "mypy-cache"))


class OptionalBuildExt(build_ext):
    """All modules compiled, or none: a half-built engine must not be imported."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.extensions = []
            print(f"chairside-engine: not compiled ({error})", file=sys.stderr)


def extensions() -> list:
    if os.environ.get("CHAIRSIDE_ENGINE_INTERPRETED"):
        return []
    try:
        from mypyc.build import mypycify

        return mypycify(
            SOURCES,
            group_name="chairside_engine_native",
            opt_level="3",
            target_dir=str(BUILD / "mypyc"),
        )
    except (Exception, SystemExit) as error:
        # mypy exits on a bad configuration instead of raising.
        print(f"chairside-engine: not compiled ({error})", file=sys.stderr)
        return []


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
    options={
        "build": {"build_base": str(BUILD)},
        "egg_info": {"egg_base": str(BUILD)},
    },
)
