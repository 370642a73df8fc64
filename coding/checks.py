"""System checks of the coding app."""

from typing import Any

from django.core.checks import Warning, register

from coding import compile as compile_engine


@register()
def compiled_engine_is_current(**kwargs: Any) -> list[Warning]:
    # A compiled module older than its source runs the rules of the last build.
    names = compile_engine.stale()
    if not names:
        return []
    return [
        Warning(
            f"The compiled engine is older than its sources: {', '.join(names)}.",
            hint="Run make engine, or delete the .so files to run it interpreted.",
            id="coding.W001",
        )
    ]
