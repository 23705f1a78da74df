import pytest

from catalog.models import IssuableItem


@pytest.fixture
def item(db) -> IssuableItem:
    """亲属关系证明（仅限公证）: 5 working days, no deliberation (雁塔区 catalog)."""
    return IssuableItem.objects.get(code="610113-ZM01")


@pytest.fixture
def deliberation_item(db) -> IssuableItem:
    return IssuableItem.objects.get(code="610113-ZM08")
