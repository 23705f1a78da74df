"""The county's signing keys (签名密钥): each community's PAdES key from the county CA, issued and revoked here.

Who: the county officer of the county issues and revokes; the provincial officer reads; anyone else gets 404.
The rules (who may, a reason is required, one revocation per key) live in certificates/pades.py; this view reads,
validates the form and calls them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certificates import pades
from certificates.forms.keys import SigningKeyRevokeForm
from certificates.models import SigningKey
from certificates.views.county import _county
from portal.models import Region
from portal.regions import Level


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def signing_keys(request: HttpRequest, county_code: str) -> HttpResponse:
    user = request.user
    county, may_set = _county(user, county_code)
    communities = list(Region.objects.filter(level=Level.COMMUNITY, code__startswith=county.prefix).order_by("code"))
    keys = list(
        SigningKey.objects.filter(community__in=communities)
        .select_related("community", "created_by", "revocation__revoked_by")
        .order_by("community__code", "-created_at", "-pk")
    )
    now = timezone.now()
    usable = [k for k in keys if not hasattr(k, "revocation") and k.not_after > now]
    posted = request.method == "POST" and request.POST.get("action") == "revoke"
    form = SigningKeyRevokeForm(request.POST if posted else None, keys=usable)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("只有本区县民政干部可以签发或吊销签名密钥。"))
        action = request.POST.get("action")
        try:
            if action == "issue":
                community = next((c for c in communities if c.code == request.POST.get("community")), None)
                if community is None:
                    messages.error(request, _("该社区不在本区县。"))
                else:
                    key = pades.signing_key_issue(community=community, actor=user)
                    messages.success(
                        request,
                        _("已为%(name)s签发新的签名密钥（序列号 %(serial)s）。")
                        % {"name": community.name, "serial": key.serial},
                    )
                return redirect("desk:signing_keys", county_code=county.code)
            if action == "revoke" and form.is_valid():
                key = next(k for k in usable if str(k.pk) == form.cleaned_data["key"])
                pades.signing_key_revoke(
                    key=key, actor=user, category=form.cleaned_data["category"], reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request, _("已吊销%(name)s的签名密钥，吊销列表已更新。") % {"name": key.community.name}
                )
                return redirect("desk:signing_keys", county_code=county.code)
            if action not in ("issue", "revoke"):
                messages.error(request, _("未知的操作，未执行任何更改。"))
        except pades.KeyRefused as refused:
            if refused.forbidden:
                raise PermissionDenied(refused.message) from None
            if action == "revoke":
                form.add_error(None, refused.message)
            else:
                messages.error(request, refused.message)
    by_community: dict[int, list[SigningKey]] = {}
    for key in keys:
        by_community.setdefault(key.community_id, []).append(key)
    rows = [
        {
            "community": c,
            "keys": by_community.get(c.pk, []),
            "active": next((k for k in by_community.get(c.pk, []) if k in usable), None),
        }
        for c in communities
    ]
    return render(
        request,
        "certificates/staff/signing_keys.html",
        {
            "county": county,
            "may_set": may_set,
            "rows": rows,
            # a community whose key was revoked (or expired) and not replaced cannot issue: the county's alert
            "blocked": [r for r in rows if r["keys"] and r["active"] is None],
            "form": form if may_set and usable else None,
            "ca_ready": pades.ca_paths()[1].exists(),
        },
    )
