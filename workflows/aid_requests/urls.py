from workflows.core.views import record_urls

from . import views
from .actions import AID_REQUEST

app_name = "aid_requests"

urlpatterns = record_urls(
    AID_REQUEST,
    listing=views.request_list,
    create=views.request_create,
    detail=views.request_detail,
    edit=views.request_edit,
)
