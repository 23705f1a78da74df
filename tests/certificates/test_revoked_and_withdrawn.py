"""Revoked and withdrawn requests read as such everywhere: the resident's page and timeline, the desk queue and the
county's figures. A revoked certificate's request is 已撤销 (the workflow's "revoke" transition), never 已出具."""

from django.urls import reverse

from certificates import workflow
from certificates.issuance import certificate_revoke
from certificates.models import Status
from tests.factories import make_request


def _issued(personas, signed_request, seal):
    return workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)


def test_a_revoked_certificate_reads_revoked_for_the_resident_the_desk_and_the_county(
    personas, login, signed_request, seal
):
    issued = _issued(personas, signed_request, seal)
    certificate_revoke(certificate=issued.register_entry.certificate, actor=personas.director, reason="承诺不实")
    resident_page = login(personas.resident_a).get(reverse("requests:detail", args=[issued.pk])).content.decode()
    assert "证明已撤销，不再有效" in resident_page and "证明已出具" not in resident_page
    assert 'status-badge text-bg-danger">已撤销' in resident_page
    assert "撤销证明" in resident_page and "承诺不实" in resident_page  # the timeline names the step and its reason
    cards = login(personas.resident_a).get(reverse("requests:my_requests")).content.decode()
    assert "已撤销" in cards and "已出具" not in cards

    queue = login(personas.staff_x).get(reverse("desk:queue") + "?tab=closed").content.decode()
    assert reverse("desk:detail", args=[issued.pk]) in queue and "已撤销" in queue
    signed_tab = login(personas.staff_x).get(reverse("desk:queue") + "?tab=signed").content.decode()
    assert reverse("desk:detail", args=[issued.pk]) not in signed_tab

    response = login(personas.county_officer).get(reverse("desk:county"))
    counts = dict(
        zip(
            [str(label) for label in response.context["status_labels"]],
            response.context["totals"]["counts"],
            strict=True,
        )
    )
    assert counts["已撤销"] == 1 and counts["已出具"] == 0


def test_a_withdrawn_request_reads_withdrawn_for_the_resident_and_the_desk(personas, login, item):
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status="submitted")
    workflow.withdraw(request_id=request.pk, actor=personas.resident_a)
    page = login(personas.resident_a).get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert "已撤回" in page and "撤回申请" in page
    queue = login(personas.staff_x).get(reverse("desk:queue") + "?tab=closed").content.decode()
    assert reverse("desk:detail", args=[request.pk]) in queue and "已撤回" in queue
    assert Status(request.__class__.objects.get(pk=request.pk).status) == Status.WITHDRAWN
