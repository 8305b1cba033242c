"""The aid request cast and its requests on a fixed work day, for the core's own tests of
live work (test_reassign.py)."""

from tests.workflows.aid_requests.conftest import cast, new_request, work_day  # noqa: F401 (fixtures)
