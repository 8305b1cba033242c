"""Admin over the plan data: the plan's tables are shown, never edited, since `loadplan` is
their only writer and records each change as a PlanChange; memberships, which the plan file
does not hold, are granted and changed here through agencies.services. What history refers
to (plan rows, memberships that have been in force, accounts that acted) is ended, not
deleted: the admin refuses to delete it and says what to do instead."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Exists, ForeignObjectRel, Model, OuterRef, Q, QuerySet
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import models as plan_data
from .selectors import today
from .services import change_membership, grant_membership, membership_period

admin.site.site_header = _("Support for children: administration")
admin.site.site_title = _("Support for children")
admin.site.index_title = _("Plan data and accounts")


class ValidityFilter(admin.SimpleListFilter):
    """Dated rows as of today in Vietnam time: the question an administrator asks first."""

    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("current", _("current today")),
            ("ended", _("ended")),
            ("future", _("not started yet")),
        ]

    def queryset(self, request, queryset):
        day = today()
        if self.value() == "current":
            return queryset.valid_on(day)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=day)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=day)
        return queryset


class KeepsHistory(admin.ModelAdmin):
    """Rows that history refers to are ended, not deleted: their delete page and the bulk
    "delete selected" refuse them with what to do instead, and has_delete_permission is False
    for them, so the admin offers no delete link."""

    instead: Promise  # what to do instead of deleting, said by each admin
    MAX_NAMED = 10  # rows a bulk refusal names before "…"

    def with_history(self, queryset: QuerySet) -> QuerySet:
        """The rows of the queryset that may not be deleted: all of them unless said."""
        return queryset

    def refusal(self, obj: Model) -> str:
        """Why this row stays and what to do instead, for its delete page."""
        return str(self.instead)

    def _kept(self, obj: Model) -> bool:
        return self.with_history(self.model._default_manager.filter(pk=obj.pk)).exists()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._kept(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        """The refusal on the delete page itself (403), rather than a bare "forbidden"."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj) or not self._kept(obj):
            return super().delete_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Cannot delete %(object)s") % {"object": obj},
            "opts": self.opts,
            "object": obj,
            "refusal": self.refusal(obj),
        }
        return TemplateResponse(request, "admin/delete_refused.html", context, status=403)

    def get_actions(self, request):
        """The bulk “delete selected” refuses the whole selection when a row in it has history."""
        actions = super().get_actions(request)
        offered = actions.get("delete_selected")
        if offered is not None:
            _func, name, description = offered
            actions[name] = (type(self).delete_unless_kept, name, description)
        return actions

    def delete_unless_kept(self, request, queryset):
        """Django's "delete selected" when no selected row is kept, else nothing and why."""
        kept = list(self.with_history(queryset)[: self.MAX_NAMED + 1])
        if not kept:
            return delete_selected(self, request, queryset)
        names = [str(obj) for obj in kept[: self.MAX_NAMED]]
        if len(kept) > self.MAX_NAMED:
            names.append("…")
        self.message_user(
            request,
            gettext("Nothing was deleted: %(objects)s cannot be deleted. %(instead)s")
            % {"objects": get_text_list(names, gettext("and")), "instead": self.instead},
            messages.ERROR,
        )
        return None


class ReadOnly:
    """Written by loadplan only: an edit here would leave no plan history and be overwritten."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlanDataAdmin(ReadOnly, KeepsHistory):
    """Rows of the plan file, viewable and searchable, never added, changed or deleted."""

    instead = _(
        "Plan data is written by loadplan alone and the work's history refers to it: change "
        "the plan file and load it again instead (a unit, responsibility, classification or "
        "succession is ended with its end date, valid_to)."
    )


@admin.register(plan_data.Plan)
class PlanAdmin(PlanDataAdmin):
    list_display = [
        "code",
        "act",
        "title_vi",
        "issued_on",
        "period_start",
        "period_end",
        "loaded_at",
    ]
    search_fields = ["code", "act", "title_vi", "title_en"]
    readonly_fields = ["checksum", "loaded_at"]


class InScopeFilter(admin.SimpleListFilter):
    """Separates clauses the product implements from those recorded as out of scope."""

    title = _("scope")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("in", _("implemented")), ("out", _("out of scope"))]

    def queryset(self, request, queryset):
        if self.value() == "in":
            return queryset.filter(out_of_scope="")
        if self.value() == "out":
            return queryset.exclude(out_of_scope="")
        return queryset


@admin.register(plan_data.Clause)
class ClauseAdmin(PlanDataAdmin):
    list_display = ["code", "plan", "summary_vi", "in_scope"]
    list_filter = [InScopeFilter, "plan"]
    search_fields = ["code", "summary_vi", "summary_en"]
    list_select_related = ["plan"]

    @admin.display(description=_("implemented"), boolean=True)
    def in_scope(self, obj: plan_data.Clause) -> bool:
        return not obj.out_of_scope


class CommuneClassificationInline(ReadOnly, admin.TabularInline):
    model = plan_data.CommuneClassification
    fk_name = "commune"
    extra = 0
    fields = ["area_class", "act", "valid_from", "valid_to"]


SUCCESSION_FIELDS = ["kind", "part", "main", "steps", "duties", "effective_on", "act",
                     "act_date", "act_clause", "valid_to", "note"]  # fmt: skip


class SuccessionFromInline(ReadOnly, admin.TabularInline):
    """Where the unit's work went (the 2025 reorganisation)."""

    model = plan_data.Succession
    fk_name = "predecessor"
    extra = 0
    fields = ["successor", *SUCCESSION_FIELDS]
    verbose_name = _("succession: work passed on to")
    verbose_name_plural = _("successions: work passed on to")


