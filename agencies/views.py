"""The signed-in user's home page: the units and roles they act for today."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    """Landing page after sign-in; memberships come from the shared context processor."""

    template_name = "home.html"
