"""Small builders for encounter documents in engine tests."""

from typing import Any


def minutes_after(start: str, minutes: int) -> str:
    hour, minute = int(start[:2]), int(start[3:])
    total = hour * 60 + minute + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def drug(category: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name or f"{category} drug", "category": category, **extra}


def admin(
    id: str,
    method: str,
    category: str,
    start: str,
    minutes: int | None = None,
    *,
    name: str | None = None,
    site: str | None = "A",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": id,
        "method": method,
        "drug": drug(category, name),
        "start": start,
    }
    if method in ("infusion", "push", "prolonged_pump") and site:
        out["site"] = site
    if minutes is not None:
        out["stop"] = minutes_after(start, minutes)
    out.update(extra)
    return out


def document(*administrations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "setting": "facility",
        "date_of_service": "2026-03-02",
        "sites": [{"id": "A", "label": "left forearm PIV"}],
        "administrations": list(administrations),
    }
    out.update(extra)
    return out


def totals(lines: list[dict[str, Any]]) -> dict[tuple[str, tuple[str, ...]], float]:
    """The published comparison rule of shared/scenarios/README.md."""
    out: dict[tuple[str, tuple[str, ...]], float] = {}
    for line in lines:
        if line.get("kind", "administration") in {"administration", "drug", "em"}:
            key = (line["code"], tuple(sorted(line["modifiers"])))
            out[key] = out.get(key, 0) + line["units"]
    return out


def codes(result: dict[str, Any]) -> dict[str, float]:
    """Units per code, modifiers ignored: for tests about units."""
    out: dict[str, float] = {}
    for line in result["lines"]:
        out[line["code"]] = out.get(line["code"], 0) + line["units"]
    return out


def finding_codes(result: dict[str, Any]) -> set[str]:
    return {finding["code"] for finding in result["findings"]}
