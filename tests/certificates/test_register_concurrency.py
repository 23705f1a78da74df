"""Concurrency proof on the real PostgreSQL server: gapless, unique register numbers under parallel signing."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from certificates import workflow
from certificates.models import RegisterEntry, Status
from tests.factories import make_request

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Boom(Exception):
    pass


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL proof; CI runs this file in its PostgreSQL pass")


def make_requests(personas, item, n):
    return [
        make_request(
            community=personas.community_x,
            item=item,
            applicant=personas.resident_a,
            status=Status.AWAITING_SIGNATURE,
            verified_by=personas.staff_x,
        ).pk
        for _ in range(n)
    ]


def run_in_threads(pks, director, *, doomed=frozenset(), threads=8):
    barrier = threading.Barrier(threads)
    chunks = [pks[i::threads] for i in range(threads)]
    errors = []

    def work(chunk):
        barrier.wait()  # start together so signings really overlap
        try:
            for pk in chunk:
                if pk in doomed:
                    try:
                        with transaction.atomic():
                            workflow.sign(request_id=pk, actor=director)  # takes a number …
                            raise Boom  # … then the whole signing rolls back
                    except Boom:
                        pass
                else:
                    workflow.sign(request_id=pk, actor=director)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, chunks))
    return errors


def test_two_hundred_parallel_signings_leave_numbers_one_to_n(personas, item):
    require_postgresql()
    pks = make_requests(personas, item, 200)
    doomed = frozenset(pks[::9])
    errors = run_in_threads(pks, personas.director, doomed=doomed)
    assert errors == []
    numbers = sorted(RegisterEntry.objects.filter(community=personas.community_x).values_list("number", flat=True))
    assert numbers == list(range(1, 200 - len(doomed) + 1))
    assert RegisterEntry.objects.filter(request_id__in=doomed).count() == 0


def test_first_signing_of_a_new_year_raced_by_many_threads(personas, item, monkeypatch):
    require_postgresql()
    new_year = dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    monkeypatch.setattr(workflow.timezone, "now", lambda: new_year)
    pks = make_requests(personas, item, 16)
    assert run_in_threads(pks, personas.director, threads=16) == []
    numbers = sorted(RegisterEntry.objects.filter(year=2027).values_list("number", flat=True))
    assert numbers == list(range(1, 17))
