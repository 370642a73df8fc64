from django.urls import path

from coding import api

app_name = "api"
urlpatterns = [
    path("derive", api.derive, name="derive"),
    path("schema", api.schema, name="schema"),
]
