"""The views every process shares: the inbox and archive, the generic action page, and how the
door's refusals become pages (403 and 409 with the message, nothing saved)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from viewflow.workflow.models import Task

from . import once
from .bulk import run_each, selected_tasks
from .declaration import (
    Action,
    ProcessDeclaration,
    declaration_of,
    declaration_of_flow,
    declarations,
)
from .errors import Conflict, NoResponsibleUnit, PermissionDenied, RuleViolation
from .filters import (
    SavedFilterForm,
    TaskFilter,
    clean_query,
    forget_saved_filters,
    list_context,
    overdue_only,
)
from .forms import ReassignForm
from .inbox import return_reason, task_rows, with_outcomes
from .models import SavedFilter
from .permissions import require_actor
from .selectors import (
    actionable_tasks,
    archived_tasks,
    current_members,
    supervised_unit_ids,
    supervises,
    with_actors,
)
from .timeline import timeline_for
from .transitions import (
    OPEN,
    no_longer_open,
    open_tasks,
    reassign_task,
    record_of_process,
    take_task,
    users_task,
)

PAGE = 25
# Tasks read at once when the inbox keeps only the overdue ones (see _overdue_page).
SCAN = 500
# The bulk action that takes queue tasks, beside the declared actions ("namespace:action").
TAKE = "take"
# What an inbox row reads of a task; the rest (JSON data, token) is not loaded.
ROW_FIELDS = ("id", "process_id", "flow_task", "flow_task_type", "status", "owner_id", "created")


def door_errors(view):
    """Render PermissionDenied as 403 and conflicts or plan-rule refusals as 409."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            context = {"message": str(exc), "back": _back(request)}
            return render(request, "core/refused.html", context, status=403)
        except (Conflict, RuleViolation, NoResponsibleUnit) as exc:
            context = {"message": str(exc), "back": _back(request)}
            return render(request, "core/refused.html", context, status=409)

    return wrapped


def _back(request) -> str | None:
    """The record a refused action came from: what the view found (`request.record_url`), or
    an action URL's record URL (`<record>/act/<action>/`)."""
    return getattr(request, "record_url", None) or request.path.rpartition("act/")[0] or None


