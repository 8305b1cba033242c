from workflows.core.apps import ProcessAppConfig


class DeclaredConfig(ProcessAppConfig):
    """A process package that only declares (tests/workflows/core/test_declared_process.py)."""

    default = True
    name = "tests.declared"
    label = "declared"
