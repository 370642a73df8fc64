import json
from collections.abc import Sequence
from typing import Any

from django import forms

from chairside_engine import policy
from payers.models import Payer, PolicyVersion, validate_code
from payers.policy_keys import POLICY_KEYS
from reference.models import DrugCategory

YES_NO = [(True, "Yes"), (False, "No")]


class PayerForm(forms.ModelForm[Payer]):
    class Meta:
        model = Payer
        fields = ["name", "kind", "payer_id"]
        help_texts = {
            "payer_id": "The identifier the payer is known by on X12 and FHIR claims.",
        }


class AuthorisationRequirementForm(forms.Form):
    code = forms.CharField(
        label="HCPCS code",
        max_length=5,
        help_text="A code this payer pays only with a prior authorisation, "
        "as J1745 for infliximab.",
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].upper()
        validate_code(code)
        return code


class PolicyVersionForm(forms.ModelForm[PolicyVersion]):
    """A draft's dates and every policy key, each explained in plain words with
    its rule, and an optional note per key saying why this payer chose it."""

    class Meta:
        model = PolicyVersion
        fields = ["effective_from", "effective_to", *(k.name for k in POLICY_KEYS)]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
            # The contract's yes/no keys, named by the engine.
            **{name: forms.Select(choices=YES_NO) for name in policy.FLAGS},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = PolicyVersion.default_values()
        for key in POLICY_KEYS:
            field = self.fields[key.name]
            field.label = key.label
            shown = PolicyVersion.value_label(key.name, defaults[key.name])
            field.help_text = f"{key.meaning} Rule {key.rules}. Default: {shown}."
            self.fields[f"note_{key.name}"] = forms.CharField(
                label=f"Why ({key.label.lower()})",
                required=False,
                max_length=500,
                initial=self.instance.notes.get(key.name, ""),
                help_text="Public source and rule, when this payer differs.",
            )

    def key_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """(policy key, its field, its note field), in contract order."""
        return [(key, self[key.name], self[f"note_{key.name}"]) for key in POLICY_KEYS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns the cleaned data
        start, end = cleaned.get("effective_from"), cleaned.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", "The last day cannot be before the first.")
        return cleaned

    def save(self, commit: bool = True) -> PolicyVersion:
        version = super().save(commit=False)
        version.notes = {
            key.name: note
            for key in POLICY_KEYS
            if (note := self.cleaned_data[f"note_{key.name}"].strip())
        }
        if commit:
            version.save()
        return version


class DrugOverrideForm(forms.Form):
    """Set, change or (with nothing chosen) remove one drug's override."""

    key = forms.CharField(label="HCPCS code or drug name", max_length=120, strip=True)
    category = forms.ChoiceField(
        label="Category",
        choices=[("", "As the formulary says"), *DrugCategory.choices],
        required=False,
    )
    force_push = forms.BooleanField(label="Always the push code", required=False)
    note = forms.CharField(label="Why", max_length=300, required=False)

    def clean_key(self) -> str:
        return policy.override_key(self.cleaned_data["key"])


class PublishForm(forms.Form):
    note = forms.CharField(
        label="Publication note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What this version changes and why; kept with the version.",
        max_length=2000,
    )


class RetireForm(forms.Form):
    note = forms.CharField(
        label="Why retire it",
        max_length=500,
        help_text="Its dates then have no version until another is published.",
    )


class TryItForm(forms.Form):
    """Either recent encounters of the payer, or a pasted contract document."""

    encounters = forms.MultipleChoiceField(
        label="Recent encounters",
        required=False,
        # Rendered as toggle buttons: 44 px touch targets.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
    )
    document = forms.CharField(
        label="Or paste a contract document (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
    )

    def __init__(
        self,
        *args: Any,
        encounter_choices: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        encounters = self.fields["encounters"]
        assert isinstance(encounters, forms.MultipleChoiceField)
        encounters.choices = encounter_choices

    def clean_document(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["document"].strip()
        if not raw:
            return None
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"This is not JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}."
            ) from None
        except ValueError:  # Python reads no integer of more than 4,300 digits
            raise forms.ValidationError(
                "This has a number of more than 4,300 digits."
            ) from None
        if not isinstance(document, dict):
            raise forms.ValidationError("Paste one encounter document: a JSON object.")
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns the cleaned data
        if (
            not self.errors
            and not cleaned.get("encounters")
            and not cleaned.get("document")
        ):
            raise forms.ValidationError(
                "Choose at least one encounter or paste a document."
            )
        return cleaned


class ImpactForm(forms.Form):
    """The dates of the past encounters to replay under a draft."""

    since = forms.DateField(
        label="Encounters from", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns the cleaned data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end comes after the start.")
        elif since and until and (until - since).days > 366:
            self.add_error("until", "Replay at most a year at a time.")
        return data
