"""One-time create tokens: a create form carries a token, and the POST that makes a record
claims it in the same transaction, so a double submit (two clicks, a browser's resend) makes
one record and the second POST is sent to it. Kept in the database, not the cache: the cache
may be down (config.cache), and forgetting a claim would make the second record."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The hidden field of a create form (templates: <input type="hidden" name="once_token" …>).
FIELD = "once_token"

Made = TypeVar("Made", bound=models.Model)


class CreateToken(models.Model):
    """A create form's token as claimed by the user's POST that made a record, with that
    record's page: a second POST of the token is sent there instead of making another."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField(gettext_lazy("token"))
    url = models.CharField(gettext_lazy("record"), max_length=500, blank=True)
    created = models.DateTimeField(gettext_lazy("created"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("create token")
        verbose_name_plural = gettext_lazy("create tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="create_token_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.token} → {self.url}"


class AlreadyCreated(Exception):
    """The token was claimed by an earlier POST of the same form: its record is at `url`."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _posted(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def form_token(request: HttpRequest) -> str:
    """The token a create form carries: the posted one when the form is shown again with its
    errors (the next POST is still the same submission), else a new one."""
    return str(_posted(request) or uuid.uuid4())


def create_once(request: HttpRequest, make: Callable[[], Made]) -> Made:
    """make() once per posted token and user, or AlreadyCreated with the record's page. The
    claim is inserted before make() runs, in one transaction with it: a concurrent POST of the
    same token waits on the unique index until this one ends, then finds its claim (or, if
    make() failed and rolled back, makes the record itself). A POST without a token (not from
    the form) is not guarded."""
    token = _posted(request)
    if token is None:
        return make()
    user = request.user
    if not user.is_authenticated:  # a claim is the signed-in user's
        raise PermissionDenied
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = CreateToken.objects.create(user=user, token=token)
        except IntegrityError:
            earlier = CreateToken.objects.get(user=user, token=token)
            raise AlreadyCreated(earlier.url) from None
        made = make()
        claim.url = resolve_url(made)
        claim.save(update_fields=["url"])
    return made


def to_earlier(request: HttpRequest, done: AlreadyCreated) -> HttpResponseRedirect:
    """The repeated POST goes to the record the first one made, saying why."""
    messages.info(request, _("This form had already been sent: here is what it made."))
    return redirect(done.url)
