"""URL map: accounts, admin, language switch and the process apps."""

from django.contrib import admin
from django.urls import include, path

from agencies.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("tasks/", include("workflows.core.urls")),
    path("requests/", include("workflows.aid_requests.urls")),
    path("reports/", include("workflows.reporting.urls")),
    path("commendations/", include("workflows.commendations.urls")),
]
