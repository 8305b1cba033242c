"""Admin views of the work: the audit trail, notifications, and viewflow's processes and tasks,
all read-only. History is never edited or deleted here; a task moves through the door (its
record's page, the reassign page), which checks and audits the move."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.admin import FlowClassListFilter
from viewflow.workflow.models import Process, Task

from agencies.admin import KeepsHistory

from .models import AuditEvent, Notification
from .transitions import OPEN, record_of_process


class ReadOnlyAdmin(KeepsHistory):
    """Lists and details only: every change of state goes through the services."""

    instead = _(
        "The work's history is never edited or deleted: records and their tasks change only "
        "through the actions on the record's page."
    )

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


def _record_link(process: Process) -> str:
    record = record_of_process(process)
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record)


# viewflow registers its own Process and Task admins, which edit status, owner_permission and
# data and delete rows: these replace them.
admin.site.unregister(Process)
admin.site.unregister(Task)


TASK_ROW = ("flow_task", "status", "owner", "owner_permission", "created", "finished")


class TaskInline(admin.TabularInline):
    """The process's tasks, each opening its read-only page."""

    model = Task
    fields = TASK_ROW
    readonly_fields = TASK_ROW
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created", "flow_class", "status", "finished"]
    list_filter = ["status", FlowClassListFilter]
    search_fields = ["id__exact", "task__owner__username"]
    date_hierarchy = "created"
    fields = ["flow_class", "record", "status", "created", "finished", "parent_task", "data"]
    readonly_fields = ["record"]
    inlines = [TaskInline]

    @admin.display(description=_("record"))
    def record(self, obj: Process) -> str:
        return _record_link(obj)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    instead = _(
        "Tasks are the work's history and are never edited or deleted: an open task is "
        "reassigned from its record's page, which audits the move."
    )
    list_display = ["pk", "created", "process", "flow_task", "status", "owner", "owner_permission"]
    list_filter = ["status", "flow_task_type", "process__flow_class"]
    list_select_related = ["process", "owner"]
    search_fields = ["id__exact", "process__id__exact", "owner__username", "owner_permission"]
    date_hierarchy = "created"
    fields = [
        "process",
        "record",
        "reassign",
        "flow_task",
        "flow_task_type",
        "status",
        "owner",
        "owner_permission",
        "created",
        "assigned",
        "started",
        "finished",
        "token",
        "data",
    ]
    readonly_fields = ["record", "reassign"]

    @admin.display(description=_("record"))
    def record(self, obj: Task) -> str:
        return _record_link(obj.process)

    @admin.display(description=_("reassign"))
    def reassign(self, obj: Task) -> str:
        """The door's page for it, while a person's task is open (a supervisor of its unit)."""
        if obj.flow_task_type != "HUMAN" or obj.status not in OPEN:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("tasks:reassign", args=[obj.pk]),
            _("Reassign to a colleague"),
        )
