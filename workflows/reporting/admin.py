"""Reporting records in the admin are for looking up; actions happen on the report pages."""

from django.contrib import admin

from workflows.core.admin import ReadOnlyAdmin

from .models import Obligation, ProvincialReport, Report, Waiver


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ("definition", "unit", "year", "due_on", "submitted_at")
    list_filter = ("definition", "year")
    list_select_related = ("definition", "unit")
    search_fields = ("unit__code", "unit__name_vi")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status")
    list_filter = ("status",)


@admin.register(Waiver)
class WaiverAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)


@admin.register(ProvincialReport)
class ProvincialReportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status")
    list_filter = ("status",)
