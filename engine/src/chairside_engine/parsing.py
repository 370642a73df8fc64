"""Parse and validate an encounter document of the coding contract.

Every problem is collected with its path, never only the first; unknown keys are
refused. What comes out is immutable and already normalised: times in seconds,
amounts as Decimals in known units, the policy with its defaults.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Final, TypeIs, final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chairside_engine import policy as policy_module
from chairside_engine.amounts import ZERO, Amount, convertible, unit_key
from chairside_engine.intervals import Clock
from chairside_engine.ndc import ndc11
from chairside_engine.policy import CATEGORIES, Policy
from chairside_engine.quoting import quoted

Errors = list[tuple[str, str]]

METHODS: Final = (
    "infusion",
    "push",
    "sc_injection",
    "im_injection",
    "sc_infusion",
    "intra_arterial_push",
    "intra_arterial_infusion",
    "prolonged_pump",
    "intralesional",
    "intrathecal",
    "ventricular_reservoir",
    "intrapleural",
    "intraperitoneal",
    "on_body_injector",
    "port_flush",
    "pump_refill",
    "oral",
)
NEEDS_SITE: Final = frozenset({"infusion", "push", "prolonged_pump"})
NO_DRUG: Final = frozenset({"port_flush", "pump_refill"})
EM_CODES: Final = frozenset(
    {"99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"}
)
ENCOUNTER_KEYS: Final = frozenset(
    {
        "setting",
        "timezone",
        "date_of_service",
        "payer",
        "policy",
        "continuation",
        "sites",
        "administrations",
        "em",
        "department",
        "modifier_340b",
    }
)
SITE_KEYS: Final = frozenset({"id", "label", "separate_access_reason"})
ADMIN_KEYS: Final = frozenset(
    {
        "id",
        "method",
        "site",
        "visit",
        "bag",
        "drug",
        "dose",
        "wasted",
        "start",
        "stop",
        "rate",
        "volume_infused",
        "kvo",
        "continuous_presence",
        "primary_reason",
        "discontinued",
        "lesions",
        "pump",
    }
)
AMOUNT_KEYS: Final = frozenset({"amount", "unit"})
DRUG_KEYS: Final = frozenset(
    {
        "name",
        "category",
        "hcpcs",
        "billing_unit",
        "ndc",
        "single_dose_container",
        "acquired_340b",
    }
)
# R99: where a hospital department stands; the off-campus ones mark every line.
DEPARTMENTS: Final = ("on_campus", "off_campus_excepted", "off_campus_nonexcepted")
MODIFIERS_340B: Final = ("JG", "TB")  # R100
EM_KEYS: Final = frozenset({"code", "separately_identifiable"})
RATE_UNITS: Final = {"ml/h": Decimal(1), "ml/hr": Decimal(1), "ml/min": Decimal(60)}


# A final class with Final attributes, as result.Line explains.
@final
class Site:
    def __init__(
        self,
        *,
        id: str,
        label: str,
        separate_access_reason: str | None,
    ) -> None:
        self.id: Final = id
        self.label: Final = label
        self.separate_access_reason: Final = separate_access_reason


@final
class Drug:
    def __init__(
        self,
        *,
        name: str,
        category: str,
        hcpcs: str | None,
        billing_unit: Amount | None,
        ndc: str | None,  # 11 digits, 5-4-2
        single_dose_container: bool,
        acquired_340b: bool,
    ) -> None:
        self.name: Final = name
        self.category: Final = category
        self.hcpcs: Final = hcpcs
        self.billing_unit: Final = billing_unit
        self.ndc: Final = ndc
        self.single_dose_container: Final = single_dose_container
        self.acquired_340b: Final = acquired_340b


@final
class Administration:
    def __init__(
        self,
        *,
        id: str,
        method: str,
        site: str | None,
        visit: str,
        bag: str | None,
        drug: Drug | None,
        dose: Amount | None,
        wasted: Amount | None,
        start: int | None,
        stop: int | None,
        rate_ml_per_hour: Decimal | None,
        volume_ml: Decimal | None,
        kvo: bool,
        continuous_presence: bool,
        primary_reason: bool,
        discontinued: bool,
        lesions: int | None,
        pump: str,
    ) -> None:
        self.id: Final = id
        self.method: Final = method
        self.site: Final = site
        self.visit: Final = visit
        self.bag: Final = bag
        self.drug: Final = drug
        self.dose: Final = dose
        self.wasted: Final = wasted
        self.start: Final = start
        self.stop: Final = stop
        self.rate_ml_per_hour: Final = rate_ml_per_hour
        self.volume_ml: Final = volume_ml
        self.kvo: Final = kvo
        self.continuous_presence: Final = continuous_presence
        self.primary_reason: Final = primary_reason
        self.discontinued: Final = discontinued
        self.lesions: Final = lesions
        self.pump: Final = pump


@final
class Em:
    def __init__(self, *, code: str, separately_identifiable: bool) -> None:
        self.code: Final = code
        self.separately_identifiable: Final = separately_identifiable


@final
class Encounter:
    def __init__(
        self,
        *,
        setting: str,
        clock: Clock,
        date_of_service: date,
        payer: str | None,
        policy: Policy,
        continuation: bool,
        sites: dict[str, Site],
        administrations: tuple[Administration, ...],
        em: Em | None,
        department: str,
        modifier_340b: str | None,  # None: not written (JG in a hospital)
    ) -> None:
        self.setting: Final = setting
        self.clock: Final = clock
        self.date_of_service: Final = date_of_service
        self.payer: Final = payer
        self.policy: Final = policy
        self.continuation: Final = continuation
        self.sites: Final = sites
        self.administrations: Final = administrations
        self.em: Final = em
        self.department: Final = department
        self.modifier_340b: Final = modifier_340b


def parse(raw: Any) -> tuple[Encounter | None, Errors]:
    errors: Errors = []
    if not isinstance(raw, dict):
        return None, [("", "the document must be a JSON object")]
    _unknown(raw, ENCOUNTER_KEYS, "", errors)

    setting = raw.get("setting")
    if setting not in ("facility", "office"):
        problem = (
            "is required" if setting is None else f"{quoted(setting)} is not valid"
        )
        errors.append(("setting", f"setting {problem}: facility or office"))

    zone = ZoneInfo("UTC")
    tz_name = raw.get("timezone", "UTC")
    try:
        if not isinstance(tz_name, str) or not tz_name:
            raise ZoneInfoNotFoundError
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(("timezone", f"{quoted(tz_name)} is not an IANA time zone"))

    day: date | None = None
    raw_day = raw.get("date_of_service")
    if raw_day is not None:
        try:
            if not isinstance(raw_day, str) or len(raw_day) != 10:
                raise ValueError
            day = date.fromisoformat(raw_day)
        except ValueError:
            errors.append(
                ("date_of_service", f"{quoted(raw_day)} is not a date YYYY-MM-DD")
            )
            raw_day = "invalid"

    payer = raw.get("payer")
    if payer is not None and not isinstance(payer, str):
        errors.append(("payer", "payer must be text"))
        payer = None
    policy = policy_module.parse(raw.get("policy"), errors)
    department = _choice(raw, "department", DEPARTMENTS, errors)
    if department is not None and setting == "office":
        errors.append(
            (
                "department",
                "department is for a hospital department (facility setting): an "
                "office claim carries no PO or PN (R99)",
            )
        )
    modifier_340b = _choice(raw, "modifier_340b", MODIFIERS_340B, errors)
    continuation = _flag(raw, "continuation", "", errors)

    sites = _sites(raw.get("sites"), errors)
    clock = Clock(zone, day)
    administrations = _administrations(
        raw.get("administrations"), sites, clock, raw_day is not None, errors
    )
    em = _em(raw.get("em"), errors)

    if day is None and raw_day is None:
        starts = [a.start for a in administrations if a.start is not None]
        if starts:
            day = clock.date_of(min(starts))
        elif not errors:
            errors.append(
                ("date_of_service", "date_of_service is required when no time is given")
            )
    if errors or day is None or setting is None:
        return None, errors
    clock.day = day
    return (
        Encounter(
            setting=setting,
            clock=clock,
            date_of_service=day,
            payer=payer,
            policy=policy,
            continuation=continuation,
            sites=sites,
            administrations=administrations,
            em=em,
            department=department or "on_campus",
            modifier_340b=modifier_340b,
        ),
        errors,
    )


def _unknown(
    raw: dict[str, Any], known: frozenset[str], path: str, errors: Errors
) -> None:
    for key in raw:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            errors.append((where, f"unknown key {quoted(key)}"))


def _choice(
    raw: dict[str, Any], key: str, choices: tuple[str, ...], errors: Errors
) -> str | None:
    value = raw.get(key)
    if value is None or value in choices:
        return value
    errors.append((key, f"{quoted(value)} is not one of: {', '.join(choices)}"))
    return None


def _flag(raw: dict[str, Any], key: str, path: str, errors: Errors) -> bool:
    value = raw.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        errors.append((f"{path}.{key}" if path else key, "must be true or false"))
        return False
    return value


def _text(value: Any) -> TypeIs[str]:
    return isinstance(value, str) and value.strip() != ""


def _sites(raw: Any, errors: Errors) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    if raw is None:
        return sites
    if not isinstance(raw, list):
        errors.append(("sites", "sites must be a list"))
        return sites
    for index, item in enumerate(raw):
        path = f"sites[{index}]"
        if not isinstance(item, dict):
            errors.append((path, "a site must be an object"))
            continue
        _unknown(item, SITE_KEYS, path, errors)
        site_id = item.get("id")
        if not _text(site_id):
            errors.append((f"{path}.id", "a site needs an id (text)"))
            continue
        if site_id in sites:
            errors.append((f"{path}.id", f"site id {quoted(site_id)} is used twice"))
            continue
        label = item.get("label", "")
        if not isinstance(label, str):
            errors.append((f"{path}.label", "label must be text"))
            label = ""
        reason = item.get("separate_access_reason")
        if reason is not None and not isinstance(reason, str):
            errors.append((f"{path}.separate_access_reason", "must be text"))
            reason = None
        sites[site_id] = Site(
            id=site_id,
            label=label or site_id,
            separate_access_reason=(reason or "").strip() or None,
        )
    return sites


def _measure(
    raw: Any, path: str, errors: Errors, *, positive: bool, rate: bool = False
) -> tuple[Decimal, str] | None:
    """An object {amount, unit}: the amount and the key of its unit, a dose's
    (UNITS) or with `rate` a rate's (RATE_UNITS)."""
    units = "mL/h, mL/min" if rate else "g, mg, mcg, units, mL, mEq"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append((path, f"must be an object with amount and unit ({units})"))
        return None
    _unknown(raw, AMOUNT_KEYS, path, errors)
    value = _number(raw.get("amount"), path, errors)
    unit_text = raw.get("unit")
    unit = None
    if isinstance(unit_text, str):
        unit = _rate_key(unit_text) if rate else unit_key(unit_text)
    if unit is None:
        errors.append((f"{path}.unit", f"{quoted(unit_text)} is not one of {units}"))
    if value is None or unit is None:
        return None
    if value < ZERO or (positive and value == ZERO):
        errors.append(
            (
                f"{path}.amount",
                "must be above zero" if positive else "must not be negative",
            )
        )
        return None
    return value, unit


