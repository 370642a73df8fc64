from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django import forms

from chairside_engine.ndc import ndc11
from encounters.models import (
    DRUGLESS_METHODS,
    SITE_METHODS,
    Administration,
    Chair,
    Coverage,
    DoseUnit,
    Encounter,
    IVSite,
    Location,
    Method,
    Patient,
)
from payers.models import Payer
from reference.models import Drug


class ActionForm(forms.Form):
    """What every tap carries: its own key and the version on screen."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CheckInForm(forms.Form):
    chair = forms.ModelChoiceField(queryset=Chair.objects.none(), empty_label=None)

    def __init__(self, *args: Any, encounter: Encounter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chair = self.fields["chair"]
        assert isinstance(chair, forms.ModelChoiceField)
        chair.queryset = encounter.location.chairs.free()


class SiteForm(forms.Form):
    kind = forms.ChoiceField(choices=IVSite.Kind.choices)
    label = forms.CharField(max_length=80, help_text="For example: right forearm.")
    separate_access_reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="Only when a separate access was medically necessary.",
    )


class AdministrationForm(forms.Form):
    drug = forms.ModelChoiceField(
        queryset=Drug.objects.all(),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a drug from the list."},
    )
    method = forms.ChoiceField(choices=Method.choices, initial=Method.INFUSION)
    site = forms.TypedChoiceField(label="IV site", coerce=int, required=False)
    dose_amount = forms.DecimalField(
        label="Dose", min_value=0, max_digits=12, decimal_places=4, required=False
    )
    dose_unit = forms.ChoiceField(
        label="Unit", choices=[("", "—"), *DoseUnit.choices], required=False
    )
    wasted_amount = forms.DecimalField(
        label="Wasted", min_value=0, max_digits=12, decimal_places=4, required=False
    )
    single_dose_container = forms.BooleanField(label="Single-dose vial", required=False)
    acquired_340b = forms.BooleanField(
        label="340B stock",
        required=False,
        help_text="Untick when the dose did not come from 340B stock.",
    )
    bag = forms.CharField(max_length=20, required=False, help_text="Same bag, same id.")
    expected_minutes = forms.IntegerField(
        label="Ordered run (minutes)", min_value=1, max_value=24 * 60, required=False
    )

    def __init__(
        self, *args: Any, sites: Sequence[IVSite], location: Location, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The page already holds the encounter's sites: no query to list them.
        self.sites = {site.pk: site for site in sites}
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ChoiceField)
        site_field.choices = [("", "No IV site")] + [
            (site.pk, str(site)) for site in sites
        ]
        if sites:
            # Most drugs go in through the access placed last: one tap fewer.
            site_field.initial = sites[-1].pk
        if location.stocks_340b:
            # A covered hospital's stock usually is 340B: ticked, and the
            # nurse unticks it for a dose from other stock.
            self.fields["acquired_340b"].initial = True
        else:
            # Nothing to say where no 340B modifier can apply (R100).
            del self.fields["acquired_340b"]

    def clean_site(self) -> IVSite | None:
        chosen = self.cleaned_data.get("site")
        return self.sites.get(chosen) if chosen else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns the cleaned data
        method = data.get("method")
        if method in SITE_METHODS and not data.get("site"):
            self.add_error("site", "An IV push or infusion needs its IV site.")
        if method not in DRUGLESS_METHODS and not data.get("drug"):
            self.add_error("drug", "Search for the drug and choose it.")
        if data.get("dose_amount") is not None and not data.get("dose_unit"):
            self.add_error("dose_unit", "Give the unit of the dose.")
        if data.get("wasted_amount") and data.get("dose_amount") is None:
            self.add_error("wasted_amount", "Record the dose given before the waste.")
        if not data.get("drug"):
            # A flush or a refill has no drug to have been bought at 340B.
            data["acquired_340b"] = False
        return data


class NdcField(forms.CharField):
    """An NDC as printed on the package, kept as typed; the engine's reading
    decides what is one (R84)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label="NDC", max_length=13, **kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and ndc11(value) is None:
            raise forms.ValidationError(
                "An NDC is 11 digits, or 4-4-2, 5-3-2 or 5-4-2 with dashes."
            )


