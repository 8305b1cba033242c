"""Time-driven notices of the reporting regime (V.2: DOLISA follows up and urges every unit):
reminders before a due day, escalation of overdue duties, review steps waiting too long. Each
is recorded under its key before it is sent (workflows.core.notifications)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Concat, Left
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow.models import Task

from agencies.models import ObligationDefinition, name_in_sql
from agencies.selectors import today
from workflows.core.models import Notification
from workflows.core.notifications import Notice, notify, queue_sending, record_selected
from workflows.core.transitions import OPEN

from .models import VIETNAM, Obligation
from .selectors import SUPERVISOR, active_members, members_by_unit

REMINDER = "reminder"
OVERDUE = "overdue"
REVIEW_WAITING = "review_waiting"
# Reminders go to the officers of the obliged unit; who else is told of an overdue duty is
# plan data (obligations[].escalate_to).
OFFICER = "officer"


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# Where the obliged unit's name, read in SQL, goes in a text rendered once per group.
UNIT_NAME = "\x00unit\x00"
# A primary key no row has, to split a reversed URL around the obligation's own.
_PK = 987654321

# The duties one notice text fits: definition, period and due day. Every duty of a group has
# the same text but for the unit's name, so the text is rendered once per group, not per row.
Group = tuple[int, int, dt.date]


@dataclass(frozen=True)
class Scheduled:
    """The notice of one group: the schedule's day and its texts with UNIT_NAME in them."""

    day: dt.date
    title: str
    body: str


def _texts(
    definition: ObligationDefinition, *, kind: str, year: int, due_on: dt.date, on: dt.date
) -> tuple[str, str]:
    """A reminder before the due day, or an escalation after it, sent `on` a day (later when a
    run was missed), in the plan's language."""
    days = abs((due_on - on).days)
    values = {
        "what": definition.name,
        "year": year,
        "unit": UNIT_NAME,
        "due": _fmt(due_on),
        "days": days,
        "clause": definition.clause.code,
    }
    if kind == REMINDER:
        title = _("Reminder: %(what)s %(year)s is due before %(due)s")
        body = ngettext(
            "%(unit)s must submit %(what)s for %(year)s before %(due)s: %(days)d day left "
            "(clause %(clause)s).",
            "%(unit)s must submit %(what)s for %(year)s before %(due)s: %(days)d days left "
            "(clause %(clause)s).",
            days,
        )
    else:
        title = _("Overdue: %(what)s %(year)s of %(unit)s")
        body = ngettext(
            "%(what)s for %(year)s of %(unit)s was due before %(due)s and has not been "
            "submitted: %(days)d day overdue (clause %(clause)s).",
            "%(what)s for %(year)s of %(unit)s was due before %(due)s and has not been "
            "submitted: %(days)d days overdue (clause %(clause)s).",
            days,
        )
    return title % values, body % values


def _with_unit_name(text: str) -> Combinable:
    """The text with the obliged unit's name put in by SQL where UNIT_NAME stands."""
    first, *rest = text.split(UNIT_NAME)
    pieces: list[Combinable] = [Value(first)]
    for part in rest:
        pieces += [name_in_sql("unit"), Value(part)]
    return Concat(*pieces, output_field=TextField()) if rest else pieces[0]


def _per_group(groups: dict[Group, Scheduled], value, output_field) -> Case:
    """One value per group, chosen in SQL by the row's definition, period and due day."""
    return Case(
        *(
            When(definition_id=d, year=year, due_on=due_on, then=value(scheduled))
            for (d, year, due_on), scheduled in groups.items()
        ),
        output_field=output_field,
    )


def _obligation_url() -> Combinable:
    before, after = reverse("reporting:obligation", args=[_PK]).split(str(_PK))
    return Concat(Value(before), Cast("pk", CharField()), Value(after))


def _record(
    obligations: QuerySet[Obligation],
    *,
    kind: str,
    groups: dict[Group, Scheduled],
    target: dict,
    on: dt.date,
    recorded: dt.datetime,
) -> None:
    """Record the group's notice for every duty and every member of the target, in one
    statement: a role in the obliged unit itself, or in a unit the plan names
    (obligations[].escalate_to). Keys are notification_key's, so a notice is recorded once."""
    members = active_members(role=target["role"], on=on)
    path = "unit__memberships"
    if target.get("unit"):
        members = members.filter(unit__code=target["unit"])
        path = "definition__plan__units__memberships"
    recipient = F(f"{path}__user_id")
    subject_type = ContentType.objects.get_for_model(Obligation).pk
    day_text = _per_group(groups, lambda s: Value(s.day.isoformat()), CharField())
    record_selected(
        obligations.filter(**{f"{path}__in": members.values("pk")}),
        recipient_id=recipient,
        kind=Value(kind),
        subject_type_id=Value(subject_type),
        subject_id=F("pk"),
        day=_per_group(groups, lambda s: Value(s.day), DateField()),
        key=Concat(
            Value(f"{subject_type}:"),
            Cast("pk", CharField()),
            Value(f":{kind}:"),
            day_text,
            Value(":"),
            Cast(recipient, CharField()),
            output_field=CharField(),
        ),
        title=Left(_per_group(groups, lambda s: _with_unit_name(s.title), CharField()), 255),
        body=_per_group(groups, lambda s: _with_unit_name(s.body), TextField()),
        url=_obligation_url(),
        created=Value(recorded, output_field=DateTimeField()),
    )


