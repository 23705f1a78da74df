"""The director signs from the 待主任签字 list: sign-in lands there, each row shows the certificate's full text and
signs with the workflow's own checks and the revision the list showed; ticked matters are signed together only when
no deliberation was needed, each with its own register line."""

import re

from django.urls import reverse

from certificates import workflow
from certificates.models import CertificateRequest, RegisterEntry, Status
from tests.factories import make_request

X = "610113001001"
SIGN = reverse("desk:sign_from_list")
FIELDS = {"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"}


def waiting(personas, item, **extra):
    values = {"verified_by": personas.staff_x, "field_values": FIELDS, **extra}
    return make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        **values,
    )


def test_a_director_lands_on_the_signature_list_after_signing_in(personas, client):
    from tests.browser.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": personas.director.username, "password": PASSWORD})
    assert "tab%3Dsignature" in response["Location"] or "tab=signature" in response["Location"]
    staff = client.__class__()
    response = staff.post(reverse("login"), {"username": personas.staff_x.username, "password": PASSWORD})
    assert "signature" not in response["Location"]


def test_the_list_shows_the_certificate_text_and_signs_one_matter_in_one_click(personas, login, item):
    request = waiting(personas, item)
    client = login(personas.director)
    page = client.get(reverse("desk:queue") + "?tab=signature").content.decode()
    assert "certificate-preview" in page and "李四" in page and "签字批准并登记" in page
    assert f'name="only" value="{request.pk}:{request.revision}"' in page
    response = client.post(SIGN, {"community": X, "only": f"{request.pk}:{request.revision}"})
    assert response.status_code == 302 and "tab=signature" in response["Location"]
    request.refresh_from_db()
    assert request.status == Status.SIGNED and request.signed_by == personas.director
    assert "已签字" in client.get(response["Location"]).content.decode()


def test_a_stale_row_is_not_signed(personas, login, item):
    request = waiting(personas, item)
    seen = request.revision
    workflow.send_back(request_id=request.pk, actor=personas.director, reason="请补充核实")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    client = login(personas.director)
    response = client.post(SIGN, {"community": X, "only": f"{request.pk}:{seen}"}, follow=True)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SIGNATURE and not RegisterEntry.objects.exists()
    assert "页面已过期" in response.content.decode()


def test_the_list_signs_with_the_workflows_checks(personas, login, item):
    own = waiting(personas, item, verified_by=personas.director)  # four eyes: the director verified it
    page = login(personas.director).get(reverse("desk:queue") + "?tab=signature").content.decode()
    assert f'value="{own.pk}:' not in page  # no button where the workflow refuses
    login(personas.director).post(SIGN, {"community": X, "only": f"{own.pk}:{own.revision}"})
    own.refresh_from_db()
    assert own.status == Status.AWAITING_SIGNATURE
    # and only the director signs
    other = waiting(personas, item)
    login(personas.staff_x).post(SIGN, {"community": X, "only": f"{other.pk}:{other.revision}"})
    other.refresh_from_db()
    assert other.status == Status.AWAITING_SIGNATURE


def test_ticked_matters_are_signed_each_with_its_own_register_line(personas, login, item, deliberation_item):
    first, second = waiting(personas, item), waiting(personas, item)
    needs_deliberation = waiting(personas, deliberation_item)
    page = login(personas.director).get(reverse("desk:queue") + "?tab=signature").content.decode()
    assert f'name="matter" value="{first.pk}:' in page and f'name="matter" value="{needs_deliberation.pk}:' not in page
    response = login(personas.director).post(
        SIGN,
        {
            "community": X,
            "matter": [f"{r.pk}:{r.revision}" for r in (first, second, needs_deliberation)],
        },
        follow=True,
    )
    statuses = dict(CertificateRequest.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == Status.SIGNED
    assert statuses[needs_deliberation.pk] == Status.AWAITING_SIGNATURE
    numbers = sorted(RegisterEntry.objects.values_list("request_id", "number"))
    assert [pk for pk, _ in numbers] == sorted([first.pk, second.pk]) and len({n for _, n in numbers}) == 2
    page = response.content.decode()
    assert len(re.findall("已签字：", page)) == 2 and "须经居民议事协商的事项须逐件签字" in page


def test_bulk_signing_is_refused_by_the_workflow_for_a_deliberation_item(personas, deliberation_item):
    request = waiting(personas, deliberation_item)
    outcomes = workflow.sign_many(actor=personas.director, matters=[(request.pk, request.revision)])
    assert outcomes[0].signed is None and "议事协商" in outcomes[0].refusal
