from django.apps import AppConfig


class BaselineFlowConfig(AppConfig):
    """Plain viewflow, measured beside our process in the same run."""

    name = "bench.baseline_flow"
    label = "baseline_flow"
    default_auto_field = "django.db.models.BigAutoField"
