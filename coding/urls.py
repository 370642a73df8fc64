from django.urls import path

from coding import views

app_name = "coding"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("reference/", views.reference, name="reference"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke_api_token"
    ),
]
