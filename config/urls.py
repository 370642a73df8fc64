from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", home.keepalive, name="keepalive"),
    path("encounters/", include("encounters.urls")),
    # The coder's pages keep the addresses they had under /coding/.
    path("coding/", include("claims.urls")),
    path("coding/", include("reference.urls")),
    path("coding/", include("accounts.urls")),
    path("payers/", include("payers.urls")),
    path("providers/", include("providers.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("coding.api_urls")),
    path("admin/", admin.site.urls),
]
