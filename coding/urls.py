from django.urls import path

from coding import views

app_name = "coding"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("reference/", views.reference, name="reference"),
]
