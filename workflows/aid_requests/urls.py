from workflows.core.routes import record_pages

from . import views
from .actions import AID_REQUEST

app_name = "aid_requests"

urlpatterns = record_pages(AID_REQUEST, views, "request")
