"""Commendations in the admin are for looking up; actions happen on the commendation pages."""

from django.contrib import admin

from workflows.core.admin import ReadOnlyAdmin

from .models import Commendation


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "nominee_name", "year", "status", "decision_number")
    list_filter = ("status", "year")
    search_fields = ("nominee_name",)
