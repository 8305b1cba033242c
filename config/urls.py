"""URL map: accounts, admin, language switch, health check, the favicon and the process
apps. Errors use Django's default handlers, which render templates/400|403|404|500.html."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from agencies.views import HomeView
from config.health import health
from config.security import ThrottledPasswordResetView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("health/", health, name="health"),
    # browsers ask for /favicon.ico whatever the page says; whitenoise serves the file
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico")), name="favicon"),
    # Django's reset form, throttled; the other account pages as Django ships them
    path(
        "accounts/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("tasks/", include("workflows.core.urls")),
    path("requests/", include("workflows.aid_requests.urls")),
    path("reports/", include("workflows.reporting.urls")),
    path("commendations/", include("workflows.commendations.urls")),
]
