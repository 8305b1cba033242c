"""The plan as data: units with validity, roles, memberships, clauses and the responsibility
matrix. Nothing here knows about workflows; processes read it through agencies.selectors."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ValidityQuerySet(models.QuerySet):
    """Rows valid on a date: valid_from <= day and (valid_to is null or day <= valid_to)."""

    def valid_on(self, day: dt.date) -> ValidityQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Validity(models.Model):
    """A dated fact: the plan and its 2025 reorganisation change who acts without rewriting
    history."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Bilingual(models.Model):
    """Vietnamese name first, English for the English interface."""

    name_vi = models.CharField(_("Vietnamese name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if _english() and self.name_en:
            return self.name_en
        return self.name_vi


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def name_in_sql(path: str) -> Combinable:
    """Bilingual.name of the row at `path` as a query expression, for text built in SQL."""
    if _english():
        return Coalesce(NullIf(F(f"{path}__name_en"), Value("")), F(f"{path}__name_vi"))
    return F(f"{path}__name_vi")


class PlanCoded(models.Model):
    """A row a plan names by its code: plans side by side each name their own, so a code is
    unique within its plan and may recur in another. Each model adds its `plan` and `code`."""

    class Meta:
        abstract = True
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="%(class)s_unique_per_plan")
        ]


class Plan(models.Model):
    """A provincial plan loaded from one versioned data file (e.g. Kế hoạch 372/KH-UBND)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_vi = models.CharField(_("Vietnamese title"), max_length=500)
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    act = models.CharField(_("act"), max_length=100, help_text=_("e.g. 372/KH-UBND"))
    issued_on = models.DateField(_("issued on"))
    period_start = models.PositiveSmallIntegerField(_("first year"))
    period_end = models.PositiveSmallIntegerField(_("last year"))
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    checksum = models.CharField(_("checksum of the loaded file"), max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return f"{self.act} ({self.code})"

    @property
    def title(self) -> str:
        """The title in the interface's language (every record's page says its plan)."""
        if _english() and self.title_en:
            return self.title_en
        return self.title_vi


class PlanChange(models.Model):
    """One change made by a plan load: the history of what the data said when."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="changes")
    loaded_at = models.DateTimeField(_("loaded at"))
    entity = models.CharField(_("entity"), max_length=50)
    key = models.CharField(_("key"), max_length=255)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-loaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.key}"


class Clause(PlanCoded):
    """A clause of the plan (I.1 … V.2) with what implements it or why it is out of scope."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="clauses")
    code = models.CharField(_("clause"), max_length=20)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    summary_vi = models.TextField(_("Vietnamese summary"))
    summary_en = models.TextField(_("English summary"), blank=True)
    out_of_scope = models.TextField(
        _("out of scope because"), blank=True, help_text=_("empty when the product implements it")
    )

    class Meta(PlanCoded.Meta):
        verbose_name = _("plan clause")
        verbose_name_plural = _("plan clauses")
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return self.code


class UnitKind(models.TextChoices):
    """Kinds of unit the plan assigns work to (section IV)."""

    PROVINCE = "province", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Department or committee")
    MASS_ORG = "mass_org", _("Mass organisation")
    FUND = "fund", _("Fund")
    DISTRICT = "district", _("District-level People's Committee")
    COMMUNE = "commune", _("Commune")


class Unit(Validity, Bilingual):
    """An agency or administrative unit, valid for a period (units merge and end, e.g. 2025)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, db_index=True)
    official_code = models.CharField(
        _("official code"),
        max_length=10,
        blank=True,
        db_index=True,
        help_text=_(
            "the statistics office's code of an administrative unit, e.g. 22786 (QĐ 19/2025/QĐ-TTg "
            "from 01/07/2025; the codes of QĐ 124/2004/QĐ-TTg before). Not unique: a new commune "
            "takes the code of one of its old parts."
        ),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]


