"""Migration operations the process packages share."""

from __future__ import annotations

from django.db import migrations


def bind_artifacts(app_label: str, model_name: str) -> migrations.RunPython:
    """Make each record the artifact of its current process, which routing reads since the
    records became ProcessRecords (earlier processes of a re-opened record are finished)."""

    def forwards(apps, schema_editor):
        content_type_model = apps.get_model("contenttypes", "ContentType")
        process_model = apps.get_model("viewflow", "Process")
        model = apps.get_model(app_label, model_name)
        content_type, _created = content_type_model.objects.get_or_create(
            app_label=app_label, model=model_name.lower()
        )
        rows = model.objects.filter(process__isnull=False).values_list("pk", "process_id")
        for pk, process_id in rows.iterator():
            process_model.objects.filter(pk=process_id).update(
                artifact_content_type=content_type, artifact_object_id=pk
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop)
