from typing import Any

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: the four parts of a PTP table go together."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class ImportForm(forms.Form):
    upload = MultipleFileField(
        label="CMS files",
        help_text="As CMS publishes them: the zip, or the CSV, XLSX or TXT inside "
        "it. Give the parts of a PTP table (f1 to f4) together.",
        error_messages={"required": "Choose the CMS file(s) to import."},
    )
    effective = forms.DateField(
        label="Effective from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only for files whose name carries no date, such as the PTP "
        "files (ccipra-v331r0-f1.zip).",
    )
