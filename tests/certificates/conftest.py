import pytest

from catalog.models import IssuableItem


@pytest.fixture
def item(db) -> IssuableItem:
    """亲属关系证明（仅限公证）: 5 working days, no deliberation (雁塔区 catalog)."""
    return IssuableItem.objects.get(code="610113-ZM01")


@pytest.fixture
def deliberation_item(db) -> IssuableItem:
    return IssuableItem.objects.get(code="610113-ZM08")


@pytest.fixture
def seal(personas):
    from seals.models import Seal

    return Seal.objects.create(
        community=personas.community_x, name="育才路社区居民委员会证明专用章", keeper=personas.keeper, is_specimen=True
    )


@pytest.fixture
def signed_request(personas, item):
    """A request verified by staff_x and signed by the director, ready for the seal."""
    from certificates import workflow
    from tests.factories import make_request

    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status="awaiting_signature",
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
    )
    return workflow.sign(request_id=request.pk, actor=personas.director)


@pytest.fixture
def real_seal(personas):
    """A seal with an uploaded impression (a drawn red ring): what it issues is a real certificate, not a specimen."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from seals.models import Seal

    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(200, 0, 0, 255), width=6)
    png = io.BytesIO()
    image.save(png, format="PNG")
    return Seal.objects.create(
        community=personas.community_x,
        name="育才路社区居民委员会证明专用章",
        keeper=personas.keeper,
        impression=SimpleUploadedFile("seal.png", png.getvalue(), "image/png"),
    )
