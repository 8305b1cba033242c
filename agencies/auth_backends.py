"""Memberships become permissions, so viewflow's own queue, assign and execute follow the
responsibility matrix unchanged."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .selectors import PERMISSION_PREFIX, permissions_of


class MembershipBackend(BaseBackend):
    """Grants `agencies.act.<unit>.<role>` for each membership current today (Vietnam time)."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return permissions_of(user_obj)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if not perm.startswith(PERMISSION_PREFIX + "."):
            return False
        return perm in self.get_all_permissions(user_obj, obj)
