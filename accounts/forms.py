from django import forms
from django.contrib.auth.models import User

from accounts.models import ApiToken


class IssueTokenForm(forms.ModelForm[ApiToken]):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("username"),
        help_text="Calls made with the token act as this user.",
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]
