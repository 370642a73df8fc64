"""Django's own sign-in, with each request's user read together with the
names of its groups, so the role check of every page costs no query of its
own (the chair's Start and Stop must stay within their query budget)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import StringAgg, Value


class RolesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.annotate(
            group_names=StringAgg("groups__name", Value("\n"), default=Value(""))
        )
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
