from workflows.core.views import record_urls

from . import views
from .actions import COMMENDATION

app_name = "commendations"

urlpatterns = record_urls(
    COMMENDATION,
    listing=views.commendation_list,
    create=views.commendation_create,
    detail=views.commendation_detail,
    edit=views.commendation_edit,
)