def _groups(obligations: QuerySet[Obligation]) -> list[Group]:
    return list(obligations.order_by().values_list("definition_id", "year", "due_on").distinct())


def record_reminders(*, day: dt.date, recorded: dt.datetime) -> None:
    """Outstanding duties due a reminder-offset of days after `day`, to the unit's officers."""
    definitions = {
        d.pk: d
        for d in ObligationDefinition.objects.exclude(reminder_days=[]).select_related("clause")
    }
    due_days = Q(pk__in=[])
    for definition in definitions.values():
        offsets = [day + dt.timedelta(days=n) for n in definition.reminder_days]
        due_days |= Q(definition=definition, due_on__in=offsets)
    already = Notification.objects.filter(
        subject_type=ContentType.objects.get_for_model(Obligation),
        subject_id=OuterRef("pk"),
        kind=REMINDER,
        day=day,
        created__lt=recorded,  # this scan's own notices are told apart by their keys
    )
    obligations = Obligation.objects.outstanding().filter(due_days).exclude(Exists(already))
    groups = {
        (d, year, due_on): Scheduled(
            day, *_texts(definitions[d], kind=REMINDER, year=year, due_on=due_on, on=day)
        )
        for d, year, due_on in _groups(obligations)
    }
    if groups:
        _record(
            obligations,
            kind=REMINDER,
            groups=groups,
            target={"role": OFFICER},
            on=day,
            recorded=recorded,
        )


def record_escalations(*, day: dt.date, at: dt.datetime, recorded: dt.datetime) -> None:
    """Overdue duties not escalated in the current period: on the due day, then every
    `escalation_every_days` (plan rules) until submitted. A missed run catches up once."""
    obligation_type = ContentType.objects.get_for_model(Obligation)
    by_every: dict[int, list[ObligationDefinition]] = defaultdict(list)
    for definition in ObligationDefinition.objects.exclude(escalate_to=[]).select_related(
        "plan", "clause"
    ):
        by_every[definition.plan.rules.get("escalation_every_days") or 7].append(definition)
    for every, definitions in by_every.items():
        already = Notification.objects.filter(
            subject_type=obligation_type,
            subject_id=OuterRef("pk"),
            kind=OVERDUE,
            day__gt=day - dt.timedelta(days=every),
            created__lt=recorded,
        )
        obligations = (
            Obligation.objects.overdue(at=at)
            .filter(definition__in=definitions)
            .exclude(Exists(already))
        )
        by_pk = {d.pk: d for d in definitions}
        groups = {
            (d, year, due_on): Scheduled(
                due_on + dt.timedelta(days=every * ((day - due_on).days // every)),
                *_texts(by_pk[d], kind=OVERDUE, year=year, due_on=due_on, on=day),
            )
            for d, year, due_on in _groups(obligations)
        }
        if not groups:
            continue
        told: dict[tuple, list[int]] = defaultdict(list)
        for definition in definitions:
            for target in definition.escalate_to:
                told[target.get("unit"), target["role"]].append(definition.pk)
        for (unit, role), definition_ids in told.items():
            _record(
                obligations.filter(definition_id__in=definition_ids),
                kind=OVERDUE,
                groups=groups,
                target={"unit": unit, "role": role},
                on=day,
                recorded=recorded,
            )


def scan_obligations(*, at: dt.datetime | None = None) -> None:
    """Record the day's reminders and escalations in SQL, then send them once committed (V.2);
    a retry records nothing new and still sends what an interrupted run left unsent."""
    at = at or timezone.now()
    day = timezone.localtime(at, VIETNAM).date()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        recorded = timezone.now()
        record_reminders(day=day, recorded=recorded)
        record_escalations(day=day, at=at, recorded=recorded)
        queue_sending()


def remind_waiting_review(*, record: models.Model, task: Task) -> None:
    """A review timer fired (its task follows the timer, which follows the review task): tell
    the reviewing unit's supervisors that the review still waits (V.2)."""
    timer = task.previous.get()
    review = timer.previous.get()
    if review.status not in OPEN:
        return
    day = today()
    actor = review.data["actor"]
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(record)s has waited for %(unit)s since %(since)s") % {
            "record": record,
            "unit": actor["unit"],
            "since": _fmt(timezone.localtime(review.created, VIETNAM).date()),
        }
        notify(
            Notice(
                recipient_id=user_id,
                subject=record,
                kind=REVIEW_WAITING,
                day=day,
                title=title,
                url=record.get_absolute_url(),
            )
            for user_id in members_by_unit(
                unit_ids={actor["unit_id"]}, role=SUPERVISOR, on=day
            ).get(actor["unit_id"], ())
        )