class AreaClass(models.TextChoices):
    """Ethnic-minority area classes of Quyết định 861/QĐ-TTg."""

    I = "I", _("Area I")  # noqa: E741
    II = "II", _("Area II")
    III = "III", _("Area III")


class CommuneClassification(Validity):
    """A commune's area class under a deciding act for a period (861/QĐ-TTg for 2021–2025)."""

    commune = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="classifications")
    area_class = models.CharField(_("area class"), max_length=3, choices=AreaClass.choices)
    act = models.CharField(_("deciding act"), max_length=100)

    class Meta:
        verbose_name = _("commune classification")
        verbose_name_plural = _("commune classifications")
        ordering = ["commune", "valid_from"]

    def __str__(self) -> str:
        return f"{self.commune.code}: {self.area_class} ({self.act})"


class Role(Bilingual):
    """A role a person holds in a unit: officer, supervisor, leader (plan data)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]


class Category(PlanCoded, Bilingual):
    """A support category named by the plan (sections I, II.3, IV.12.b)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(_("code"), max_length=32)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    clause = models.ForeignKey(
        Clause,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("clause"),
        help_text=_("the objective or duty that names this category"),
    )

    class Meta(PlanCoded.Meta):
        verbose_name = _("support category")
        verbose_name_plural = _("support categories")
        ordering = ["plan", "position"]


