from django.urls import include, path

from workflows.core.views import process_urls

from . import views
from .actions import CONSOLIDATION, REPORT

app_name = "reporting"

# The duties: the waiver of several at once, and one unit's duty for one period with its
# report's creation and its waiver.
obligation_patterns = [
    path("waive/", views.obligations_waive, name="waive_many"),
    path("<int:pk>/", views.obligation_detail, name="obligation"),
    path("<int:pk>/report/", views.report_create, name="create"),
    path("<int:pk>/waive/", views.obligation_waive, name="waive"),
]

# A provincial report by its id (its actions; its page is the year's consolidation page).
provincial_patterns = [
    path("<int:pk>/", views.provincial_detail, name="detail"),
    *process_urls(CONSOLIDATION),
]

# The province's figures, on the page and as files.
dashboard_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
]

urlpatterns = [
    path("", views.obligation_list, name="obligations"),
    path("obligations/", include(obligation_patterns)),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    *process_urls(REPORT),
    path("province/<int:year>/", views.consolidation, name="consolidation"),
    path("province/<int:year>/open/", views.consolidation_open, name="consolidation_open"),
    path("consolidation/", include((provincial_patterns, "provincial"))),
    path("dashboard/", include(dashboard_patterns)),
    path("units/<slug:code>/", views.unit_detail, name="unit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
