"""Demo accounts on a laptop: an officer, a supervisor and a leader for every unit that acts in
the loaded plan, plus a superuser, all with one published password (README.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from agencies.models import Membership, Responsibility, Role, Unit
from agencies.services import grant_membership

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published on purpose; production refuses the command
ADMIN_USERNAME = "admin"


def acting_units() -> QuerySet[Unit]:
    """Units a responsibility row names, and every unit of a kind a row names (districts),
    but not a unit loadplan ended before it started: it never existed, nobody acts for it."""
    rows = Responsibility.objects.all()
    return (
        Unit.objects.filter(
            Q(pk__in=rows.filter(unit__isnull=False).values("unit_id"))
            | Q(kind__in=rows.exclude(unit_kind="").values("unit_kind"))
        )
        .exclude(valid_to__lt=F("valid_from"))
        .order_by("kind", "code")
    )


class Command(BaseCommand):
    help = (
        "Create demo users <unit>.<role> for every unit acting in the plan and a superuser "
        f"'{ADMIN_USERNAME}', all with password {DEMO_PASSWORD}. Refused unless DEMO_ALLOWED."
    )

    def handle(self, *args, **options):
        if not settings.DEMO_ALLOWED:
            raise CommandError(
                _(
                    "Demo accounts have a published password; settings %(module)s do not allow "
                    "them (DEMO_ALLOWED is off)."
                )
                % {"module": settings.SETTINGS_MODULE}
            )
        units = list(acting_units())
        roles = list(Role.objects.all())
        if not units or not roles:
            raise CommandError(_("No unit acts in the plan yet: run loadplan first."))

        with transaction.atomic():
            users, memberships, logins = self._seed(units, roles)

        if users or memberships:
            self.stdout.write(
                _("Created %(users)d users and %(memberships)d memberships.")
                % {"users": users, "memberships": memberships}
            )
        else:
            self.stdout.write(_("Nothing to create: the demo accounts already exist."))
        self._print_logins(logins)

    def _seed(self, units: list[Unit], roles: list[Role]):
        """Create what is missing; an existing user keeps its password and memberships."""
        user_model = get_user_model()
        users = memberships = 0
        logins: list[tuple[str, str, str]] = []
        if not user_model.objects.filter(username=ADMIN_USERNAME).exists():
            user_model.objects.create_superuser(
                ADMIN_USERNAME, f"{ADMIN_USERNAME}@demo.invalid", DEMO_PASSWORD
            )
            users += 1
        logins.append((ADMIN_USERNAME, _("administrator"), ""))
        wanted = [(unit, role, f"{unit.code}.{role.code}") for unit in units for role in roles]
        usernames = [username for _unit, _role, username in wanted]
        password = make_password(DEMO_PASSWORD)  # hashed once: ~60 users share a public password
        existing = user_model.objects.in_bulk(usernames, field_name="username")
        held = set(
            Membership.objects.filter(user__username__in=usernames).values_list(
                "user__username", "unit_id", "role_id"
            )
        )
        for unit, role, username in wanted:
            user = existing.get(username)
            if user is None:
                user = user_model.objects.create(
                    username=username,
                    email=f"{username}@demo.invalid",
                    password=password,
                    first_name=role.name_vi,
                    last_name=unit.name_vi[:150],
                )
                users += 1
            if (username, unit.pk, role.pk) not in held:
                grant_membership(
                    user=user,
                    unit=unit,
                    role=role,
                    valid_from=unit.valid_from,
                    valid_to=unit.valid_to,
                )
                memberships += 1
            logins.append((username, str(unit), str(role)))
        return users, memberships, logins

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(_("Demo logins, password %(password)s:") % {"password": DEMO_PASSWORD})
        header = (_("username"), _("unit"), _("role"))
        widths = [max(len(row[i]) for row in [header, *logins]) for i in range(2)]
        for row in [header, *logins]:
            self.stdout.write(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip())