class FundingSource(PlanCoded, Bilingual):
    """A kind of funding; the state budget may fund only management and coordination (III.2)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="funding_sources")
    code = models.SlugField(_("code"), max_length=32)
    may_fund_children = models.BooleanField(_("may fund support to children"), default=True)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(PlanCoded.Meta):
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")


class Membership(Validity):
    """A user holds a role in a unit for a period; this alone grants the right to act."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["user", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="membership_ends_after_it_starts",
                violation_error_message=_("The membership ends before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit.code} · {self.role.code}"


class Responsibility(Validity):
    """A row of the responsibility matrix: at this step of this process, this unit (or the
    subject's own unit of this kind) acts in this role, because the plan says so in this clause."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="responsibilities")
    process = models.SlugField(_("process"), max_length=64)
    step = models.SlugField(_("step"), max_length=64)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="responsibilities"
    )
    unit_kind = models.CharField(
        _("subject's unit of kind"), max_length=20, choices=UnitKind.choices, blank=True
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="responsibilities")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="reviewers"
    )
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="responsibilities")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility matrix")
        ordering = ["process", "step", "id"]
        indexes = [models.Index(fields=["process", "step"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(unit_kind=""))
                | (Q(unit__isnull=True) & ~Q(unit_kind="")),
                name="responsibility_unit_xor_kind",
            )
        ]

    def __str__(self) -> str:
        who = self.unit.code if self.unit is not None else f"<{self.unit_kind}>"
        return f"{self.process}.{self.step}: {who} {self.role.code} ({self.clause.code})"


class ObligationDefinition(PlanCoded, Bilingual):
    """What the plan requires a kind of unit to deliver, by when and how often (IV.12, V)."""

    class Recurrence(models.TextChoices):
        ONCE = "once", _("once")
        YEARLY = "yearly", _("every year")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="obligations")
    code = models.SlugField(_("code"), max_length=64)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="obligations")
    unit_kinds = models.JSONField(_("unit kinds"), default=list, blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="obligation_definitions")
    recurrence = models.CharField(_("recurrence"), max_length=10, choices=Recurrence.choices)
    due_date = models.DateField(_("due before (fixed date)"), null=True, blank=True)
    due_day = models.PositiveSmallIntegerField(_("due before day"), null=True, blank=True)
    due_month = models.PositiveSmallIntegerField(_("due before month"), null=True, blank=True)
    due_year_offset = models.PositiveSmallIntegerField(
        _("due year offset"),
        default=0,
        help_text=_("1 when a year's duty is due in the next year (e.g. a report due in January)"),
    )
    first_year = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    reminder_days = models.JSONField(_("reminder days before due"), default=list, blank=True)
    escalate_to = models.JSONField(_("escalate to"), default=list, blank=True)
    recipient = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    excluded_units = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("excluded units")
    )
    also_cites = models.ManyToManyField(
        Clause, blank=True, related_name="obligations_also_citing", verbose_name=_("also cites")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta(PlanCoded.Meta):
        verbose_name = _("obligation definition")
        verbose_name_plural = _("obligation definitions")

    def due_before(self, year: int | None = None) -> dt.date:
        """Day D of "trước ngày D" for a yearly duty's year: on time until D 00:00 Vietnam time."""
        if self.recurrence == self.Recurrence.ONCE:
            if self.due_date is None:
                raise ValueError(f"once duty {self.code} has no due date")
            return self.due_date
        # A yearly duty loaded from a plan file has its day and month (agencies.planfile).
        if year is None or self.due_month is None or self.due_day is None:
            raise ValueError(f"yearly duty {self.code} needs a year, a due day and a due month")
        return dt.date(year + self.due_year_offset, self.due_month, self.due_day)


class SuccessionQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date) -> SuccessionQuerySet:
        """Successions that apply on the date: in effect and not ended by a plan load."""
        return self.filter(
            Q(effective_on__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Succession(models.Model):
    """A dated hand-over of work between units (the 2025 reorganisation): from `effective_on`,
    the successor holds what the predecessor held, all of it or, when functions moved, only the
    listed matrix steps and duties. A unit that is still valid on a date keeps its own work;
    agencies.selectors.successors_of follows the successions of units that have ended."""

    class Kind(models.TextChoices):
        MERGED_INTO = "merged_into", _("merged into")
        SPLIT = "split", _("split")
        RENAMED = "renamed", _("renamed")
        FUNCTIONS_MOVED = "functions_moved", _("functions moved")
        DISSOLVED_INTO = "dissolved_into", _("dissolved into")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="successions")
    predecessor = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="successions_from",
        verbose_name=_("predecessor"),
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="successions_to", verbose_name=_("successor")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    part = models.CharField(
        _("part"),
        max_length=255,
        blank=True,
        help_text=_('of a split: the part this successor takes, e.g. "thôn Phú Thọ"'),
    )
    main = models.BooleanField(
        _("takes the remainder"),
        default=False,
        help_text=_("of a split: this successor takes what no other part names"),
    )
    steps = models.JSONField(
        _("matrix steps"),
        default=list,
        blank=True,
        help_text=_('when functions moved: the "process.step" steps that move'),
    )
    duties = models.JSONField(
        _("duties"),
        default=list,
        blank=True,
        help_text=_("when functions moved: the codes of the obligations that move"),
    )
    effective_on = models.DateField(_("effective on"), help_text=_("the successor takes over"))
    valid_to = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("set by loadplan when the succession is no longer in the plan file"),
    )
    act = models.CharField(_("act"), max_length=100, help_text=_("e.g. 1667/NQ-UBTVQH15"))
    act_date = models.DateField(_("act dated"), null=True, blank=True)
    act_clause = models.CharField(
        _("article and clause"), max_length=100, blank=True, help_text=_("e.g. Điều 1 khoản 48")
    )
    note = models.TextField(_("note"), blank=True)

    objects = SuccessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("succession")
        verbose_name_plural = _("successions")
        ordering = ["effective_on", "id"]  # a unit's successions: in the order first loaded
        indexes = [models.Index(fields=["predecessor", "effective_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "effective_on"],
                name="succession_unique_per_day",
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="succession_to_another_unit"
            ),
            models.CheckConstraint(
                condition=Q(kind="split") | (Q(part="") & Q(main=False)),
                name="succession_part_only_of_a_split",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.successor.code} ({self.kind}, {self.act})"

    def moves(self, *, step: str | None, duty: str | None) -> bool:
        """Whether this functions_moved succession moves the step or the duty."""
        return (step is not None and step in self.steps) or (
            duty is not None and duty in self.duties
        )
