"""A create form's one-time token (workflows.core.once): one record per double submit."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows_core", "0006_audit_append_only_truncate_and_sqlite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CreateToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.UUIDField(verbose_name="token")),
                ("url", models.CharField(blank=True, max_length=500, verbose_name="record")),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "create token",
                "verbose_name_plural": "create tokens",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "token"), name="create_token_once_per_user"
                    )
                ],
            },
        ),
    ]
