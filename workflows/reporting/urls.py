from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.obligation_list, name="obligations"),
    path("obligations/<int:pk>/", views.obligation_detail, name="obligation"),
    path("obligations/<int:pk>/report/", views.report_create, name="create"),
    path("obligations/<int:pk>/waive/", views.obligation_waive, name="waive"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.report_act, name="act"),
    path("province/<int:year>/", views.consolidation, name="consolidation"),
    path("province/<int:year>/open/", views.consolidation_open, name="consolidation_open"),
    path(
        "province/<int:year>/act/<slug:action>/",
        views.consolidation_act,
        name="consolidation_act",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("units/<slug:code>/", views.unit_detail, name="unit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
