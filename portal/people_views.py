"""Counties run their own people: the county officer's appointment pages and the director's deputy page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import appointments, twofactor
from portal.access import active_memberships, has_role
from portal.account_forms import add_service_errors
from portal.errors import Forbidden
from portal.models import Appointment, Community, DeputySigning, User
from portal.people_forms import AppointForm, DeputyForm, EndForm, ReplaceDirectorForm, SecondFactorResetForm
from portal.roles import Role
from portal.terms import community_terms


def _counties(request: HttpRequest) -> list:
    counties = [m.region for m in active_memberships(request.user) if m.role == Role.COUNTY_OFFICER]
    if not counties:
        raise Forbidden(_("社区工作人员、主任和印章保管人由县（市、区）民政干部任免。"))
    return counties


@login_required
def officer_people(request: HttpRequest) -> HttpResponse:
    """The communities of the officer's county, to choose where to appoint."""
    counties = _counties(request)
    scope = Q(pk__in=[])
    for county in counties:
        scope |= Q(code__startswith=county.prefix)
    communities = Community.objects.filter(scope).select_related("parent")
    # Invitations this officer's appointments could not deliver after every retry: never silently lost.
    failed = (
        Appointment.objects.filter(appointed_by=request.user, deliveries__status="failed")
        .select_related("user", "community")
        .distinct()
    )
    query = (request.GET.get("q") or "").strip()
    if query:
        communities = communities.filter(Q(name__contains=query) | Q(parent__name__contains=query))
    page = Paginator(communities.order_by("code"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/officer_people.html",
        {"page": page, "q": query, "counties": counties, "failed_invitations": failed},
    )


@never_cache
@login_required
def officer_community_people(request: HttpRequest, community_code: str) -> HttpResponse:
    """Who holds which post in one community, its full history, appointing, removing and the election change."""
    _counties(request)
    community = get_object_or_404(Community.objects.select_related("parent"), code=community_code)
    if not appointments.can_appoint(request.user, community):
        raise Forbidden(_("只能任免本县（市、区）社区（村）的工作人员。"))
    appointments.adopt_posts(community)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    posted = request.POST if request.method == "POST" else None
    today = timezone.localdate()
    # prefixes: both forms have a name and a phone field, and each label must point at its own form's input
    appoint_form = AppointForm(
        posted if action == "appoint" else None, initial={"starts_on": today}, prefix="appoint", community=community
    )
    replace_form = ReplaceDirectorForm(
        posted if action == "replace" else None, initial={"starts_on": today}, prefix="replace"
    )
    end_form = EndForm(posted if action == "end" else None)
    try:
        if action == "appoint" and appoint_form.is_valid():
            made = appointments.appointment_make(actor=request.user, community=community, **appoint_form.cleaned_data)
            messages.success(
                request, _("已任命 %(name)s。短信邀请的发送情况见“现任人员”。") % {"name": made.user.display_name}
            )
            return redirect("officer_community_people", community.code)
        if action == "send_again":
            # a failed invitation, sent again by the county (the delivery's own retries were used up)
            pk = request.POST.get("delivery", "")
            term = get_object_or_404(Appointment, community=community, deliveries__pk=pk if pk.isdigit() else 0)
            sent = term.deliveries.get(pk=pk).send_again()
            if sent.status == "sent":
                messages.success(request, _("已重新发送给 %(name)s。") % {"name": term.user.display_name})
            else:
                messages.error(request, _("仍未发送成功：%(error)s") % {"error": sent.last_error})
            return redirect("officer_community_people", community.code)
        if action == "replace" and replace_form.is_valid():
            made = appointments.director_replace(actor=request.user, community=community, **replace_form.cleaned_data)
            messages.success(
                request,
                _("换届完成：%(name)s 任%(head)s。")
                % {"name": made.user.display_name, "head": community_terms(community)["head"]},
            )
            return redirect("officer_community_people", community.code)
        if action == "end" and end_form.is_valid():
            data = end_form.cleaned_data
            term = get_object_or_404(Appointment, pk=data["appointment"], community=community)
            appointments.appointment_end(
                actor=request.user, appointment_id=term.pk, ends_on=data["ends_on"], reason=data["reason"]
            )
            messages.success(request, _("已免去 %(name)s 的职务。") % {"name": term.user.display_name})
            return redirect("officer_community_people", community.code)
    except ValidationError as error:
        form = {"appoint": appoint_form, "replace": replace_form, "end": end_form}[action]
        add_service_errors(form, error)
    context = {
        "community": community,
        "current": appointments.open_terms(community).order_by("role", "starts_on"),
        "history": Appointment.objects.filter(community=community).select_related("user", "appointed_by", "ended_by"),
        "appoint_form": appoint_form,
        "replace_form": replace_form,
        "end_form": end_form,
        "action": action,
        "today": today,
    }
    return render(request, "portal/officer_community_people.html", context)


@never_cache
@login_required
def deputy(request: HttpRequest) -> HttpResponse:
    """A director names a deputy who may sign within a date range (代签), and may revoke it."""
    communities = [m.region for m in active_memberships(request.user) if m.role == Role.DIRECTOR]
    if not communities:
        raise Forbidden(_("代签人由社区（村）主任指定。"))
    community = communities[0]
    people = (
        User.objects.filter(
            memberships__region=community, memberships__active=True, memberships__role__in=[Role.STAFF, Role.KEEPER]
        )
        .exclude(pk=request.user.pk)
        .distinct()
    )
    form = DeputyForm(request.POST if request.POST.get("action") == "name" else None, people=people)
    if request.method == "POST" and request.POST.get("action") == "revoke":
        signing = get_object_or_404(DeputySigning, pk=request.POST.get("signing") or 0, community=community)
        appointments.deputy_revoke(director=request.user, signing_id=signing.pk)
        messages.success(request, _("已撤销代签授权。"))
        return redirect("deputy")
    if request.method == "POST" and form.is_valid():
        try:
            appointments.deputy_name(director=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已指定代签人。代签的每一份证明都会在登记簿中注明。"))
            return redirect("deputy")
    context = {
        "community": community,
        "form": form,
        "signings": DeputySigning.objects.filter(community=community).select_related("deputy", "director"),
        "is_director": has_role(request.user, Role.DIRECTOR, community),
    }
    return render(request, "portal/deputy.html", context)


@never_cache
@login_required
def second_factor_resets(request: HttpRequest) -> HttpResponse:
    """Reset a person's lost authenticator (portal.twofactor.second_factor_reset): find them, give a reason."""
    people = twofactor.resettable_people(request.user)
    if not any(m.role in twofactor.RESET_BY for m in active_memberships(request.user)):
        raise Forbidden(_("验证器由区县民政干部（社区人员）和省级民政干部（区县民政干部）重置。"))
    form = SecondFactorResetForm(request.POST or None)
    failed_person = None
    if request.method == "POST" and form.is_valid():
        person = people.filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            raise Forbidden(_("只能重置本辖区社区工作人员、主任、印章保管人（区县）或区县民政干部（省级）的验证器。"))
        try:
            twofactor.second_factor_reset(request, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
            failed_person = person.pk
        else:
            messages.success(
                request, _("已重置 %(name)s 的验证器，本人下次登录时重新绑定。") % {"name": person.display_name}
            )
            return redirect(f"{reverse('second_factor_resets')}?q={person.phone or person.username}")
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()
    if query:
        people = people.filter(Q(real_name__contains=query) | Q(phone__contains=query) | Q(username__icontains=query))
    people = people.annotate(enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    page = Paginator(people.order_by("real_name", "pk").prefetch_related("memberships__region"), 30).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "q": query, "form": form, "failed_person": failed_person}
    return render(request, "portal/second_factor_resets.html", context)
