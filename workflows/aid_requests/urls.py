from django.urls import path

from workflows.core.views import process_urls

from . import views
from .actions import AID_REQUEST

app_name = "aid_requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    *process_urls(AID_REQUEST),
]
