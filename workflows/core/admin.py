"""Admin views of the audit trail and notifications: read-only, history is never edited here."""

from django.contrib import admin

from .models import AuditEvent, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and details only: every change of state goes through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "subject_type", "subject_id", "action", "actor", "unit", "role")
    list_display_links = ("created",)
    list_filter = ("action", "role", "subject_type")
    list_select_related = ("actor", "unit", "subject_type")
    search_fields = ("comment", "actor__username", "subject_id")
    date_hierarchy = "created"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created", "recipient", "kind", "day", "title", "sent_at", "read_at")
    list_filter = ("kind", "day")
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username", "key")