class SuccessionToInline(ReadOnly, admin.TabularInline):
    """Whose work the unit took over."""

    model = plan_data.Succession
    fk_name = "successor"
    extra = 0
    fields = ["predecessor", *SUCCESSION_FIELDS]
    verbose_name = _("succession: work taken over from")
    verbose_name_plural = _("successions: work taken over from")


@admin.register(plan_data.Unit)
class UnitAdmin(PlanDataAdmin):
    list_display = [
        "code",
        "name_vi",
        "name_en",
        "kind",
        "official_code",
        "parent",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", ValidityFilter, "plan"]
    search_fields = ["code", "official_code", "name_vi", "name_en"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]

    def get_inlines(self, request, obj):
        """Area classes belong to communes only (Quyết định 861/QĐ-TTg); every unit shows the
        successions that hand its work on or give it work."""
        inlines: list[type[admin.options.InlineModelAdmin]] = []
        if obj is not None and obj.kind == plan_data.UnitKind.COMMUNE:
            inlines.append(CommuneClassificationInline)
        if obj is not None:
            inlines += [SuccessionFromInline, SuccessionToInline]
        return inlines


@admin.register(plan_data.Role)
class RoleAdmin(PlanDataAdmin):
    list_display = ["code", "name_vi", "name_en"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(plan_data.Category)
class CategoryAdmin(PlanDataAdmin):
    list_display = ["code", "name_vi", "name_en", "position", "clause"]
    list_filter = ["plan"]
    search_fields = ["code", "name_vi", "name_en"]
    autocomplete_fields = ["clause"]
    list_select_related = ["clause"]


@admin.register(plan_data.FundingSource)
class FundingSourceAdmin(PlanDataAdmin):
    list_display = ["code", "name_vi", "may_fund_children", "clause"]
    list_filter = ["may_fund_children", "plan"]
    search_fields = ["code", "name_vi", "name_en"]
    list_select_related = ["clause"]


MEMBERSHIP_FIELDS = ["user", "unit", "role", "valid_from", "valid_to"]


class MembershipForm(forms.ModelForm):
    """Refuses the periods agencies.services refuses, beside the date at fault."""

    class Meta:
        model = plan_data.Membership
        fields = MEMBERSHIP_FIELDS

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns, typed
        if data.get("unit") and data.get("valid_from"):
            try:
                membership_period(
                    unit=data["unit"], valid_from=data["valid_from"], valid_to=data.get("valid_to")
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(plan_data.Membership)
class MembershipAdmin(KeepsHistory):
    form = MembershipForm
    instead = _(
        "A membership that has been in force is the record of who could act, when: end it "
        "instead (set its end date, “valid to”); once it ends, its holder's tasks go back to "
        "the unit's queue."
    )
    list_display = ["user", "unit", "role", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit", "role"]

    def with_history(self, queryset: QuerySet) -> QuerySet:
        """Begun memberships: only one that has not started yet was never acted under."""
        return queryset.filter(valid_from__lte=today())

    def save_model(self, request, obj, form, change):
        """Through the service, so its rules apply; a period it shortens is reported."""
        values = {name: getattr(obj, name) for name in MEMBERSHIP_FIELDS}
        if change:
            saved = change_membership(membership_id=obj.pk, **values)
        else:
            saved = grant_membership(**values)
        obj.pk, obj.valid_from, obj.valid_to = saved.pk, saved.valid_from, saved.valid_to
        obj._state.adding = False
        if (saved.valid_from, saved.valid_to) != (values["valid_from"], values["valid_to"]):
            self.message_user(
                request,
                gettext("The period was fitted to the unit's validity: %(period)s.")
                % {"period": _period(saved.valid_from, saved.valid_to)},
                messages.WARNING,
            )


def _period(start, end) -> str:
    """A period as the admin reads dates (dd/mm/yyyy), open-ended when it has no end."""
    first = date_format(start, "SHORT_DATE_FORMAT")
    return f"{first} – {date_format(end, 'SHORT_DATE_FORMAT')}" if end else f"{first} –"


@admin.register(plan_data.Responsibility)
class ResponsibilityAdmin(PlanDataAdmin):
    list_display = [
        "process",
        "step",
        "acting_unit",
        "role",
        "category",
        "clause",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["process", "step", "role", "unit_kind", "category", ValidityFilter, "plan"]
    search_fields = ["process", "step", "unit__code", "unit__name_vi", "clause__code", "note"]
    autocomplete_fields = ["unit", "clause"]
    list_select_related = ["unit", "role", "category", "clause"]

    @admin.display(description=_("acting unit"), ordering="unit__code")
    def acting_unit(self, obj: plan_data.Responsibility) -> str:
        if obj.unit_id:
            return str(obj.unit)
        return gettext("%(kind)s of the subject's unit") % {"kind": obj.get_unit_kind_display()}


@admin.register(plan_data.ObligationDefinition)
class ObligationDefinitionAdmin(PlanDataAdmin):
    list_display = ["code", "name_vi", "clause", "recurrence", "due", "unit_kinds", "recipient"]
    list_filter = ["recurrence", "plan"]
    search_fields = ["code", "name_vi", "name_en", "clause__code"]
    autocomplete_fields = ["clause", "also_cites", "units", "excluded_units", "recipient"]
    list_select_related = ["clause", "recipient"]

    @admin.display(description=_("due before"))
    def due(self, obj: plan_data.ObligationDefinition) -> str:
        if obj.due_date:
            return date_format(obj.due_date, "SHORT_DATE_FORMAT")
        if obj.due_day and obj.due_month:
            day = f"{obj.due_day:02d}/{obj.due_month:02d}"
            if obj.due_year_offset:
                return gettext("%(day)s of the next year") % {"day": day}
            return day
        return ""


class InForceFilter(admin.SimpleListFilter):
    """Successions as of today in Vietnam time: in force, ended by a plan load, or to come."""

    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [
            ("current", _("in force today")),
            ("ended", _("ended")),
            ("future", _("not in force yet")),
        ]

    def queryset(self, request, queryset):
        day = today()
        if self.value() == "current":
            return queryset.in_force_on(day)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=day)
        if self.value() == "future":
            return queryset.filter(effective_on__gt=day)
        return queryset


@admin.register(plan_data.Succession)
class SuccessionAdmin(PlanDataAdmin):
    list_display = [
        "predecessor",
        "kind",
        "successor",
        "part",
        "main",
        "effective_on",
        "act",
        "act_clause",
        "valid_to",
    ]
    list_filter = ["kind", InForceFilter, "effective_on", "act", "plan"]
    search_fields = [
        "predecessor__code",
        "predecessor__name_vi",
        "successor__code",
        "successor__name_vi",
        "act",
        "note",
    ]
    raw_id_fields = ["predecessor", "successor"]
    list_select_related = ["predecessor", "successor"]


@admin.register(plan_data.PlanChange)
class PlanChangeAdmin(PlanDataAdmin):
    """The load history is evidence: nobody edits or deletes it by hand."""

    instead = _("The plan's load history is evidence and is never deleted.")

    list_display = ["loaded_at", "plan", "entity", "key", "action"]
    list_filter = ["action", "entity", "plan"]
    search_fields = ["key"]
    date_hierarchy = "loaded_at"
    list_select_related = ["plan"]


def _references(model: type[Model]) -> list[tuple[type[Model], str]]:
    """(model, field) of every relation by which other rows name a row of `model`, found in
    the app registry, so a new record naming users counts without being listed here; the
    model's own many-to-many tables (a user's groups, permissions) are not history."""
    return [
        (rel.related_model, rel.field.name)
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, ForeignObjectRel)
        and isinstance(rel.related_model, type)
        and not rel.related_model._meta.auto_created
    ]


def _named_by(related: type[Model], field: str) -> Exists:
    return Exists(related._base_manager.filter(**{field: OuterRef("pk")}))


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(KeepsHistory, UserAdmin):
    """Accounts as django.contrib.auth shows them; one that any row names (a task, an audit
    event, a record, a membership, a notification) is deactivated instead of deleted, since
    deleting would erase or orphan who did the work."""

    instead = _(
        "An account with history is kept so that the history says who acted: deactivate it "
        "instead (untick “Active”) and end its memberships."
    )

    def with_history(self, queryset: QuerySet) -> QuerySet:
        """One statement: the accounts some row names, by any relation to the user model."""
        named = Q()
        for related, field in _references(self.model):
            named |= Q(_named_by(related, field))
        return queryset.filter(named)

    def refusal(self, obj: Model) -> str:
        """Says which kinds of rows name the account, so the administrator sees why."""
        references = dict(enumerate(_references(self.model)))
        found = (
            self.model._default_manager.filter(pk=obj.pk)
            .values(**{f"named_{i}": _named_by(*ref) for i, ref in references.items()})
            .get()
        )
        kinds = dict.fromkeys(
            str(related._meta.verbose_name_plural)
            for i, (related, _field) in references.items()
            if found[f"named_{i}"]
        )
        return gettext("%(instead)s Rows naming this account: %(kinds)s.") % {
            "instead": self.instead,
            "kinds": ", ".join(kinds),
        }
