"""County officers' page for departments' API keys: issue (the token is shown once), revoke, list with scopes and
last use, and read the calls made with the keys of their places."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.access import is_officer, officer_regions
from portal.apikeys import api_key_create, api_key_revoke, calls_for_officer, keys_for_officer
from portal.forms import ApiKeyForm

SESSION_NEW_TOKEN = "api_key_new_token"  # noqa: S105 - a session key name, not a secret


def _officer_or_403(request: HttpRequest) -> None:
    if not is_officer(request.user):
        raise PermissionDenied(_("接口密钥只有区县和省级民政部门可以管理。"))


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    _officer_or_403(request)
    regions = officer_regions(request.user)
    form = ApiKeyForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            key, token = api_key_create(
                actor=request.user,
                region=form.regions[form.cleaned_data["region"]],
                department=form.cleaned_data["department"],
                scopes=form.cleaned_data["scopes"],
                rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            # Shown once, on the next page only: the session forgets it as soon as it is displayed.
            request.session[SESSION_NEW_TOKEN] = {"pk": key.pk, "token": token}
            return redirect("api_keys")
    new = request.session.pop(SESSION_NEW_TOKEN, None)
    keys = keys_for_officer(request.user)
    new_key = next((k for k in keys if new and k.pk == new["pk"]), None)
    return render(
        request,
        "portal/api_keys.html",
        {
            "form": form,
            "keys": keys,
            "new_key": new_key,
            "new_token": new["token"] if new_key else "",
            "regions": regions,
        },
    )


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _officer_or_403(request)
    key = keys_for_officer(request.user).filter(pk=pk).first()
    if key is None:
        raise Http404(_("没有找到这把密钥。"))
    try:
        api_key_revoke(key=key, actor=request.user)
    except ValidationError as error:
        raise PermissionDenied(error.messages[0]) from None
    messages.success(request, _("已撤销“%(department)s”的密钥，它不能再调用接口。") % {"department": key.department})
    return redirect("api_keys")


@login_required
@require_safe
def api_calls(request: HttpRequest) -> HttpResponse:
    _officer_or_403(request)
    calls = calls_for_officer(request.user)
    keys = list(keys_for_officer(request.user))
    chosen = request.GET.get("key", "")
    if chosen.isdigit() and any(str(k.pk) == chosen for k in keys):
        calls = calls.filter(key_id=int(chosen))
    else:
        chosen = ""
    page = Paginator(calls, 50).get_page(request.GET.get("page"))
    return render(request, "portal/api_calls.html", {"page": page, "keys": keys, "chosen": chosen})
