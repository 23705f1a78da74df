"""The county's signing-key form: revoke one of its communities' keys with a reason (certificates/pades.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from certificates.models import KeyRevocationReason


class SigningKeyRevokeForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("签名密钥"))
    category = forms.ChoiceField(
        label=gettext_lazy("吊销原因类别"),
        choices=[("", "——")] + list(KeyRevocationReason.choices),
        help_text=gettext_lazy("写入公开的吊销列表（CRL）。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("吊销理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("留存记录：发生了什么、何时发现、已通知谁。不公开。"),
    )

    def __init__(self, *args: Any, keys, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", "——")] + [
            (str(k.pk), f"{k.community.name} · {k.serial[:12]}…") for k in keys
        ]