def _amount(raw: Any, path: str, errors: Errors, *, positive: bool) -> Amount | None:
    measure = _measure(raw, path, errors, positive=positive)
    if measure is None:
        return None
    value, unit = measure
    return Amount(value, unit)


def _number(raw: Any, path: str, errors: Errors) -> Decimal | None:
    """The amount of the {amount, unit} object at `path`."""
    kind = type(raw)
    if kind is int or kind is float:
        read = _read_number(raw)
    elif isinstance(raw, int | float | str) and not isinstance(raw, bool):
        read = _read(raw)  # text can be any length: never kept
    else:
        read = "must be a number"
    if isinstance(read, str):
        errors.append((f"{path}.amount", read))
        return None
    return read


def _read(raw: int | float | str) -> Decimal | str:
    """The number as a decimal, or what is wrong with it."""
    try:
        # A whole number exactly, whatever its length (text stops at 4,300
        # digits); a float as the shortest text that reads back to it, as JSON
        # wrote it.
        value = Decimal(raw) if isinstance(raw, int) else Decimal(str(raw))
    except InvalidOperation:
        return f"{quoted(raw)} is not a number"
    if not value.is_finite():
        return "must be a finite number"
    # No dose, rate or volume comes near a billion or a billionth of its unit,
    # or has more digits than a decimal computes with (28; a float has 17);
    # such a number is a typing or transfer error, and would make units and
    # explanations millions of digits long.
    if value and not (
        -9 <= value.adjusted() <= 9 and len(value.as_tuple().digits) <= 28
    ):
        return f"{value.normalize():.6g} is out of range for a dose, rate or volume"
    return value


