from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from encounters.models import Location


class ReportFilter(forms.Form):
    """The range and location every report shares."""

    since = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, empty_label="All locations"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(staff=user)  # type: ignore[attr-defined]

    @staticmethod
    def defaults() -> dict[str, Any]:
        today = timezone.localdate()
        return {"since": today - timedelta(weeks=8), "until": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                raise forms.ValidationError("The range ends before it starts.")
            if (until - since).days > 366:
                raise forms.ValidationError("Choose a range of at most a year.")
        return data
