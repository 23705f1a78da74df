import pytest
from django.core.management import CommandError, call_command

from portal.models import Membership, Region, User
from portal.regions import Level
from portal.roles import Role


@pytest.mark.django_db
def test_seed_demo_refuses_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Region.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Region.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    communities = Region.objects.filter(level=Level.COMMUNITY)
    assert communities.filter(community_kind="villagers_committee").exists()
    assert communities.filter(community_kind="residents_committee").count() >= 3
    assert "demo-pass-2026" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_makes_larger_datasets(settings):
    settings.DEBUG = True
    call_command("seed_demo", communities=7, residents=12)
    communities = Region.objects.filter(level=Level.COMMUNITY)
    assert communities.count() == 5 + 7
    for community in communities:
        assert Membership.objects.filter(region=community, role=Role.RESIDENT).count() >= 12
    resident = Membership.objects.filter(role=Role.RESIDENT).exclude(user__username__startswith="resident_").first()
    resident.user.full_clean()  # generated ID numbers are valid
