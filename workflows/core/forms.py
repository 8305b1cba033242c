"""Form pieces every process's pages share."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django documents this pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MemberChoiceField(forms.ModelChoiceField):
    """A person by name, for choosing who takes a task."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ReassignForm(forms.Form):
    """A supervisor hands an open task to a member of its unit and role, saying why. The
    choices are the current members (the page); the door decides who may receive it."""

    to_user = MemberChoiceField(queryset=None, label=_("Assign to"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members

    @property
    def members(self):
        """The people the form offers (and accepts)."""
        return cast(forms.ModelChoiceField, self.fields["to_user"]).queryset

    @members.setter
    def members(self, queryset) -> None:
        cast(forms.ModelChoiceField, self.fields["to_user"]).queryset = queryset
