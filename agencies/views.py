"""The signed-in user's home page: the units and roles they act for today, and the roles that
have ended, with who took over their work."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from .selectors import ended_roles


class HomeView(LoginRequiredMixin, TemplateView):
    """Landing page after sign-in; memberships come from the shared context processor."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"ended_roles": ended_roles(self.request.user)}
