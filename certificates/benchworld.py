"""A throwaway community for `manage.py bench`: its people, a seal, and requests signed and ready for the seal, made
through the real services so that the bench's issuance goes the whole way (the caller rolls everything back)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import IssuableItem
from certificates import workflow
from certificates.models import CertificateRequest, Status
from portal.demo import demo_id_number
from portal.models import Membership, Region, User
from portal.regions import CommunityKind, Level
from portal.roles import Role
from seals.models import Seal

COUNTY = "610113000000"  # 雁塔区, from the reference-data migration


@dataclass
class World:
    community: Region
    item: IssuableItem
    staff: User
    director: User
    keeper: User
    seal: Seal
    applicant_id: str


def issuance_world() -> World:
    import datetime as dt

    county = Region.objects.get(code=COUNTY)
    street = Region.objects.create(code="610113999000", name="测速街道", level=Level.STREET, parent=county)
    community = Region.objects.create(
        code="610113999001",
        name="育才路社区居民委员会",
        level=Level.COMMUNITY,
        parent=street,
        community_kind=CommunityKind.RESIDENTS_COMMITTEE,
        phone="029-85210001",
    )

    def person(username: str, role: str) -> User:
        user = User.objects.create(username=f"bench-{username}", real_name=username)
        Membership.objects.create(user=user, role=role, region=community)
        return user

    staff, director, keeper = (
        person("钱晓东", Role.STAFF),
        person("赵主任", Role.DIRECTOR),
        person("孙保管", Role.KEEPER),
    )
    seal = Seal.objects.create(
        community=community, name="育才路社区居民委员会证明专用章", keeper=keeper, is_specimen=True
    )
    item = IssuableItem.objects.get(code="610113-ZM01")
    return World(community, item, staff, director, keeper, seal, demo_id_number("610113", dt.date(1980, 5, 1), 7))


def signed_request(world: World) -> CertificateRequest:
    request = CertificateRequest.objects.create(
        community=world.community,
        item=world.item,
        applicant_name="王小明",
        applicant_id_number=world.applicant_id,
        created_by=world.staff,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        status=Status.AWAITING_SIGNATURE,
        verified_by=world.staff,
    )
    return workflow.sign(request_id=request.pk, actor=world.director)
