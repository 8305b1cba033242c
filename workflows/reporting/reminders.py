"""Time-driven notices of the reporting regime (V.2: DOLISA follows up and urges every unit):
reminders before a due day, escalation of overdue duties, review steps waiting too long. Each
is recorded under its key before it is sent (workflows.core.notifications)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from itertools import chain

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow.models import Task

from agencies.models import ObligationDefinition, Unit
from agencies.selectors import today
from workflows.core.models import Notification
from workflows.core.notifications import Notice, notify
from workflows.core.transitions import OPEN

from .models import VIETNAM, Obligation
from .selectors import SUPERVISOR, members_by_unit

REMINDER = "reminder"
OVERDUE = "overdue"
REVIEW_WAITING = "review_waiting"
# Reminders go to the officers of the obliged unit; who else is told of an overdue duty is
# plan data (obligations[].escalate_to).
OFFICER = "officer"


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _obligation_notice(
    obligation: Obligation, *, kind: str, day: dt.date, on: dt.date, recipient_id: int, url: str
) -> Notice:
    """A reminder before the due day, or an escalation after it, for the schedule's `day`,
    sent `on` a day (later when a run was missed), in the plan's language."""
    days = abs((obligation.due_on - on).days)
    values = {
        "what": obligation.definition.name,
        "year": obligation.year,
        "unit": obligation.unit.name,
        "due": _fmt(obligation.due_on),
        "days": days,
        "clause": obligation.definition.clause.code,
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
    return Notice(
        recipient_id=recipient_id,
        subject=obligation,
        kind=kind,
        day=day,
        title=title % values,
        body=body % values,
        url=url,
    )


def reminders_due(*, day: dt.date) -> Iterator[Notice]:
    """Outstanding duties due a reminder-offset of days after `day`, to the unit's officers."""
    due_days = Q(pk__in=[])
    for definition in ObligationDefinition.objects.exclude(reminder_days=[]):
        offsets = [day + dt.timedelta(days=n) for n in definition.reminder_days]
        due_days |= Q(definition=definition, due_on__in=offsets)
    already = Notification.objects.filter(
        subject_type=ContentType.objects.get_for_model(Obligation),
        subject_id=OuterRef("pk"),
        kind=REMINDER,
        day=day,
    )
    obligations = list(
        Obligation.objects.outstanding()
        .filter(due_days)
        .exclude(Exists(already))
        .select_related("definition__clause", "unit")
    )
    officers = members_by_unit(unit_ids={o.unit_id for o in obligations}, role=OFFICER, on=day)
    for obligation in obligations:
        url = obligation.get_absolute_url()
        for user_id in sorted(officers.get(obligation.unit_id, ())):
            yield _obligation_notice(
                obligation, kind=REMINDER, day=day, on=day, recipient_id=user_id, url=url
            )


def _escalation_recipients(
    definition: ObligationDefinition, obligations: list[Obligation], *, day: dt.date
) -> dict[int, set[int]]:
    """Recipients per obligation from the definition's escalate_to: a role in the obliged unit
    itself, or a role in a named unit."""
    recipients: dict[int, set[int]] = defaultdict(set)
    for target in definition.escalate_to:
        if target.get("unit"):
            named = Unit.objects.filter(code=target["unit"]).values_list("pk", flat=True)
            users = set().union(
                *members_by_unit(unit_ids=named, role=target["role"], on=day).values()
            )
            for obligation in obligations:
                recipients[obligation.pk] |= users
        else:
            own = members_by_unit(
                unit_ids={o.unit_id for o in obligations}, role=target["role"], on=day
            )
            for obligation in obligations:
                recipients[obligation.pk] |= own.get(obligation.unit_id, set())
    return recipients


def escalations_due(*, day: dt.date, at: dt.datetime) -> Iterator[Notice]:
    """Overdue duties not escalated in the current period: on the due day, then every
    `escalation_every_days` (plan rules) until submitted. A missed run catches up once."""
    obligation_type = ContentType.objects.get_for_model(Obligation)
    for definition in ObligationDefinition.objects.exclude(escalate_to=[]).select_related("plan"):
        every = definition.plan.rules.get("escalation_every_days") or 7
        already = Notification.objects.filter(
            subject_type=obligation_type,
            subject_id=OuterRef("pk"),
            kind=OVERDUE,
            day__gt=day - dt.timedelta(days=every),
        )
        obligations = list(
            Obligation.objects.overdue(at=at)
            .filter(definition=definition)
            .exclude(Exists(already))
            .select_related("definition__clause", "unit")
        )
        recipients = _escalation_recipients(definition, obligations, day=day)
        for obligation in obligations:
            scheduled = obligation.due_on + dt.timedelta(
                days=every * (obligation.days_overdue(on=day) // every)
            )
            url = obligation.get_absolute_url()
            for user_id in sorted(recipients[obligation.pk]):
                yield _obligation_notice(
                    obligation, kind=OVERDUE, day=scheduled, on=day, recipient_id=user_id, url=url
                )


def scan_obligations(*, at: dt.datetime | None = None) -> None:
    """Record the day's reminders and escalations, then send them once committed (V.2)."""
    at = at or timezone.now()
    day = timezone.localtime(at, VIETNAM).date()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        # Generators, recorded in batches: the scan never holds every notice in memory.
        notify(chain(reminders_due(day=day), escalations_due(day=day, at=at)))


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
