"""The filters of the lists (inbox and each process's records): they live in the URL, so a
page link, a bookmark and a saved filter keep them; each filter is a clause of the list's own
statement (no query per row). A person's saved filters are listed on the page they belong to."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Model, Q, QuerySet, TextField
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from agencies.selectors import PERMISSION_PREFIX, current_memberships

from .bounds import FIRST_YEAR, LAST_YEAR
from .declaration import ProcessDeclaration, declarations
from .models import SavedFilter

# A record's code: its prefix, year and number (YC-2024-000012, KT-2024-0003, BC-TINH-2023);
# a bare number is the record's number.
CODE = re.compile(r"^(?:[A-Za-z]+-)*(?:(?P<year>\d{4})-)?(?P<pk>\d{1,12})$")
# Parameters a list reads that are not filters.
NOT_FILTERS = ("page",)


def code_lookup(text: str, *, year: str | None = "year") -> Q | None:
    """The record a code names (`pk`, and its year when the code has one), or None when the
    text is not a code. `year`: the record's year field path, None when it has none."""
    found = CODE.match(text.strip())
    if found is None:
        return None
    q = Q(pk=int(found["pk"]))
    if found["year"] and year:
        q &= Q(**{year: int(found["year"])})
    return q


def name_lookup(path: str, text: str) -> Q:
    """A unit's or category's name (either language) containing the text."""
    return Q(**{f"{path}__name_vi__icontains": text}) | Q(**{f"{path}__name_en__icontains": text})


class YearFilter(django_filters.NumberFilter):
    """A year within the plan's bounds; anything else is ignored (an invalid field is not
    applied)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Year"))
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)


# --- the inbox ---------------------------------------------------------------------------


def _field(model: Any, path: str):
    """The model field a lookup path ends at, or None."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model = field.related_model
    return field


def _year_path(model: type[Model]) -> str | None:
    """The record's year: its own field, or the year of what it is about (a report's duty)."""
    if _field(model, "year") is not None:
        return "year"
    for field in model._meta.fields:
        if field.is_relation and _field(field.related_model, "year") is not None:
            return f"{field.name}__year"
    return None


def _text_paths(declaration: ProcessDeclaration) -> list[str]:
    """What a search reads of a record: the text columns its inbox line shows (a commune, a
    nominee) and the names of the records its line loads (a duty's unit)."""
    model = declaration.model
    paths = [
        path
        for path in declaration.inbox_fields
        if isinstance(_field(model, path), CharField | TextField) and path != "status"
    ]
    for related in declaration.inbox_related:
        if _field(model, f"{related}__name_vi") is not None:
            paths += [f"{related}__name_vi", f"{related}__name_en"]
    return list(dict.fromkeys(paths))


def _records(declaration: ProcessDeclaration, q: Q) -> QuerySet:
    return declaration.model._default_manager.filter(q).values("process_id")


def _by_namespace() -> dict[str, ProcessDeclaration]:
    return {d.url_namespace: d for d in declarations()}


@functools.cache
def _process_choices(language: str) -> tuple[tuple, tuple]:
    """The processes and their steps to filter by, named in the language: the declarations'
    own, alike on every page, so named once (bench P2: the inbox built and translated them
    twice a page, for its form and for its form's cache key)."""
    found = _by_namespace()
    processes = tuple((ns, str(d.title)) for ns, d in found.items())
    steps = tuple(
        (f"{ns}.{name}", f"{d.title} · {step.label}")
        for ns, d in found.items()
        for name, step in d.steps.items()
    )
    return processes, steps


class TaskFilter(django_filters.FilterSet):
    """The inbox's filters: the process, its step, the unit whose queue the task waits in,
    the record's year, and a search by the record's code or its names."""

    process = django_filters.ChoiceFilter(
        label=_("Process"), method="by_process", empty_label=_("All processes")
    )
    step = django_filters.ChoiceFilter(
        label=_("Step"), method="by_step", empty_label=_("All steps")
    )
    unit = django_filters.ChoiceFilter(
        label=_("Unit"), method="by_unit", empty_label=_("All units")
    )
    year = YearFilter(method="by_year")
    q = SearchFilter(method="by_search", help_text=_("Record code, commune or nominee"))
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="by_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        processes, steps = _process_choices(get_language())
        self.filters["process"].extra["choices"] = list(processes)
        self.filters["step"].extra["choices"] = list(steps)
        units = {m.unit.code: m.unit.name for m in current_memberships(user)}
        self.filters["unit"].extra["choices"] = list(units.items())

    def by_process(self, queryset, name, value):
        declaration = _by_namespace().get(value)
        if declaration is None:
            return queryset
        return queryset.filter(
            flow_task__in=[getattr(declaration.flow, s) for s in declaration.steps]
        )

    def by_step(self, queryset, name, value):
        namespace, _dot, step = value.partition(".")
        declaration = _by_namespace().get(namespace)
        if declaration is None or step not in declaration.steps:
            return queryset
        return queryset.filter(flow_task=getattr(declaration.flow, step))

    def by_overdue(self, queryset, name, value):
        """Kept by the inbox view, which reads each task's due moment with its record
        (views._overdue_page): no clause of the statement."""
        return queryset

    def by_unit(self, queryset, name, value):
        return queryset.filter(owner_permission__startswith=f"{PERMISSION_PREFIX}.{value}.")

    def _subjects(self, queryset, lookup) -> QuerySet:
        """Tasks whose record matches, over every process (a subquery each, one statement)."""
        q = Q()
        for declaration in declarations():
            found = lookup(declaration)
            if found is not None:
                q |= Q(process_id__in=_records(declaration, found))
        return queryset.filter(q) if q else queryset.none()

    def by_year(self, queryset, name, value):
        def lookup(declaration):
            path = _year_path(declaration.model)
            return Q(**{path: int(value)}) if path else None

        return self._subjects(queryset, lookup)

    def by_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset

        def lookup(declaration):
            q = code_lookup(text, year=_year_path(declaration.model)) or Q(pk__in=[])
            for path in _text_paths(declaration):
                q |= Q(**{f"{path}__icontains": text})
            return q

        return self._subjects(queryset, lookup)