def errors_into(form, exc: ValidationError) -> None:
    """A service's field errors shown on the form that was posted."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def save_record_form(
    request,
    form: forms.Form,
    *,
    record: Any,
    create: Callable[[], Any],
    update: Callable[[Any], object],
    saved: str,
):
    """Save a record's form page: create it once (a double submit makes one record, see
    workflows.core.once) or update the draft. A refusal by field goes onto the form and None is
    returned (show the form again); else the redirect to the record, with `saved` % its code."""
    try:
        if record is None:
            record = once.create_once(request, create)
        else:
            update(record)
    except ValidationError as exc:
        errors_into(form, exc)
        return None
    except once.AlreadyCreated as done:
        return once.to_earlier(request, done)
    messages.success(request, saved % {"code": record})
    return redirect(record)


def render_record_form(request, template: str, context: dict[str, Any], *, record):
    """A record's form page: a create form (record None) carries its one-time token, an edit
    form the reason the record was returned; a refused POST is 400."""
    if record is None:
        context["once_token"] = once.form_token(request)
    else:
        context |= {"record": record, "return_reason": return_reason(record)}
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _form_class(action: Action) -> type[forms.Form]:
    """The action's form; a destructive action's also asks the person to confirm."""
    if not action.destructive:
        return action.form_class
    confirm = forms.BooleanField(label=gettext_lazy("I confirm this action."), required=True)
    return type(f"Confirm{action.form_class.__name__}", (action.form_class,), {"confirm": confirm})


def _form(action: Action, record, data=None, files=None) -> forms.Form:
    initial = action.initial(record) if action.initial and data is None else None
    return _form_class(action)(data, files, prefix=action.name, initial=initial)


def _available_outside(declaration: ProcessDeclaration, record, user) -> list[Action]:
    """Actions no task carries that apply to the record now and that the user may take."""
    found = []
    for action in declaration.outside:
        if action.when is None or not action.when(record):
            continue
        try:
            require_actor(
                user=user,
                process=declaration.matrix_process,
                step=action.matrix_step or "",
                subject_unit=declaration.subject_unit(record),
            )
        except PermissionDenied:
            continue
        found.append(action)
    return found


def record_context(request, declaration: ProcessDeclaration, record) -> dict[str, Any]:
    """What a record's page shows of its process: the user's actions now (forms posting to the
    generic action view, or links to an action's own page), where the work is, the timeline."""
    task = users_task(record=record, user=request.user) if record is not None else None
    step = task.flow_task.name if task else None
    actions = [*declaration.step_actions(step)]
    if record is not None:
        actions += _available_outside(declaration, record, request.user)
    process_id = getattr(record, "process_id", None)
    return {
        "declaration": declaration,
        "record": record,
        "task": task,
        "step": step,
        "act_url": f"{declaration.url_namespace}:act",
        "actions": [{"action": a, "form": None if a.page else _form(a, record)} for a in actions],
        "open_tasks": _with_reassign(request.user, with_actors(open_tasks(process_id)))
        if process_id
        else [],
        "step_labels": declaration.step_labels,
        "timeline": timeline_for(record) if record is not None else [],
        "action_labels": declaration.action_labels,
        "status_labels": declaration.status_labels,
    }


def _members(task: Task, unit):
    """Who the task may be handed to: the current members of its unit and role but its owner."""
    return current_members(unit=unit, role=task.data["actor"]["role"]).exclude(pk=task.owner_id)


def _reassign_form(task: Task, unit) -> ReassignForm:
    return ReassignForm(members=_members(task, unit), prefix=f"reassign-{task.pk}")


def _with_reassign(user, rows: list[dict]) -> list[dict]:
    """Each open task with the reassign form when the user supervises its unit, else None
    (one query for the units the user supervises; the door checks again)."""
    supervised = supervised_unit_ids(user) if rows else set()
    for row in rows:
        unit = row["unit"]
        mine = unit is not None and unit.pk in supervised
        row["reassign"] = _reassign_form(row["task"], unit) if mine else None
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@door_errors
def reassign(request, task_id: int):
    """A supervisor of the task's unit gives the open task to a current member of its unit and
    role (the door: transitions.reassign_task), then back to the record. GET shows the form on
    its own page; an invalid form comes back with its errors (400)."""
    task = get_object_or_404(Task.objects.filter(flow_task_type="HUMAN"), pk=task_id)
    record = record_of_process(task.process)
    setattr(request, "record_url", record.get_absolute_url())  # noqa: B010 (door_errors' way back)
    unit = with_actors([task])[0]["unit"]
    if unit is None or not supervises(request.user, unit):
        raise PermissionDenied(_("Only a supervisor of the task's unit may reassign it."))
    if task.status not in OPEN:
        raise no_longer_open()
    status = 200
    form = _reassign_form(task, unit)
    if request.method == "POST":
        # Anyone active may be named: the door refuses who lacks the unit and role, with why.
        everyone = get_user_model()._default_manager.filter(is_active=True)
        form = ReassignForm(request.POST, members=everyone, prefix=form.prefix)
        if form.is_valid():
            try:
                reassign_task(
                    user=request.user,
                    task_id=task.pk,
                    to_user=form.cleaned_data["to_user"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                errors_into(form, exc)
            else:
                messages.success(request, _("The task has been reassigned."))
                return redirect(record)
        form.members = _members(task, unit)  # the choices shown again
        status = 400
    declaration = declaration_of(type(record))
    context = {
        "record": record,
        "task": task,
        "unit": unit,
        "form": form,
        "declaration": declaration,
        "step_label": declaration.step_label(task.flow_task.name),
    }
    return render(request, "core/reassign.html", context, status=status)


def may_take(declaration: ProcessDeclaration, action: Action | str, record, user) -> None:
    """The page of an action opens for who may take it now, else 403 (the door checks again
    under the lock)."""
    if isinstance(action, str):
        found = declaration.action(action)
        if found is None:
            raise Http404
        action = found
    if action in declaration.outside:
        if action not in _available_outside(declaration, record, user):
            raise PermissionDenied(
                _("You do not hold the unit and role that the plan assigns to this step.")
            )
        return
    task = users_task(record=record, user=user)
    if task is not None and action in declaration.step_actions(task.flow_task.name):
        return
    open_steps = open_tasks(getattr(record, "process_id", None)).filter(
        flow_task__in=declaration.nodes_for(action.name)
    )
    if not open_steps.exists():
        raise no_longer_open()
    raise PermissionDenied(_("This action is not yours to take on this record now."))


@login_required
@door_errors
def action_page(request, pk: int, action: str, declaration: ProcessDeclaration):
    """GET: the action's form on its own page. POST: parse it and call the action's service,
    then back to the record, or the form again with the errors (400)."""
    declared = declaration.action(action)
    if declared is None or declared.page:
        raise Http404

    def readable():
        """The record, or a 404 for one the user may not read."""
        return get_object_or_404(declaration.visible(request.user), pk=pk)

    if request.method == "POST":
        form = _form(declared, None, request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
            try:
                declared.service(user=request.user, **{declaration.record_arg: pk}, **data)
            except ValidationError as exc:
                errors_into(form, exc)
            except (
                ObjectDoesNotExist,
                PermissionDenied,
                Conflict,
                RuleViolation,
                NoResponsibleUnit,
            ):
                readable()  # refused on a record the user may not read: not found
                raise
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": declared.label})
                # Whoever the door lets act reads the record (selectors.worked_on): no
                # visibility query before the step.
                return redirect(declaration.model.detail_url, pk)
        record = readable()
        status = 400
    else:
        record = readable()
        may_take(declaration, declared, record, request.user)
        form = _form(declared, record)
        status = 200
    context = {"record": record, "action": declared, "form": form, "declaration": declaration}
    return render(request, "core/action.html", context, status=status)


@login_required
def record_page(request, pk: int, declaration: ProcessDeclaration):
    """A record's page for a process that needs no page of its own: what it is, where its
    work is, the user's actions and the timeline."""
    record = get_object_or_404(declaration.visible(request.user), pk=pk)
    return render(request, "core/record.html", record_context(request, declaration, record))


def process_urls(declaration: ProcessDeclaration, *, page: bool = False) -> list[URLPattern]:
    """The generic action page of every inline action of the process (`<pk>/act/<action>/`,
    named "act"), and with `page` the generic record page (`<pk>/`, named "detail")."""
    kwargs = {"declaration": declaration}
    urls = [path("<int:pk>/act/<slug:action>/", action_page, kwargs, name="act")]
    if page:
        urls.append(path("<int:pk>/", record_page, kwargs, name="detail"))
    return urls


def _page(request, tasks, *, counted: bool = False) -> dict[str, Any]:
    """One page of task rows; the next page exists if one more row does (no COUNT over the
    queue, which grows with the whole province's work: hand-written for the benchmark's P2).
    `counted`: the page's own statement also counts every row (a window over the user's tasks),
    so the count costs a query only on a page past the end."""
    number = _page_number(request)
    start = (number - 1) * PAGE
    page_tasks = tasks.only(*ROW_FIELDS)
    if counted:
        page_tasks = page_tasks.annotate(open_count=Window(Count("id")))
    rows = task_rows(page_tasks[start : start + PAGE + 1])
    context: dict[str, Any] = {
        "rows": rows[:PAGE],
        "page": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(rows) > PAGE else None,
    }
    if counted:
        context["open_count"] = (
            rows[0]["task"].open_count if rows else (tasks.count() if number > 1 else 0)
        )
    return context


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), 10**6)
    except ValueError:
        return 1


def _overdue_page(request, tasks) -> dict[str, Any]:
    """One page of the tasks past their due moment, and how many there are. That moment is
    known once a task's record is read (workflows.core.inbox.task_rows, the rows' own marker),
    so every task the other filters keep is read, SCAN at a time in the inbox's order (a few
    statements each: the tasks, their records by process kind), keeping the overdue rows."""
    tasks = tasks.only(*ROW_FIELDS).order_by("created", "id")
    overdue: list[dict] = []
    offset = 0
    while True:
        chunk = task_rows(tasks[offset : offset + SCAN])
        overdue += [row for row in chunk if row["overdue"]]
        if len(chunk) < SCAN:
            break
        offset += SCAN
    number = _page_number(request)
    start = (number - 1) * PAGE
    return {
        "rows": overdue[start : start + PAGE],
        "page": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(overdue) > start + PAGE else None,
        "open_count": len(overdue),
    }


def _bulk_key(declaration: ProcessDeclaration, action: Action) -> str:
    return f"{declaration.url_namespace}:{action.name}"


def _bulk_choices(rows: list[dict]) -> list[tuple[str, str]]:
    """The actions the page's tasks declare at their steps that take no page of their own
    (what may be taken over several tasks at once), once each; and taking them when any waits
    in a queue."""
    found: dict[str, str] = {}
    for row in rows:
        task = row["task"]
        if task.owner_id is None:
            found[TAKE] = _("Take from the queue")
        found.update(
            _step_bulk_choices(task.flow_task.flow_class, task.flow_task.name, get_language())
        )
    return list(found.items())


@functools.cache
def _step_bulk_choices(flow_class, step: str, language: str) -> tuple[tuple[str, str], ...]:
    """A step's bulk actions labelled in the language: alike for every task at the step, so
    asked once however many rows a page has (bench P2)."""
    declaration = declaration_of_flow(flow_class)
    if declaration is None:
        return ()
    return tuple(
        (_bulk_key(declaration, action), f"{declaration.title}: {action.label}")
        for action in declaration.step_actions(step)
        if action.page is None
    )


@login_required
def inbox(request):
    """Tasks waiting for the user: assigned to them or in their units' queues, and how many;
    filtered by the query string, with the user's saved filters and the bulk actions."""
    tasks = actionable_tasks(request.user)
    found = TaskFilter(request.GET, queryset=tasks, user=request.user)
    context = list_context(request, found, "inbox")
    if context["filters_active"]:
        if overdue_only(found):
            context |= _overdue_page(request, found.qs)
        else:
            context |= _page(request, found.qs, counted=True)
        context["matching_count"] = context.pop("open_count")
        context["open_count"] = tasks.count()
    else:
        context |= _page(request, tasks, counted=True)
    context["bulk_actions"] = _bulk_choices(context["rows"])
    return render(request, "core/inbox.html", context)


@login_required
def archive(request):
    """Tasks the user completed, with what was done at each."""
    context = _page(request, archived_tasks(request.user))
    context["rows"] = with_outcomes(context["rows"])
    return render(request, "core/archive.html", context)


def _declared_bulk(key: str) -> tuple[ProcessDeclaration, Action]:
    namespace, _colon, name = key.partition(":")
    declaration = next((d for d in declarations() if d.url_namespace == namespace), None)
    action = declaration.action(name) if declaration is not None else None
    if declaration is None or action is None or action.page is not None:
        raise Http404
    return declaration, action


def _at_step(row: dict, declaration: ProcessDeclaration, action: Action) -> bool:
    task = row["task"]
    return declaration_of_flow(task.flow_task.flow_class) is declaration and action in (
        declaration.step_actions(task.flow_task.name)
    )


@login_required
@require_POST
def bulk(request):
    """One declared action over several of the user's tasks: first its form for them all
    (a decision's number, a comment, a reason, the confirmation of a destructive action), then
    each task's record through the door in its own transaction, and what became of each. Taking
    queue tasks needs no form: each is taken at once. A task gone since the inbox was read is
    listed, refused with why."""
    key = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("tasks") if v.isdigit()][: PAGE * 4]
    rows = task_rows(selected_tasks(request.user, ids).only(*ROW_FIELDS))
    back = f"{reverse('tasks:inbox')}?{clean_query(request.POST.get('query', ''))}"
    if key == TAKE:
        return _bulk_take(request, rows, back)
    declaration, action = _declared_bulk(key)
    if not rows:
        messages.error(request, _("Choose at least one of your tasks."))
        return redirect(back)
    form_class = _form_class(action)
    data = request.POST if "run" in request.POST else None
    form = form_class(data, request.FILES or None, prefix=action.name)
    context = {
        "title": f"{declaration.title}: {action.label}",
        "declaration": declaration,
        "action": action,
        "form": form,
        "rows": rows,
        "back": back,
        "query": clean_query(request.POST.get("query", "")),
        "elsewhere": [r for r in rows if not _at_step(r, declaration, action)],
    }
    if "run" not in request.POST or not form.is_valid():
        status = 400 if "run" in request.POST else 200
        return render(request, "core/bulk_action.html", context, status=status)
    data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}

    def act(row: dict) -> object:
        if row["task"].status not in OPEN:
            raise no_longer_open()
        if not _at_step(row, declaration, action) or row["subject"] is None:
            raise Conflict(_("This task is not at a step where this action is taken."))
        arguments = {declaration.record_arg: row["subject"].pk}
        return action.service(user=request.user, **arguments, **data)

    context["results"] = run_each(rows, act)
    return render(request, "core/bulk_result.html", context)