class EditAdministrationForm(forms.Form):
    dose_amount = AdministrationForm.base_fields["dose_amount"]
    dose_unit = AdministrationForm.base_fields["dose_unit"]
    wasted_amount = AdministrationForm.base_fields["wasted_amount"]
    single_dose_container = AdministrationForm.base_fields["single_dose_container"]
    acquired_340b = AdministrationForm.base_fields["acquired_340b"]
    ndc = NdcField(required=False)
    bag = AdministrationForm.base_fields["bag"]
    rate = forms.DecimalField(
        label="Rate (mL/h)", min_value=0, max_digits=8, decimal_places=2, required=False
    )
    volume_infused = forms.DecimalField(
        label="Volume infused (mL)",
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
    )
    expected_minutes = AdministrationForm.base_fields["expected_minutes"]
    kvo = forms.BooleanField(label="KVO (keep vein open only)", required=False)
    continuous_presence = forms.BooleanField(
        label="Nurse present throughout (push)", required=False
    )
    primary_reason = forms.BooleanField(
        label="Main reason for the visit", required=False
    )
    discontinued = forms.BooleanField(label="Stopped early", required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    FIELDS = (
        "dose_amount",
        "dose_unit",
        "wasted_amount",
        "single_dose_container",
        "acquired_340b",
        "ndc",
        "bag",
        "rate",
        "volume_infused",
        "expected_minutes",
        "kvo",
        "continuous_presence",
        "primary_reason",
        "discontinued",
        "note",
    )

    def __init__(
        self, *args: Any, administration: Administration, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"edit-{administration.pk}")
        super().__init__(*args, **kwargs)
        if not administration.offers_340b:
            del self.fields["acquired_340b"]

    @classmethod
    def of(
        cls, administration: Administration, **kwargs: Any
    ) -> "EditAdministrationForm":
        initial = {name: getattr(administration, name) for name in cls.FIELDS}
        return cls(initial=initial, administration=administration, **kwargs)

    def values(self) -> dict[str, Any]:
        """The values of the fields the form offered, by model field name."""
        return {
            name: self.cleaned_data[name] for name in self.FIELDS if name in self.fields
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns the cleaned data
        if data.get("dose_amount") is not None and not data.get("dose_unit"):
            self.add_error("dose_unit", "Give the unit of the dose.")
        return data


def correctable_points(administration: Administration) -> list[tuple[str, str]]:
    """The recorded times a nurse may correct, as (choice, label)."""
    run = administration.run
    points = []
    if run.started_at:
        points.append(("started:0", "Start"))
    for n, (_paused, resumed) in enumerate(run.pauses):
        points.append((f"paused:{n}", f"Pause {n + 1}"))
        if resumed is not None and not (
            run.stopped_at is not None and resumed == run.stopped_at
        ):
            points.append((f"resumed:{n}", f"Resume {n + 1}"))
    if run.stopped_at:
        points.append(("stopped:0", "Stop"))
    return points


class CorrectTimeForm(forms.Form):
    point = forms.ChoiceField(label="Which time")
    time = forms.TimeField(
        label="Real time", widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(
        max_length=300,
        error_messages={"required": "Say why the time is corrected."},
        help_text="Required: why the recorded time was wrong.",
    )

    def __init__(self, *args: Any, administration: Administration, **kwargs: Any):
        kwargs.setdefault("prefix", f"correct-{administration.pk}")
        super().__init__(*args, **kwargs)
        point = self.fields["point"]
        assert isinstance(point, forms.ChoiceField)
        point.choices = correctable_points(administration)
        if administration.started_at is not None:
            # Start from the time on record, so a small correction is a small edit.
            zone = administration.encounter.location.tz
            self.fields["time"].initial = administration.started_at.astimezone(
                zone
            ).strftime("%H:%M")

    def moment(self, day: Any, zone: Any) -> datetime:
        chosen: time = self.cleaned_data["time"]
        return datetime.combine(day, chosen, zone)


# Registration


class DigitsField(forms.CharField):
    """A phone number or ZIP code as people type it, kept as its digits: the
    model says how many there must be."""

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return "".join(c for c in text if c.isdigit()) if text else text


class PhoneField(DigitsField):
    def to_python(self, value: Any) -> str | None:
        number = super().to_python(value)
        if number and len(number) == 11 and number.startswith("1"):
            return number[1:]  # the country code of a US number is not part of it
        return number


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERROR = {"invalid": "Give the date as YYYY-MM-DD."}


class PatientForm(forms.ModelForm[Patient]):
    """A patient's registration; its fields are the import's columns."""

    # Typed with their punctuation, kept as digits.
    postal_code = DigitsField(label="ZIP code", max_length=10)
    phone = PhoneField(max_length=20, required=False)

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "last_name",
            "first_name",
            "middle_name",
            "date_of_birth",
            "sex",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
        ]
        widgets = {"date_of_birth": DATE}
        labels = {"last_name": "Legal last name", "first_name": "Legal first name"}
        error_messages = {"date_of_birth": DATE_ERROR}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Blank on the model only for patients registered before these were
        # asked; a registration gives them.
        for name in ("last_name", "first_name", "address_line1", "city", "state"):
            self.fields[name].required = True
        self.fields["last_name"].error_messages["required"] = (
            "Give the patient's legal last name."
        )
        self.fields["first_name"].error_messages["required"] = (
            "Give the patient's legal first name."
        )
        self.fields["address_line1"].error_messages["required"] = (
            "Give the patient's street address."
        )

    def clean_state(self) -> str:
        state: str = self.cleaned_data["state"]
        return state.upper()


class CoverageForm(forms.ModelForm[Coverage]):
    """A coverage of the patient the instance belongs to; its fields are the
    import's columns."""

    class Meta:
        model = Coverage
        fields = [
            "payer",
            "order",
            "member_id",
            "group_number",
            "plan_name",
            "relationship",
            "subscriber_last_name",
            "subscriber_first_name",
            "subscriber_date_of_birth",
            "subscriber_sex",
            "effective_from",
            "effective_to",
        ]
        widgets = {
            "subscriber_date_of_birth": DATE,
            "effective_from": DATE,
            "effective_to": DATE,
        }
        error_messages = {
            "payer": {
                "required": "Choose the payer.",
                "invalid_choice": "Choose a payer from the list.",
            },
            "member_id": {"required": "Give the member ID from the card."},
            "effective_from": {
                "required": "Give the first day of the coverage.",
                **DATE_ERROR,
            },
            "effective_to": DATE_ERROR,
            "subscriber_date_of_birth": DATE_ERROR,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payer = self.fields["payer"]
        assert isinstance(payer, forms.ModelChoiceField)
        payer.queryset = Payer.objects.order_by("name")


class EndCoverageForm(forms.Form):
    effective_to = forms.DateField(
        label="Last day covered", widget=DATE, error_messages=DATE_ERROR
    )


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Name or MRN", max_length=120, required=False, strip=True)


class PatientImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One row per coverage, with the columns of the import: "
        "mrn, last_name, first_name, … effective_from, effective_to.",
        error_messages={"required": "Choose the CSV file to import."},
    )
