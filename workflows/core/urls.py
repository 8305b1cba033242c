from django.urls import include, path

from . import files, views

app_name = "tasks"

# A person's saved filters of a list.
filter_patterns = [
    path("save/", views.save_filter, name="save_filter"),
    path("<int:pk>/delete/", views.delete_filter, name="delete_filter"),
]

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("archive/", views.archive, name="archive"),
    path("bulk/", views.bulk, name="bulk"),
    path("filters/", include(filter_patterns)),
    path("<int:task_id>/reassign/", views.reassign, name="reassign"),
    path("files/<slug:kind>/<int:pk>/", files.download, name="file"),
]