def _bulk_take(request, rows: list[dict], back: str):
    """Each selected task taken from its queue by the user, through the door one at a time."""
    if not rows:
        messages.error(request, _("Choose at least one of your tasks."))
        return redirect(back)
    results = run_each(rows, lambda row: take_task(user=request.user, task_id=row["task"].pk))
    context = {"title": _("Take from the queue"), "results": results, "back": back}
    return render(request, "core/bulk_result.html", context)


@login_required
@require_POST
def save_filter(request):
    """The page's current filters kept under a name (the same name is overwritten)."""
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        page = request.POST.get("page")
        target = SavedFilter.PAGES.get(str(page), "tasks:inbox")
        return redirect(f"{reverse(target)}?{clean_query(request.POST.get('query', ''))}")
    saved, _created = SavedFilter.objects.update_or_create(
        user=request.user,
        page=form.cleaned_data["page"],
        label=form.cleaned_data["label"],
        defaults={"query": clean_query(form.cleaned_data["query"])},
    )
    forget_saved_filters(request)
    messages.success(request, _("Filter “%(label)s” saved.") % {"label": saved.label})
    return redirect(saved.get_absolute_url())


@login_required
@require_POST
def delete_filter(request, pk: int):
    """One of the user's saved filters removed; back to its page."""
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    target = reverse(SavedFilter.PAGES[saved.page])
    saved.delete()
    forget_saved_filters(request)
    messages.success(request, _("Filter “%(label)s” deleted.") % {"label": saved.label})
    return redirect(target)


def record_urls(
    declaration: ProcessDeclaration,
    *,
    listing: Callable,
    create: Callable,
    detail: Callable,
    edit: Callable,
) -> list[URLPattern]:
    """List, new, record and edit pages (named so), then the record's generic action pages."""
    return [
        path("", listing, name="list"),
        path("new/", create, name="create"),
        path("<int:pk>/", detail, name="detail"),
        path("<int:pk>/edit/", edit, name="edit"),
        *process_urls(declaration),
    ]
