"""Seal rules through seals.services: registering and handing over only to keepers, retiring for good, the
permanent ledger, and non-certificate use (asked, approved by the director, applied by a different keeper)."""

import pytest

from portal.roles import Role
from seals import services
from seals.models import LedgerRecordError, Seal, SealHandover, SealStatus, SealUse, UseRequestStatus
from seals.services import SealRuleError
from tests.factories import UserFactory, member


@pytest.fixture
def seal(personas) -> Seal:
    return services.seal_register(
        community=personas.community_x,
        name="育才路社区居民委员会证明专用章",
        kind="certificate",
        keeper=personas.keeper,
        actor=personas.director,
        is_specimen=True,
    )


def approved_use(personas, seal, *, title="关于申报社区养老服务站的报告", decider=None):
    use_request = services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title=title, reason="报送街道办事处", copies=2
    )
    return services.use_request_decide(use_request=use_request, actor=decider or personas.director, approve=True)


def test_register_records_who_and_needs_a_keeper_of_the_community(personas, seal):
    assert seal.history.get().history_user == personas.director
    with pytest.raises(SealRuleError, match="保管人"):
        services.seal_register(
            community=personas.community_x,
            name="第二枚章",
            kind="official",
            keeper=personas.staff_x,
            actor=personas.director,
        )
    with pytest.raises(SealRuleError, match="社区主任或区县民政干部"):
        services.seal_register(
            community=personas.community_x,
            name="第二枚章",
            kind="official",
            keeper=personas.keeper,
            actor=personas.staff_x,
        )
    officer_seal = services.seal_register(
        community=personas.community_x,
        name="育才路社区居民委员会",
        kind="official",
        keeper=personas.keeper,
        actor=personas.county_officer,
    )
    assert officer_seal.pk and Seal.objects.count() == 2


def test_handover_goes_to_another_keeper_and_is_kept(personas, seal):
    with pytest.raises(SealRuleError, match="接收人必须是本社区的印章保管人"):
        services.seal_handover(seal=seal, to_keeper=personas.staff_x, actor=personas.director)
    new_keeper = UserFactory(username="keeper2", real_name="新保管人")
    member(new_keeper, Role.KEEPER, personas.community_x)
    services.seal_handover(seal=seal, to_keeper=new_keeper, actor=personas.director, note="岗位调整")
    seal.refresh_from_db()
    handover = SealHandover.objects.get()
    assert (seal.keeper, handover.from_keeper, handover.ordered_by) == (new_keeper, personas.keeper, personas.director)
    latest = seal.history.first()
    assert latest.history_change_reason == "交接" and latest.history_user == personas.director


def test_a_retired_or_lost_seal_cannot_be_applied_nor_brought_back(personas, seal):
    use_request = approved_use(personas, seal)
    with pytest.raises(SealRuleError, match="原因"):
        services.seal_set_status(seal=seal, status=SealStatus.LOST, reason="  ", actor=personas.director)
    services.seal_set_status(seal=seal, status=SealStatus.LOST, reason="办公室失窃，已报案", actor=personas.director)
    with pytest.raises(SealRuleError, match="不能使用"):
        services.use_request_apply(use_request=use_request, actor=personas.keeper)
    with pytest.raises(SealRuleError, match="不能恢复使用"):
        services.seal_set_status(seal=seal, status=SealStatus.IN_USE, reason="找到了", actor=personas.director)
    assert not SealUse.objects.exists()


def test_retired_seal_is_refused_by_seal_apply_itself(personas, seal):
    services.seal_set_status(seal=seal, status=SealStatus.RETIRED, reason="更换新章", actor=personas.county_officer)
    seal.refresh_from_db()
    assert seal.status_changed_on is not None and seal.history.first().history_change_reason == "更换新章"
    with pytest.raises(SealRuleError, match="已停用"):
        services.seal_apply(
            seal=seal,
            applied_by=personas.keeper,
            approved_by=personas.director,
            document_kind="other",
            document_title="测试",
        )


def test_a_pending_request_cannot_be_applied(personas, seal):
    use_request = services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title="情况说明", reason="报送区民政局"
    )
    with pytest.raises(SealRuleError, match="未经批准"):
        services.use_request_apply(use_request=use_request, actor=personas.keeper)
    with pytest.raises(SealRuleError, match="社区主任批准"):
        services.use_request_decide(use_request=use_request, actor=personas.staff_x, approve=True)
    assert not SealUse.objects.exists()


def test_approved_by_the_director_and_applied_by_the_keeper_makes_one_ledger_row(personas, seal):
    use_request = approved_use(personas, seal)
    with pytest.raises(SealRuleError, match="保管人"):
        services.use_request_apply(use_request=use_request, actor=personas.staff_x)
    use = services.use_request_apply(use_request=use_request, actor=personas.keeper)
    assert (use.approved_by, use.applied_by, use.copies, use.document_kind) == (
        personas.director,
        personas.keeper,
        2,
        "other",
    )
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.APPLIED
    with pytest.raises(SealRuleError):
        services.use_request_apply(use_request=use_request, actor=personas.keeper)
    assert SealUse.objects.count() == 1


def test_the_director_who_is_also_keeper_cannot_apply_what_they_approved(personas, seal):
    member(personas.director, Role.KEEPER, personas.community_x)
    services.seal_handover(seal=seal, to_keeper=personas.director, actor=personas.county_officer)
    seal.refresh_from_db()
    use_request = approved_use(personas, seal)
    with pytest.raises(SealRuleError, match="审批人与保管人不得为同一人"):
        services.use_request_apply(use_request=use_request, actor=personas.director)
    assert not SealUse.objects.exists()


def test_ledger_rows_are_permanent(personas, seal):
    use = services.use_request_apply(use_request=approved_use(personas, seal), actor=personas.keeper)
    use.copies = 5
    with pytest.raises(LedgerRecordError):
        use.save()
    with pytest.raises(LedgerRecordError):
        use.delete()
    with pytest.raises(LedgerRecordError):
        SealUse.objects.filter(pk=use.pk).update(copies=5)
    with pytest.raises(LedgerRecordError):
        SealUse.objects.filter(pk=use.pk).delete()
    with pytest.raises(LedgerRecordError):
        SealUse.objects.all().delete()
    assert SealUse.objects.get(pk=use.pk).copies == 2
