"""Walk every (from state × to state × role) and check which moves are allowed.

The expected table below is written out independently of certificates/workflow.py on purpose: it is the
policy as a reader would state it, and the workflow must agree with it.
"""

import itertools

import pytest

from certificates.models import Status
from certificates.workflow import TRANSITIONS, can
from tests.factories import make_request

S = Status
APPLICANT, STAFF, DIRECTOR = "resident_a", "staff_x", "director"
OPEN = [S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.VERIFIED, S.AWAITING_DELIBERATION, S.AWAITING_SIGNATURE]

# For an item WITHOUT deliberation, verified by staff_x (so the director may sign).
EXPECTED: dict[tuple[str, str], set[str]] = {
    (S.DRAFT, S.SUBMITTED): {APPLICANT, STAFF},
    (S.SUBMITTED, S.AWAITING_SUPPLEMENT): {STAFF, DIRECTOR},
    (S.VERIFIED, S.AWAITING_SUPPLEMENT): {STAFF, DIRECTOR},
    (S.AWAITING_SUPPLEMENT, S.SUBMITTED): {APPLICANT, STAFF},
    (S.SUBMITTED, S.VERIFIED): {STAFF, DIRECTOR},
    (S.VERIFIED, S.AWAITING_SIGNATURE): {STAFF, DIRECTOR},
    (S.AWAITING_DELIBERATION, S.VERIFIED): {STAFF, DIRECTOR},  # by recording the deliberation (back to staff)
    (S.AWAITING_SIGNATURE, S.VERIFIED): {DIRECTOR},
    (S.AWAITING_SIGNATURE, S.SIGNED): {DIRECTOR},
    (S.SIGNED, S.ISSUED): {"keeper"},
    (S.SIGNED, S.CANCELLED): {DIRECTOR},
    (S.ISSUED, S.REVOKED): {DIRECTOR},
    (S.DRAFT, S.WITHDRAWN): {APPLICANT},
    **{(s, S.REJECTED): {STAFF, DIRECTOR} for s in OPEN},
}
for s in OPEN:
    EXPECTED[(s, S.WITHDRAWN)] = {APPLICANT}

ROLES = ["resident_a", "resident_b", "staff_x", "staff_y", "director", "keeper", "county_officer"]


def allowed(user, request, target: str) -> bool:
    return any(t.target == target and can(user, request, t.action) for t in TRANSITIONS.values())


@pytest.mark.parametrize("source", list(Status))
def test_every_move_from_every_state_for_every_role(personas, item, source):
    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=source,
        verified_by=personas.staff_x,
    )
    mismatches = []
    for target, role in itertools.product(list(Status), ROLES):
        expected = role in EXPECTED.get((source, target), set())
        if allowed(getattr(personas, role), request, target) != expected:
            mismatches.append(f"{source}→{target} as {role}: expected {'allowed' if expected else 'refused'}")
    assert mismatches == []
