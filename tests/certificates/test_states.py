"""The one classification of request states (certificates/workflow.py, beside the table): every state is classified,
and the desk tabs, overdue flags, post-check queue, badges and county statistics read it."""

import pytest
from django.urls import reverse

from certificates import workflow
from certificates.models import Status
from certificates.views.staff import TABS
from tests.factories import make_request


def test_every_state_is_classified():
    """Fails when a state is added without saying whether it is open, overdue-able, counted, terminal…"""
    assert set(workflow.STATES) == set(Status.values)


def test_the_classification_agrees_with_the_transition_table():
    assert workflow.OPEN_BEFORE_SIGNING == workflow.OPEN_STATES
    leaving = {source for t in workflow.TRANSITIONS.values() for source in t.sources}
    assert workflow.TERMINAL_STATES == set(Status.values) - leaving
    assert workflow.OVERDUE_STATES <= workflow.OPEN_STATES
    assert workflow.POST_CHECK_STATES.isdisjoint(workflow.OPEN_STATES)


def test_every_handed_in_state_is_on_exactly_one_desk_tab_and_in_the_statistics():
    for status in Status.values:
        tabs = [tab.key for tab in TABS if status in tab.statuses]
        if status == Status.DRAFT:
            assert tabs == [] and status not in workflow.STATISTICS_STATES
        else:
            assert len(tabs) == 1, (status, tabs)
            assert status in workflow.STATISTICS_STATES


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.WITHDRAWN, Status.REJECTED, Status.ISSUED, Status.REVOKED])
def test_the_county_statistics_count_every_state_a_resident_handed_in(personas, login, item, status):
    make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status=status)
    response = login(personas.county_officer).get(reverse("desk:county"))
    labels = [str(label) for label in response.context["status_labels"]]
    row = next(r for r in response.context["rows"] if r["community"] == personas.community_x)
    counts = dict(zip(labels, row["counts"], strict=True))
    assert counts[str(Status(status).label)] == 1
    assert sum(response.context["totals"]["counts"]) == 1


def test_the_badge_colour_comes_from_the_classification(personas, login, item):
    request = make_request(
        community=personas.community_x, item=item, applicant=personas.resident_a, status=Status.AWAITING_SUPPLEMENT
    )
    page = login(personas.staff_x).get(reverse("desk:detail", args=[request.pk])).content.decode()
    assert f'text-bg-{workflow.STATES[Status.AWAITING_SUPPLEMENT].tone}">{Status.AWAITING_SUPPLEMENT.label}' in page
