"""The contract's policy keys in plain words: what each one decides, its rule
numbers and its values as the admin's pages and forms show them."""


class PolicyKey:
    """One policy key of the coding contract (shared/contract/README.md, "Policy
    keys and their defaults"): its field, plain-words meaning and rule numbers,
    and its values in words. The values themselves and the defaults are the
    engine's (chairside_engine.policy); a value without words here (a code
    such as "XS") is shown as it is."""

    def __init__(
        self,
        name: str,
        label: str,
        rules: str,
        meaning: str,
        words: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.rules = rules
        self.meaning = meaning
        self.words = words or {}


# In contract order; drug_overrides lives in DrugOverride rows.
POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey(
        "initial_service",
        "Initial service in the office",
        "R42–R44",
        "In a physician office, which administration is reported as the initial "
        "service: the one the nurse marked as the main reason for the visit, or "
        "the one ranked highest (chemotherapy, then therapeutic, then hydration). "
        "Hospital outpatient claims always use the ranking.",
        words={
            "primary_reason": "Main reason for the visit",
            "hierarchy": "Ranking (chemotherapy first)",
        },
    ),
    PolicyKey(
        "biologic_injection",
        "Biologic given as a shot",
        "R6–R8",
        "A biologic (a monoclonal antibody for a non-cancer condition, such as "
        "omalizumab) injected under the skin or into a muscle: the ordinary "
        "injection code 96372, or the chemotherapy injection code 96401.",
        words={
            "therapeutic": "Therapeutic injection (96372)",
            "chemotherapy": "Chemotherapy injection (96401)",
        },
    ),
    PolicyKey(
        "biologic_infusion",
        "Biologic given into a vein",
        "R6–R8",
        "A biologic infused or pushed into a vein (such as infliximab): the "
        "chemotherapy codes (96413, 96409 …) or the therapeutic ones (96365, "
        "96374 …).",
        words={
            "chemotherapy": "Chemotherapy codes (96413 family)",
            "therapeutic": "Therapeutic codes (96365 family)",
        },
    ),
    PolicyKey(
        "missing_stop",
        "Infusion without a stop time",
        "R93–R94",
        "What an infusion becomes when nobody wrote down when it stopped: a push, "
        "a run timed from the volume infused and the rate (a push when those are "
        "missing too), or nothing billed. Hydration without a stop time is never "
        "billed; the coder always gets a warning.",
        words={
            "push": "Code as a push",
            "derive": "Time it from volume and rate",
            "not_billable": "Do not bill",
        },
    ),
    PolicyKey(
        "hydration_segments",
        "Hydration before and after",
        "R35–R36",
        "Hydration given in several pieces during one visit (for example before "
        "and after chemotherapy): the minutes are added up, or each piece must "
        "reach 31 minutes by itself.",
        words={
            "sum": "Add the pieces up",
            "separate": "Judge each piece alone",
        },
    ),
    PolicyKey(
        "repeat_infusion",
        "Same drug infused again",
        "R37",
        "A later infusion of a drug already infused in the visit: reported with "
        "its own additional-hour code, added to the earlier minutes, or reported "
        "as a repeat push of the same drug.",
        words={
            "additional_hour": "Its own additional-hour code",
            "sum": "Add to the earlier minutes",
            "push": "Same-drug push",
        },
    ),
    PolicyKey(
        "concurrent_min_overlap",
        "Minutes of overlap for concurrent",
        "R56",
        "How many minutes two separate infusions must run at the same time to be "
        "reported as concurrent (96368). 0 means any documented overlap.",
    ),
    PolicyKey(
        "distinct_modifier",
        "Modifier for a second IV site",
        "R46",
        "The modifier on a second initial service given through another IV site "
        "that was medically necessary.",
    ),
    PolicyKey(
        "separate_visit_modifier",
        "Modifier for a second visit the same day",
        "R47",
        "The modifier on the initial service of a later visit on the same day "
        "(the patient left and came back).",
    ),
    PolicyKey(
        "hydration_modifier",
        "Modifier on later hydration",
        "R90",
        "Whether hydration reported after another service carries modifier 59.",
        words={"none": "None"},
    ),
    PolicyKey(
        "midnight",
        "Infusions across midnight",
        "R70",
        "The date each unit of an infusion that runs past midnight is reported "
        "on: all on the day it started, or each on the day it was earned.",
        words={
            "start_date": "All on the start date",
            "actual_date": "Each unit on the day it was earned",
        },
    ),
    PolicyKey(
        "prolonged_pump_code",
        "Chemotherapy started on a pump",
        "R26",
        "The code for starting a chemotherapy infusion on a portable or implanted "
        "pump that runs more than 8 hours: CPT 96416 or Medicare's G0498.",
    ),
    PolicyKey(
        "discontinued_modifier",
        "Modifier on an infusion stopped early",
        "R39",
        "Whether an infusion stopped early (a reaction, a pump failure) carries "
        "modifier 53; it is always coded by the time actually given.",
        words={"none": "None"},
    ),
    PolicyKey(
        "waste_modifiers",
        "JW and JZ on single-dose drugs",
        "R80–R83",
        "For drugs from single-dose vials: report the discarded amount on a JW "
        "line and mark zero waste with JZ, or leave both modifiers off.",
    ),
    PolicyKey(
        "unit_rounding",
        "Drug units",
        "R78–R79",
        "Drug units rounded up to whole units, or kept to two decimals.",
        words={
            "ceil": "Round up to whole units",
            "decimal": "Two decimals",
        },
    ),
    PolicyKey(
        "ndc_required",
        "NDC required",
        "R84–R86",
        "Whether every drug line must carry the package's National Drug Code; a "
        "line without one is then an error the coder must fix.",
    ),
    PolicyKey(
        "mue",
        "Units over the medically unlikely edit",
        "R88–R89",
        "Units above CMS's medically unlikely edit for the setting: warn the "
        "coder, or cap the units and warn.",
        words={
            "warn": "Warn",
            "cap": "Cap the units and warn",
        },
    ),
    PolicyKey(
        "allow_99211_with_admin",
        "99211 with drug administration",
        "R73",
        "Whether the nurse visit code 99211 may be reported together with drug "
        "administration codes.",
    ),
    PolicyKey(
        "facility_visit_code",
        "Clinic visit on the hospital's claim",
        "R101, R73–R74",
        "On a hospital outpatient claim, a doctor's visit that is separately "
        "identifiable from the drug administration (any level, 99202–99215): "
        "reported as the hospital clinic visit G0463, with modifier 25 beside "
        "the drug administration, as Medicare has required since 2014; or as "
        "the level documented, 99211 then following the “99211 with drug "
        "administration” choice. A visit that is only the routine check before "
        "treatment is never reported. Office claims always carry the level "
        "documented.",
        words={
            "G0463": "G0463 for any level",
            "as_given": "The level documented (99202–99215)",
        },
    ),
)
POLICY_KEY_NAMES = tuple(key.name for key in POLICY_KEYS)
# Each choice key's values in words, by key name: the model fields' choices.
VALUE_WORDS = {key.name: key.words for key in POLICY_KEYS}