# The same doses and billing units come back on every tap: each number is read
# once per process (typed: 1 and 1.0 are different keys).
_read_number = lru_cache(maxsize=4096, typed=True)(_read)


def _ndc(raw: Any, path: str, errors: Errors) -> str | None:
    """Normalise an NDC to 11 digits in 5-4-2 (R84)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors.append((path, "an NDC is text"))
        return None
    digits = ndc11(raw)
    if digits is None:
        errors.append(
            (path, f"{quoted(raw)} is not an NDC (11 digits, or 4-4-2, 5-3-2, 5-4-1)")
        )
    return digits


@final
class _Paths:
    """Where the errors of one administration are reported."""

    def __init__(self, index: int) -> None:
        root = f"administrations[{index}]"
        self.root: Final = root
        self.drug: Final = f"{root}.drug"
        self.billing_unit: Final = f"{root}.drug.billing_unit"
        self.dose: Final = f"{root}.dose"
        self.wasted: Final = f"{root}.wasted"


@lru_cache(maxsize=256)
def _paths(index: int) -> _Paths:
    # The same few paths on every tap: written once per process, not per parse.
    return _Paths(index)


def _drug(raw: Any, where: _Paths, errors: Errors) -> Drug | None:
    path = where.drug
    if not isinstance(raw, dict):
        errors.append((path, "drug must be an object"))
        return None
    _unknown(raw, DRUG_KEYS, path, errors)
    name = raw.get("name")
    if not _text(name):
        errors.append((f"{path}.name", "a drug needs a name"))
        name = "?"
    category = raw.get("category")
    if category not in CATEGORIES:
        errors.append(
            (
                f"{path}.category",
                f"category is required, one of: {', '.join(CATEGORIES)}",
            )
        )
    hcpcs = raw.get("hcpcs")
    if hcpcs is not None:
        code = _hcpcs(hcpcs) if isinstance(hcpcs, str) else None
        if code is None:
            errors.append((f"{path}.hcpcs", f"{quoted(hcpcs)} is not a HCPCS code"))
        hcpcs = code
    billing_unit = ndc = None
    if "billing_unit" in raw:
        billing_unit = _amount(
            raw["billing_unit"], where.billing_unit, errors, positive=True
        )
    if "ndc" in raw:
        ndc = _ndc(raw["ndc"], f"{path}.ndc", errors)
    single = "single_dose_container" in raw and _flag(
        raw, "single_dose_container", path, errors
    )
    acquired_340b = "acquired_340b" in raw and _flag(raw, "acquired_340b", path, errors)
    if category not in CATEGORIES:
        return None
    return Drug(
        name=name.strip(),
        category=category,
        hcpcs=hcpcs,
        billing_unit=billing_unit,
        ndc=ndc,
        single_dose_container=single,
        acquired_340b=acquired_340b,
    )


def _hcpcs(text: str) -> str | None:
    """The HCPCS code as claims write it, or None."""
    code = text.strip().upper()
    return code if len(code) == 5 and code.isalnum() else None


def _administrations(
    raw: Any, sites: dict[str, Site], clock: Clock, have_day: bool, errors: Errors
) -> tuple[Administration, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.append(("administrations", "administrations must be a list"))
        return ()
    out: list[Administration] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = _paths(index)
        if not isinstance(item, dict):
            errors.append((where.root, "an administration must be an object"))
            continue
        administration = _administration(
            item, where, sites, clock, have_day, seen, errors
        )
        if administration is not None:
            out.append(administration)
    return tuple(out)


def _administration(
    item: dict[str, Any],
    where: _Paths,
    sites: dict[str, Site],
    clock: Clock,
    have_day: bool,
    seen: set[str],
    errors: Errors,
) -> Administration | None:
    # Parsed on every tap: the paths of the error messages are written once per
    # process or only when there is an error, and absent optional keys cost one
    # lookup.
    before = len(errors)
    path = where.root
    _unknown(item, ADMIN_KEYS, path, errors)
    admin_id = item.get("id")
    if not _text(admin_id):
        errors.append((f"{path}.id", "an administration needs an id (text)"))
        admin_id = ""
    elif admin_id in seen:
        errors.append(
            (f"{path}.id", f"administration id {quoted(admin_id)} is used twice")
        )
    else:
        seen.add(admin_id)
    method = item.get("method")
    if method not in METHODS:
        errors.append(
            (f"{path}.method", f"method is required, one of: {', '.join(METHODS)}")
        )
        method = None

    site = item.get("site")
    if site is not None and not (isinstance(site, str) and site in sites):
        errors.append((f"{path}.site", f"{quoted(site)} is not the id of a site"))
        site = None
    elif site is None and method in NEEDS_SITE:
        errors.append((f"{path}.site", f"a {method} needs the site it ran through"))

    visit = item.get("visit", "1")
    if visit != "1" and not _text(visit):
        errors.append((f"{path}.visit", "visit must be text"))
    bag = item.get("bag")
    if bag is not None and not _text(bag):
        errors.append((f"{path}.bag", "bag must be text"))

    drug = None
    if "drug" in item:
        drug = _drug(item["drug"], where, errors)
    elif method is not None and method not in NO_DRUG:
        errors.append((where.drug, f"a {method} needs a drug"))

    dose = wasted = None
    if "dose" in item:
        dose = _amount(item["dose"], where.dose, errors, positive=True)
    if "wasted" in item:
        wasted = _amount(item["wasted"], where.wasted, errors, positive=False)
    if drug is not None and drug.billing_unit is not None:
        for key, amount in (("dose", dose), ("wasted", wasted)):
            if amount is not None and not convertible(
                amount.unit, drug.billing_unit.unit
            ):
                errors.append(
                    (
                        f"{path}.{key}.unit",
                        f"{amount.unit} cannot be converted to the billing unit "
                        f"{drug.billing_unit}",
                    )
                )
    if (
        dose is not None
        and wasted is not None
        and not convertible(dose.unit, wasted.unit)
    ):
        errors.append((f"{path}.wasted.unit", "wasted must be in a unit of the dose"))

    start = _time(item.get("start"), path, "start", clock, have_day, errors)
    stop = _time(item.get("stop"), path, "stop", clock, have_day, errors)
    # A start that is there but unreadable has its own error already.
    if start is None and item.get("start") is None and method not in (None, "oral"):
        errors.append((f"{path}.start", "start is required"))
    if start is not None and stop is not None and stop < start:
        errors.append(
            (f"{path}.stop", f"stop {item['stop']} is before start {item['start']}")
        )
    rate = volume = None
    if "rate" in item:
        rate = _rate(item["rate"], f"{path}.rate", errors)
    if "volume_infused" in item:
        volume = _volume(item["volume_infused"], f"{path}.volume_infused", errors)
    kvo = "kvo" in item and _flag(item, "kvo", path, errors)
    presence = "continuous_presence" in item and _flag(
        item, "continuous_presence", path, errors
    )
    primary = "primary_reason" in item and _flag(item, "primary_reason", path, errors)
    stopped_early = "discontinued" in item and _flag(item, "discontinued", path, errors)
    lesions = item.get("lesions")
    if lesions is not None and (
        isinstance(lesions, bool) or not isinstance(lesions, int) or lesions < 1
    ):
        errors.append((f"{path}.lesions", "lesions is a whole number, 1 or more"))
        lesions = None
    if method == "intralesional" and item.get("lesions") is None:
        errors.append(
            (f"{path}.lesions", "an intralesional administration needs lesions")
        )
    pump = item.get("pump", "portable")
    if pump != "portable" and pump != "implantable":
        errors.append((f"{path}.pump", "pump is portable or implantable"))
    if len(errors) > before or method is None:
        return None
    return Administration(
        id=admin_id,
        method=method,
        site=site,
        visit=visit,
        bag=bag,
        drug=drug,
        dose=dose,
        wasted=wasted,
        start=start,
        stop=stop,
        rate_ml_per_hour=rate,
        volume_ml=volume,
        kvo=kvo,
        continuous_presence=presence,
        primary_reason=primary,
        discontinued=stopped_early,
        lesions=lesions,
        pump=pump,
    )


def _time(
    raw: Any, path: str, key: str, clock: Clock, have_day: bool, errors: Errors
) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors.append(
            (f"{path}.{key}", "a time is text: HH:MM or an ISO 8601 date-time")
        )
        return None
    if len(raw) == 5 and raw[2] == ":" and not have_day:
        errors.append(
            (
                f"{path}.{key}",
                "date_of_service is required when times are written HH:MM",
            )
        )
        return None
    try:
        return clock.at(raw)
    except ValueError as error:
        errors.append((f"{path}.{key}", str(error)))
        return None


def _rate(raw: Any, path: str, errors: Errors) -> Decimal | None:
    """A rate in mL an hour."""
    measure = _measure(raw, path, errors, positive=True, rate=True)
    if measure is None:
        return None
    value, unit = measure
    return value * RATE_UNITS[unit]


def _rate_key(text: str) -> str | None:
    key = text.lower()
    return key if key in RATE_UNITS else None


def _volume(raw: Any, path: str, errors: Errors) -> Decimal | None:
    amount = _amount(raw, path, errors, positive=True)
    if amount is None:
        return None
    millilitres = amount.in_unit("ml")
    if millilitres is None:
        errors.append((f"{path}.unit", "volume_infused is in mL"))
    return millilitres


def _em(raw: Any, errors: Errors) -> Em | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append(
            ("em", "em must be an object with code and separately_identifiable")
        )
        return None
    _unknown(raw, EM_KEYS, "em", errors)
    code = raw.get("code")
    if not isinstance(code, str) or code not in EM_CODES:
        errors.append(
            ("em.code", f"{quoted(code)} is not an office E/M code (99202-99215)")
        )
        return None
    flag = raw.get("separately_identifiable")
    if not isinstance(flag, bool):
        errors.append(("em.separately_identifiable", "is required: true or false"))
        return None
    return Em(code=code, separately_identifiable=flag)
