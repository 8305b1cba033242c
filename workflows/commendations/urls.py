from django.urls import path

from workflows.core.views import process_urls

from . import views
from .actions import COMMENDATION

app_name = "commendations"

urlpatterns = [
    path("", views.commendation_list, name="list"),
    path("new/", views.commendation_create, name="create"),
    path("<int:pk>/", views.commendation_detail, name="detail"),
    path("<int:pk>/edit/", views.commendation_edit, name="edit"),
    *process_urls(COMMENDATION),
]
