from django.urls import path

from reference import views

app_name = "reference"
urlpatterns = [path("reference/", views.reference, name="reference")]