def overdue_only(filterset: TaskFilter) -> bool:
    """Whether the inbox keeps only the tasks past their due moment."""
    return filterset.form.is_valid() and filterset.form.cleaned_data.get("overdue") is True


class SavedFilterForm(forms.Form):
    """A name for the page's current filters."""

    page = forms.ChoiceField(choices=[(p, p) for p in SavedFilter.PAGES], widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Name"), max_length=80)


# --- what every filtered list shows ------------------------------------------------------


def filter_query(request) -> str:
    """The request's query string without the page: what a saved filter keeps."""
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    return query.urlencode()


def clean_query(text: str) -> str:
    """A posted query string parsed and written again, without the page."""
    query = QueryDict(text[:1000], mutable=True)
    for name in NOT_FILTERS:
        query.pop(name, None)
    return query.urlencode()[:1000]


def is_active(filterset: django_filters.FilterSet) -> bool:
    """Whether any of the filters has a value in the request."""
    data = filterset.data or {}
    return any(str(data.get(name, "")).strip() for name in filterset.filters)


def _plain(value: Any) -> Any:
    """A filter's settings as plain text (lazy labels translated), to digest."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def _settled(found: django_filters.Filter) -> bool:
    """Whether the filter's settings are values, not choices read later (a queryset, a
    function): only then do they say what its field will show."""
    return "queryset" not in found.extra and not any(
        callable(value) and not isinstance(value, type) for value in found.extra.values()
    )


def form_key(filterset: django_filters.FilterSet) -> str:
    """A digest of everything the filter form's HTML is made of (the filters, the language,
    each field's label, help, value and choices, the errors), under which the page caches
    that HTML: its widgets took a third of the inbox page's time (bench P2), and the same key
    can never serve another form. With no filter set and no choices read from the database,
    the filters' own settings and the request's raw values say it all, and the form is not
    built (what most inbox pages are: bench P2 again)."""
    filters = filterset.filters
    if not is_active(filterset) and all(_settled(f) for f in filters.values()):
        data = filterset.data or {}
        declared = [
            (name, type(f).__qualname__, str(f.label), sorted(_plain(list(f.extra.items()))))
            for name, f in filters.items()
        ]
        values = [
            data.getlist(name) if hasattr(data, "getlist") else data.get(name) for name in filters
        ]
        made_of: tuple = ("unset", type(filterset).__qualname__, get_language(), declared, values)
        return hashlib.sha256(repr(made_of).encode()).hexdigest()
    form = filterset.form
    fields = [
        (
            name,
            str(field.label),
            str(field.help_text),
            str(form[name].value()),
            [(str(k), str(v)) for k, v in getattr(field, "choices", ())],
        )
        for name, field in form.fields.items()
    ]
    errors = sorted((name, str(e)) for name, e in form.errors.items()) if form.is_bound else []
    made_of = (type(filterset).__qualname__, get_language(), fields, errors)
    return hashlib.sha256(repr(made_of).encode()).hexdigest()


def list_context(request, filterset: django_filters.FilterSet, page: str) -> dict[str, Any]:
    """The filter form (with its cache key) and the user's saved filters of the page."""
    return {
        "filter": filterset,
        "filter_key": form_key(filterset),
        "filters_active": is_active(filterset),
        "filter_query": filter_query(request),
        "saved_page": page,
        "saved_filters": saved_filters(request, page),
    }


SESSION_KEY = "saved_filters"


def _read_saved(request) -> dict[str, list[tuple[int, str, str]]]:
    """Every saved filter of the user by page, in one query, kept in the session."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for saved in SavedFilter.objects.filter(user=request.user):
        found.setdefault(saved.page, []).append((saved.pk, saved.label, saved.query))
    request.session[SESSION_KEY] = found
    return found


def saved_filters(request, page: str) -> list[SavedFilter]:
    """The user's saved filters of the page, from the session (read once a session, and again
    when they save or delete one). The inbox never reads them itself: its statements stay as
    many as the benchmark counts, so it lists what another list page or a save has read."""
    known = request.session.get(SESSION_KEY)
    if known is None:
        known = {} if page == "inbox" else _read_saved(request)
    return [
        SavedFilter(pk=pk, user_id=request.user.pk, page=page, label=label, query=query)
        for pk, label, query in known.get(page, [])
    ]


def forget_saved_filters(request) -> None:
    """Read the user's saved filters again (after a save or a delete)."""
    _read_saved(request)
