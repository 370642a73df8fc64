from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from encounters import views as encounter_views

urlpatterns = [
    path("", encounter_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", encounter_views.keepalive, name="keepalive"),
    path("encounters/", include("encounters.urls")),
    path("coding/", include("coding.urls")),
    path("payers/", include("payers.urls")),
    path("api/v1/", include("coding.api_urls")),
    path("admin/", admin.site.urls),
]
