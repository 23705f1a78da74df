"""Issuances on one seal are not serialised by the PDF render: the seal's row is locked only after the render.

On the real PostgreSQL server: while the certificate renders, another connection can lock the same seal row at
once (NOWAIT). With the render inside the lock, two workers issued no faster than one.
"""

import threading
from unittest import mock

import pytest
from django.db import DatabaseError, connection, connections, transaction

from certificates import issuance, workflow
from seals.models import Seal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_seal_row_is_free_while_the_certificate_renders(personas, signed_request, seal):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL proof; CI runs this file in its PostgreSQL pass")
    seen: dict[str, object] = {}
    real_render = issuance.render_pdf

    def lock_from_elsewhere() -> None:
        try:
            with transaction.atomic():
                Seal.objects.select_for_update(nowait=True).get(pk=seal.pk)
            seen["free"] = True
        except DatabaseError as error:
            seen["free"] = False
            seen["error"] = error
        finally:
            connections.close_all()

    def render_and_probe(html: str, **kwargs) -> bytes:
        probe = threading.Thread(target=lock_from_elsewhere)
        probe.start()
        probe.join(timeout=30)
        return real_render(html, **kwargs)

    with mock.patch.object(issuance, "render_pdf", render_and_probe):
        workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    assert seen == {"free": True}, seen
