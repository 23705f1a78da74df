"""Pages hide nothing and promise nothing they don't do: the action column points to the revoke and post-check forms
instead of saying there is nothing to do; 需事后核查 only where a post-check can happen; a specimen seal's name does not
print 样章 twice."""

from django.urls import reverse

from certificates import workflow
from certificates.models import Status
from seals.models import Seal
from tests.factories import make_request


def test_the_directors_page_points_to_revoke_instead_of_saying_nothing_to_do(personas, login, signed_request, seal):
    issued = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    page = login(personas.director).get(reverse("desk:detail", args=[issued.pk])).content.decode()
    assert "当前没有您可以执行的操作" not in page
    assert "本页可以办理" in page and f'href="#certificate-panel-{issued.pk}">撤销证明' in page
    staff_page = login(personas.staff_x).get(reverse("desk:detail", args=[issued.pk])).content.decode()
    assert "本页可以办理" not in staff_page  # staff cannot revoke: nothing promised


def test_withdrawn_and_rejected_requests_are_not_tagged_for_post_check(personas, login, item):
    made = {
        status: make_request(
            community=personas.community_x,
            item=item,
            applicant=personas.resident_a,
            status=status,
            post_check_required=True,
        )
        for status in (Status.WITHDRAWN, Status.REJECTED, Status.SIGNED)
    }
    closed = login(personas.staff_x).get(reverse("desk:queue") + "?tab=closed").content.decode()
    assert reverse("desk:detail", args=[made[Status.WITHDRAWN].pk]) in closed and "需事后核查" not in closed
    for status in (Status.WITHDRAWN, Status.REJECTED):
        page = login(personas.staff_x).get(reverse("desk:detail", args=[made[status].pk])).content.decode()
        assert "需事后核查" not in page
    signed = login(personas.staff_x).get(reverse("desk:queue") + "?tab=signed").content.decode()
    assert "需事后核查" in signed


def test_a_specimen_seals_name_does_not_print_specimen_twice(personas, login, signed_request):
    Seal.objects.create(
        community=personas.community_x, name="育才路社区证明专用章（样章）", keeper=personas.keeper, is_specimen=True
    )
    page = login(personas.keeper).get(reverse("issuance:keeper_queue")).content.decode()
    assert "育才路社区证明专用章（样章）</option>" in page and "（样章）（样章）" not in page
