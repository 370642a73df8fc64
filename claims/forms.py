import re
from decimal import Decimal
from typing import Any

from django import forms

from claims.models import Charge, Fee, Override, PayerClaimNumber
from encounters.forms import NdcField
from encounters.models import Location
from payers.models import Payer
from providers.models import Practitioner
from reference.forms import MultipleFileField


class ChargeForm(forms.ModelForm[Charge]):
    class Meta:
        model = Charge
        fields = ["code", "price", "effective"]
        widgets = {"effective": forms.DateInput(attrs={"type": "date"})}

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


# The coder's review page.


class NdcForm(forms.Form):
    ndc = NdcField()


class Acquired340BForm(forms.Form):
    acquired_340b = forms.BooleanField(label="340B stock", required=False)


def split_codes(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").upper().split() if part]


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM code", max_length=10, help_text="For example C18.9 or Z51.11."
    )


class PointersForm(forms.Form):
    line_key = forms.CharField(widget=forms.HiddenInput)
    pointers = forms.CharField(
        max_length=20, help_text="Diagnosis numbers, up to four: 1, 3 (or A, C)."
    )

    def clean_pointers(self) -> list[int]:
        ranks = []
        for part in split_codes(self.cleaned_data["pointers"]):
            if part.isdigit():
                ranks.append(int(part))
            elif len(part) == 1 and "A" <= part <= "L":
                ranks.append(ord(part) - ord("A") + 1)
            else:
                raise forms.ValidationError(f"{part} is not a diagnosis number.")
        return ranks


class OverrideForm(forms.Form):
    action = forms.ChoiceField(choices=Override.Action.choices)
    line_key = forms.CharField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(
        required=False, max_length=5, help_text="Only when adding a line."
    )
    units = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    modifiers = forms.CharField(
        required=False, max_length=20, help_text="Up to four, e.g. JW 59."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().upper()
        if code and not re.fullmatch(r"[A-Z0-9]{5}", code):
            raise forms.ValidationError("A CPT or HCPCS code has five characters.")
        return code

    def clean_modifiers(self) -> list[str]:
        found = split_codes(self.cleaned_data["modifiers"])
        if len(found) > 4 or any(not re.fullmatch(r"[A-Z0-9]{2}", m) for m in found):
            raise forms.ValidationError("Up to four two-character modifiers.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == Override.Action.ADD and not data.get("code"):
            self.add_error("code", "Enter the code of the line to add.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CheckCodesForm(forms.Form):
    codes = forms.CharField(
        label="Your codes",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="As you would bill them: 96413, 96415, J9263-JZ x340.",
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(VersionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the finalised claim must change; it goes into the history.",
    )


class AnyNumberField(forms.TypedMultipleChoiceField):
    """Any number is a valid choice; the queryset decides what is visible."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class ExportForm(forms.Form):
    FORMATS = {
        "csv": "CSV",
        "fhir": "FHIR R4 Claim bundle",
        "837p": "X12 837P (office)",
        "837i": "X12 837I (facility)",
    }

    format = forms.ChoiceField(choices=list(FORMATS.items()))
    encounter = AnyNumberField(required=False, coerce=int)
    claim = forms.IntegerField(required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("encounter") or data.get("claim")
        if not chosen and not (data.get("date_from") and data.get("date_to")):
            raise forms.ValidationError(
                "Tick the encounters to export, or give a date range (from and to)."
            )
        return data


class PayerNumberForm(forms.ModelForm[PayerClaimNumber]):
    class Meta:
        model = PayerClaimNumber
        fields = ["number"]
        help_texts = {
            "number": "From the payer's remittance (CLP07): a replacement of this "
            "claim names it."
        }


class PractitionersForm(forms.Form):
    """Who ordered the drugs and who attended (837I 2310A) or rendered (837P
    2310B) them, when not the location's supervising practitioner."""

    ordering = forms.ModelChoiceField(
        queryset=Practitioner.objects.order_by("last_name", "first_name"),
        label="Ordering practitioner",
    )
    attending = forms.ModelChoiceField(
        queryset=Practitioner.objects.order_by("last_name", "first_name"),
        label="Attending / rendering practitioner",
    )


# Remittance: what came back, the fee schedules, the denial worklist.


class RemittanceUploadForm(forms.Form):
    upload = MultipleFileField(
        label="835, 999 or 277CA files",
        help_text="As the payer or clearinghouse sent them. Each file is recorded "
        "whole or not at all; a file imported before adds nothing.",
        error_messages={"required": "Choose the file(s) to import."},
    )


class FeeForm(forms.ModelForm[Fee]):
    class Meta:
        model = Fee
        fields = ["payer", "code", "modifier", "amount", "asp_percent", "effective"]
        widgets = {"effective": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "modifier": "Only for a payment modifier with a fee of its own "
            "(PN, PO, JG, TB).",
            "amount": "Allowed per unit; or leave empty and give a percent of ASP.",
            "asp_percent": "For a drug: this percent of the CMS ASP payment limit "
            "in force on the date of service (106 for ASP + 6%).",
        }

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()

    def clean_modifier(self) -> str:
        return str(self.cleaned_data["modifier"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("amount") is None) == (data.get("asp_percent") is None):
            raise forms.ValidationError(
                "Give either an amount per unit or a percent of ASP, not both."
            )
        return data


class DenialFilter(forms.Form):
    """The denial worklist's filters; every one optional."""

    AGES = [
        ("", "Any age"),
        ("30", "Up to 30 days"),
        ("60", "31 to 60 days"),
        ("90", "61 to 90 days"),
        ("older", "Over 90 days"),
    ]
    KINDS = [
        ("", "Denied and underpaid"),
        ("denied", "Denied"),
        ("underpaid", "Underpaid"),
    ]

    kind = forms.ChoiceField(choices=KINDS, required=False, label="Lines")
    payer = forms.ModelChoiceField(queryset=Payer.objects.all(), required=False)
    group = forms.ChoiceField(
        choices=[("", "Any group"), *((g, g) for g in ("CO", "PR", "OA", "PI", "CR"))],
        required=False,
        label="CARC group",
    )
    reason = forms.CharField(max_length=5, required=False, label="CARC")
    code = forms.CharField(max_length=5, required=False, label="CPT/HCPCS")
    rule = forms.CharField(
        max_length=5, required=False, label="Rule", help_text="R14, R52, …"
    )
    location = forms.ModelChoiceField(queryset=Location.objects.all(), required=False)
    age = forms.ChoiceField(choices=AGES, required=False)

    def clean_reason(self) -> str:
        return str(self.cleaned_data["reason"]).strip().upper()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()

    def clean_rule(self) -> str:
        rule = str(self.cleaned_data["rule"]).strip().upper()
        if rule and not re.fullmatch(r"R\d{1,3}", rule):
            raise forms.ValidationError("A rule is R and its number, such as R52.")
        return rule
