from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("archive/", views.archive, name="archive"),
    path("<int:task_id>/reassign/", views.reassign, name="reassign"),
]
