import io
import os
import time

from django.core.management import call_command

from certificates import services
from tests.certificates.test_services import kinship_input


def test_files_without_a_record_are_found_and_removed_but_referenced_ones_stay(personas, item, settings):
    request = services.request_create(
        community=personas.community_x,
        item=item,
        actor=personas.resident_a,
        applicant=personas.resident_a,
        data=kinship_input(personas.resident_a),
    )
    kept = request.attachments.first().file.path
    orphan = os.path.join(settings.MEDIA_ROOT, "requests", "2026", "01", "left-behind.pdf")
    os.makedirs(os.path.dirname(orphan), exist_ok=True)
    with open(orphan, "wb") as handle:
        handle.write(b"%PDF-1.4 orphan")
    old = time.time() - 7200
    for path in (orphan, kept):
        os.utime(path, (old, old))
    out = io.StringIO()
    call_command("clean_orphan_uploads", stdout=out)
    assert "left-behind.pdf" in out.getvalue() and os.path.exists(orphan)  # a dry run by default
    call_command("clean_orphan_uploads", "--delete", stdout=io.StringIO())
    assert not os.path.exists(orphan) and os.path.exists(kept)


def test_a_paper_certificates_stub_is_never_taken_for_an_orphan(personas, signed_request, seal, settings):
    from certificates import workflow
    from certificates.models import IssuedCertificate

    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk, paper=True, copies=2)
    stub = IssuedCertificate.objects.get(entry__request=request).stub_pdf
    old = time.time() - 7200
    os.utime(stub.path, (old, old))
    call_command("clean_orphan_uploads", "--delete", stdout=io.StringIO())
    assert stub.storage.exists(stub.name)  # the community's file copy of a permanent record


def test_orphans_are_found_in_the_object_store_too(personas, item, settings, object_storage):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    kept = services.request_create(
        community=personas.community_x,
        item=item,
        actor=personas.resident_a,
        applicant=personas.resident_a,
        data=kinship_input(personas.resident_a),
    ).attachments.first()
    orphan = default_storage.save("requests/2026/01/left-behind.pdf", ContentFile(b"%PDF-1.4 orphan"))
    call_command("clean_orphan_uploads", "--delete", "--min-age-minutes", "-1", stdout=io.StringIO())
    assert not default_storage.exists(orphan) and default_storage.exists(kept.file.name)
