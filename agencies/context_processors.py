"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from .selectors import current_memberships


def memberships(request) -> dict:
    """The signed-in user's current units and roles for the header and home page, read at most
    once per request and only when a template uses them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"current_memberships": SimpleLazyObject(lambda: current_memberships(user))}
