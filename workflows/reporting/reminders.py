"""Time-driven notices of the reporting regime (V.2: DOLISA follows up and urges every unit):
reminders before a due day, escalation of overdue duties, review steps waiting too long. Each
is recorded under its key before it is sent (workflows.core.notifications)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow.models import Task

from agencies.models import Membership, ObligationDefinition, Unit, name_in_sql
from agencies.selectors import successors_of, today
from workflows.core.models import Notification
from workflows.core.notifications import (
    FILL,
    Notice,
    NoticeText,
    notify,
    queue_sending,
    record_selected,
)
from workflows.core.transitions import OPEN

from .models import VIETNAM, Obligation, ProvincialReport, Report
from .selectors import (
    REMINDER_ROLE_RULE,
    SUPERVISOR_ROLE_RULE,
    active_members,
    members_by_unit,
    role_of,
)

REMINDER = "reminder"
OVERDUE = "overdue"
REVIEW_WAITING = "review_waiting"
# Reminders go to the obliged unit's members in the role the plan's rules name (reminder_role);
# who else is told of an overdue duty is plan data too (obligations[].escalate_to).


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# The duties one notice text fits: definition, period and due day. Every duty of a group has
# the same text but for the unit's name, so the text is rendered once per group, not per row.
GROUP = ("definition_id", "year", "due_on")


def _texts(
    definition: ObligationDefinition, *, kind: str, year: int, due_on: dt.date, on: dt.date
) -> tuple[str, str]:
    """A reminder before the due day, or an escalation after it, sent `on` a day (later when a
    run was missed), in the plan's language."""
    days = abs((due_on - on).days)
    values = {
        "what": definition.name,
        "year": year,
        "unit": FILL,
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


def _record(
    obligations: QuerySet[Obligation],
    *,
    kind: str,
    texts: list[NoticeText],
    target: dict,
    on: dt.date,
) -> None:
    """Record the group's notice for every duty and every member of the target, in one
    statement: a role in the obliged unit itself, or in a unit the plan names
    (obligations[].escalate_to)."""
    if target.get("unit"):
        # The named unit's few members, each told of every duty.
        recipient: Combinable | list[int] = list(
            Membership.objects.filter(
                active_members(role=target["role"], on=on), unit__code=target["unit"]
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
    else:
        # One filter() call: every condition holds on the same joined membership row.
        obligations = obligations.filter(
            active_members(role=target["role"], on=on, path="unit__memberships")
        )
        recipient = F("unit__memberships__user_id")
    _insert(obligations, kind=kind, recipient=recipient, texts=texts)


def _insert(
    obligations: QuerySet[Obligation],
    *,
    kind: str,
    recipient: Combinable | list[int],
    texts: list[NoticeText],
) -> None:
    record_selected(
        obligations,
        kind=kind,
        recipient=recipient,
        fill=name_in_sql("unit"),
        group=GROUP,
        texts=texts,
        url_name="reporting:obligation",
    )


# From a duty to the members of the units of its definition's plan: the path through which one
# statement reaches every unit the plan names to be told (escalate_to), whatever their number.
PLAN_MEMBERS = "definition__plan__units__memberships"


def _record_targets(
    obligations: QuerySet[Obligation],
    *,
    kind: str,
    texts: list[NoticeText],
    targets: dict[tuple[Unit | None, str], list[int]],
    plans: dict[int, int],
    on: dt.date,
) -> None:
    """Record the notices of many targets, each (a unit or None for the obliged unit itself, a
    role) with the definitions it is told of, in two statements whatever their number (bench
    P3: one per target grew with every plan loaded): one joining each duty to its own unit's
    members, one to the members of the named units of its plan. A named unit outside the
    duty's plan (a successor loaded with another plan) keeps a statement of its own. `plans`
    gives each definition's plan."""
    own, named, apart = Q(pk__in=[]), Q(pk__in=[]), []
    own_ids: set[int] = set()
    named_ids: set[int] = set()
    for (unit, role), ids in targets.items():
        if unit is None:
            own |= Q(
                active_members(role=role, on=on, path="unit__memberships"), definition_id__in=ids
            )
            own_ids.update(ids)
            continue
        inside = [pk for pk in ids if plans.get(pk) == unit.plan_id]
        if inside:
            named |= Q(
                active_members(role=role, on=on, path=PLAN_MEMBERS),
                definition_id__in=inside,
                **{f"{PLAN_MEMBERS}__unit_id": unit.pk},
            )
            named_ids.update(inside)
        if outside := [pk for pk in ids if pk not in inside]:
            apart.append((unit, role, outside))
    if own_ids:
        _insert(
            obligations.filter(own),  # one filter() call: the conditions share one join
            kind=kind,
            recipient=F("unit__memberships__user_id"),
            texts=_of(texts, list(own_ids)),
        )
    if named_ids:
        _insert(
            obligations.filter(named),
            kind=kind,
            recipient=F(f"{PLAN_MEMBERS}__user_id"),
            texts=_of(texts, list(named_ids)),
        )
    for unit, role, ids in apart:
        _record(
            obligations.filter(definition_id__in=ids),
            kind=kind,
            texts=_of(texts, ids),
            target={"unit": unit.code, "role": role},
            on=on,
        )


def _not_yet_told(
    obligations: QuerySet[Obligation], *, kind: str, period: Q, recorded: dt.datetime
) -> QuerySet[Obligation]:
    """Duties with no notice of the kind in the period from an earlier scan (this scan's own
    are told apart by their keys). One set of the period's notices, not a lookup per duty and
    recipient: the plan stays cheap however stale the table's statistics are."""
    told = Notification.objects.filter(
        period,
        subject_type=ContentType.objects.get_for_model(Obligation),
        kind=kind,
        created__lt=recorded,
    )
    return obligations.exclude(pk__in=told.values("subject_id"))


def _groups(obligations: QuerySet[Obligation]) -> list[tuple[int, int, dt.date]]:
    return list(obligations.order_by().values_list(*GROUP).distinct())


def record_reminders(*, day: dt.date, recorded: dt.datetime) -> None:
    """Duties due soon are reminded to the unit's members in the plan's reminder role (V.2)."""
    definitions = {
        d.pk: d
        for d in ObligationDefinition.objects.exclude(reminder_days=[]).select_related(
            "clause", "plan"
        )
    }
    due_days = Q(pk__in=[])
    for definition in definitions.values():
        offsets = [day + dt.timedelta(days=n) for n in definition.reminder_days]
        due_days |= Q(definition=definition, due_on__in=offsets)
    obligations = _not_yet_told(
        Obligation.objects.outstanding().filter(due_days),
        kind=REMINDER,
        period=Q(day=day),
        recorded=recorded,
    )
    texts = [
        NoticeText(
            (d, year, due_on),
            day,
            *_texts(definitions[d], kind=REMINDER, year=year, due_on=due_on, on=day),
        )
        for d, year, due_on in _groups(obligations)
    ]
    by_role: dict[str, list[int]] = defaultdict(list)
    for definition in definitions.values():
        by_role[role_of(definition.plan, REMINDER_ROLE_RULE)].append(definition.pk)
    for role, definition_ids in by_role.items():
        _record(
            obligations.filter(definition_id__in=definition_ids),
            kind=REMINDER,
            texts=_of(texts, definition_ids),
            target={"role": role},
            on=day,
        )


def record_escalations(*, day: dt.date, at: dt.datetime, recorded: dt.datetime) -> None:
    """Overdue duties not escalated in the current period: on the due day, then every
    `escalation_every_days` (plan rules) until submitted. A missed run catches up once."""
    by_every: dict[int, list[ObligationDefinition]] = defaultdict(list)
    for definition in ObligationDefinition.objects.exclude(escalate_to=[]).select_related(
        "plan", "clause"
    ):
        by_every[definition.plan.rules.get("escalation_every_days") or 7].append(definition)
    for every, definitions in by_every.items():
        obligations = _not_yet_told(
            Obligation.objects.overdue(at=at).filter(definition__in=definitions),
            kind=OVERDUE,
            period=Q(day__gt=day - dt.timedelta(days=every)),
            recorded=recorded,
        )
        by_pk = {d.pk: d for d in definitions}
        texts = [
            NoticeText(
                (d, year, due_on),
                due_on + dt.timedelta(days=every * ((day - due_on).days // every)),
                *_texts(by_pk[d], kind=OVERDUE, year=year, due_on=due_on, on=day),
            )
            for d, year, due_on in _groups(obligations)
        ]
        told: dict[tuple[Unit | None, str], list[int]] = defaultdict(list)
        named = Unit.objects.in_bulk(
            [t["unit"] for d in definitions for t in d.escalate_to if t.get("unit")],
            field_name="code",
        )
        for definition in definitions:
            for target in definition.escalate_to:
                if not target.get("unit"):
                    told[None, target["role"]].append(definition.pk)
                    continue
                # A named unit that has ended is told through its successor for the duty.
                for holder in successors_of(named[target["unit"]], on=day, duty=definition.code):
                    told[holder, target["role"]].append(definition.pk)
        _record_targets(
            obligations,
            kind=OVERDUE,
            texts=texts,
            targets=told,
            plans={d.pk: d.plan_id for d in definitions},
            on=day,
        )


def _of(texts: list[NoticeText], definition_ids: list[int]) -> list[NoticeText]:
    """The texts of these definitions' groups only: a statement carries the texts it may use
    (with one plan per province, a province's escalation needs its own duties' texts alone)."""
    wanted = set(definition_ids)
    return [text for text in texts if text.group[0] in wanted]


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


def remind_waiting_review(*, record: Report | ProvincialReport, task: Task) -> None:
    """A review waiting too long is told to its unit's supervisors, as the rules name them (V.2)."""
    timer = task.previous.get()
    review = timer.previous.get()
    if review.status not in OPEN:
        return
    day = today()
    actor = review.data["actor"]
    supervisor = role_of(record.obligation.definition.plan, SUPERVISOR_ROLE_RULE)
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
                unit_ids={actor["unit_id"]}, role=supervisor, on=day
            ).get(actor["unit_id"], ())
        )
