from django.urls import path

from accounts.views import api_tokens

app_name = "accounts"
urlpatterns = [
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<int:pk>/revoke/",
        api_tokens.revoke_api_token,
        name="revoke_api_token",
    ),
]
