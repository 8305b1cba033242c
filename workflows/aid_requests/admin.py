"""Aid requests in the admin are for looking up; actions happen on the request pages."""

from django.contrib import admin

from workflows.core.admin import ReadOnlyAdmin

from .models import AidRequest, AidRequestLine, Review


class LineInline(admin.TabularInline):
    model = AidRequestLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AidRequest)
class AidRequestAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "district", "commune", "category", "year", "status", "amount")
    list_filter = ("status", "year", "category", "district")
    list_select_related = ("district", "commune", "category")
    search_fields = ("justification",)
    inlines = [LineInline]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("request", "round", "unit", "decision", "assessed_total", "created")
    list_filter = ("decision", "unit")
    list_select_related = ("request", "unit")
