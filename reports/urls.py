from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("<slug:slug>.csv", views.report_csv, name="csv"),
    path("<slug:slug>/<str:key>/", views.behind, name="behind"),
]
