from workflows.core.routes import record_pages

from . import views
from .actions import COMMENDATION

app_name = "commendations"

urlpatterns = record_pages(COMMENDATION, views, "commendation")
