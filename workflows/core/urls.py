from django.urls import path

from . import files, views

app_name = "tasks"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("archive/", views.archive, name="archive"),
    path("bulk/", views.bulk, name="bulk"),
    path("filters/save/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("<int:task_id>/reassign/", views.reassign, name="reassign"),
    path("files/<slug:kind>/<int:pk>/", files.download, name="file"),
]
