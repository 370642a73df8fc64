"""The lines a claim would carry: the engine's lines with the coder's
overrides and diagnosis pointers applied, each override checked against the
lines of the latest derivation (does it still fit?), and the comparison
behind "check my codes"."""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from claims.models import Override

MAX_POINTERS = 4  # an 837 service line points to at most four diagnoses
# Visit codes a coder may add: E/M lines (on a hospital claim the clinic's
# revenue code, 0510), whether the level or the hospital's G0463 (R101).
NEW_PATIENT_VISITS = {"99202", "99203", "99204", "99205"}
ESTABLISHED_PATIENT_VISITS = {"99211", "99212", "99213", "99214", "99215"}
VISIT_CODES = frozenset({*NEW_PATIENT_VISITS, *ESTABLISHED_PATIENT_VISITS, "G0463"})


def decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def keyed(derived: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """A key per engine line that survives a re-derivation: its code and the
    administrations it comes from (a repeat gets #2, #3)."""
    seen: Counter[str] = Counter()
    out = []
    for line in derived:
        base = f"{line['code']}:{'+'.join(sorted(line.get('administrations', [])))}"
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        out.append((key, line))
    return out


def line_text(code: str, modifiers: Iterable[str], units: Any) -> str:
    mods = "".join(f"-{m}" for m in modifiers)
    return f"{code}{mods} × {decimal(units).normalize():f}"


@dataclass
class Line:
    key: str
    code: str
    kind: str
    units: Decimal
    modifiers: list[str]
    date: str
    explanation: str
    administrations: list[str]
    pointers: list[int] = field(default_factory=list)
    derived: dict[str, Any] | None = None
    override: Override | None = None
    removed: bool = False

    @property
    def text(self) -> str:
        return line_text(self.code, self.modifiers, self.units)

    @property
    def derived_text(self) -> str:
        if self.derived is None:
            return ""
        d = self.derived
        return line_text(d["code"], d.get("modifiers", []), d["units"])

    @property
    def pointer_letters(self) -> str:
        return ", ".join(str(r) for r in self.pointers)


@dataclass
class Checked:
    """An active override and whether it still fits the latest lines."""

    override: Override
    problem: str = ""

    @property
    def fits(self) -> bool:
        return not self.problem


@dataclass
class Coding:
    lines: list[Line]
    overrides: list[Checked]
    diagnosis_count: int

    @property
    def billed(self) -> list[Line]:
        return [line for line in self.lines if not line.removed]

    @property
    def misfits(self) -> list[Checked]:
        return [c for c in self.overrides if not c.fits]


def check(
    override: Override, by_key: dict[str, dict[str, Any]], codes: set[str]
) -> str:
    """Why `override` no longer fits the engine's lines, or "" if it does."""
    if override.action == Override.Action.ADD:
        if override.code in codes:
            return (
                f"The engine now codes {override.code} itself; the added line "
                "would bill it twice."
            )
        return ""
    current = by_key.get(override.line_key)
    if current is None:
        return (
            f"The engine no longer produces the {override.code} line this "
            "override was made for."
        )
    was = override.derived
    then = line_text(was["code"], was.get("modifiers", []), was["units"])
    now = line_text(current["code"], current.get("modifiers", []), current["units"])
    if then != now:
        return f"The engine's line changed since the override: {then} became {now}."
    return ""


def added_kind(code: str) -> str:
    """The kind of a line the coder adds, as the engine would name it."""
    if code in VISIT_CODES:
        return "em"
    return "drug" if code[:1].isalpha() else "administration"


def apply_overrides(
    derived: Sequence[dict[str, Any]],
    overrides: Iterable[Override],
    pointers: dict[str, list[int]],
    diagnosis_count: int,
) -> Coding:
    """The claim's lines now: every engine line (removed ones marked), the
    changes and additions, and each override with whether it still fits."""
    pairs = keyed(derived)
    by_key = dict(pairs)
    codes = {line["code"] for line in derived}
    lines = [
        Line(
            key=key,
            code=line["code"],
            kind=line.get("kind", ""),
            units=decimal(line["units"]),
            modifiers=list(line.get("modifiers", [])),
            date=line.get("date", ""),
            explanation=line.get("explanation", ""),
            administrations=list(line.get("administrations", [])),
            derived=line,
        )
        for key, line in pairs
    ]
    index = {line.key: line for line in lines}
    checked = []
    for override in overrides:
        checked.append(Checked(override, check(override, by_key, codes)))
        target = index.get(override.line_key)
        if override.action == Override.Action.ADD:
            line = Line(
                key=f"add:{override.pk}",
                code=override.code,
                kind=added_kind(override.code),
                units=override.units or Decimal(1),
                modifiers=list(override.modifiers),
                date=derived[0].get("date", "") if derived else "",
                explanation=f"Added by the coder: {override.reason}",
                administrations=[],
                override=override,
            )
            lines.append(line)
            index[line.key] = line
        elif target is not None and override.action == Override.Action.REMOVE:
            target.removed = True
            target.override = override
        elif target is not None:
            if override.units is not None:
                target.units = override.units
            target.modifiers = list(override.modifiers)
            target.override = override
    ranks = list(range(1, diagnosis_count + 1))
    for line in lines:
        chosen = [r for r in pointers.get(line.key, []) if r in ranks]
        # With no choice made, a line points to the principal diagnosis.
        line.pointers = chosen or ranks[:1]
    return Coding(lines, checked, diagnosis_count)


# Check my codes

ENTRY = re.compile(
    r"^(?P<code>[A-Z0-9]{5})(?P<mods>(?:-[A-Z0-9]{2})*)(?:\s*[X×*]\s*(?P<units>\d+(?:\.\d+)?))?$"
)


@dataclass(frozen=True)
class Entry:
    code: str
    modifiers: tuple[str, ...]
    units: Decimal


def parse_codes(text: str) -> tuple[list[Entry], list[str]]:
    """Codes as a coder types them: `96413, 96415, J9263-JZ x340`; returns
    the entries and the pieces that could not be read."""
    entries, bad = [], []
    for piece in re.split(r"[,;\n]+", text.upper()):
        piece = piece.strip()
        if not piece:
            continue
        match = ENTRY.match(piece)
        if match is None:
            bad.append(piece)
            continue
        try:
            units = Decimal(match["units"] or "1")
        except InvalidOperation:
            bad.append(piece)
            continue
        mods = tuple(m for m in match["mods"].split("-") if m)
        entries.append(Entry(match["code"], mods, units))
    return entries, bad


@dataclass(frozen=True)
class Difference:
    code: str
    verdict: str  # same, units, modifiers, missing (you left it out), extra
    yours: str
    engines: str
    why: str


def compare(
    entries: Sequence[Entry], lines: Sequence[Line], findings: Sequence[dict[str, Any]]
) -> list[Difference]:
    """Where the coder's codes and the claim's lines agree and differ, with
    the engine's explanation or finding that says why."""
    billed = [line for line in lines if not line.removed]
    by_code: dict[str, list[Line]] = {}
    for line in billed:
        by_code.setdefault(line.code, []).append(line)
    out = []
    for entry in entries:
        yours = line_text(entry.code, entry.modifiers, entry.units)
        candidates = by_code.get(entry.code, [])
        if not candidates:
            related = [f["message"] for f in findings if entry.code in f["message"]]
            why = " ".join(related) or (
                f"The engine does not derive {entry.code} from this timeline."
            )
            out.append(Difference(entry.code, "extra", yours, "", why))
            continue
        line = candidates.pop(0)
        if line.units != entry.units:
            verdict = "units"
        elif tuple(line.modifiers) != entry.modifiers:
            verdict = "modifiers"
        else:
            verdict = "same"
        why = line.explanation
        if line.override is not None:
            why = f"{why} (override: {line.override.reason})"
        out.append(Difference(entry.code, verdict, yours, line.text, why))
    for rest in by_code.values():
        for line in rest:
            out.append(
                Difference(line.code, "missing", "", line.text, line.explanation)
            )
    return out
