"""Work-access in a browser: a department officer applies (390 px), the county officer refuses with where the data
can be had (1280 px), and anyone reads the decision on the county's public page."""

import pytest
from playwright.sync_api import expect

from certificates.models import RequestingBody, RequestingBodyKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_department_applies_and_the_county_decides_in_public(personas, browser, live_server, sign_in, shoot, open_page):
    RequestingBody.objects.create(
        county=personas.yanta, name="雁塔区人力资源和社会保障局", kind=RequestingBodyKind.DEPARTMENT
    )
    phone = open_page("phone")
    sign_in(phone, personas.department_officer)
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/desk/work-access/")
    phone.get_by_label("拟要求社区出具的证明").fill("灵活就业人员参保状况证明")
    phone.get_by_label("法律依据（法律法规名称和条款）").fill("《社会保险法》第十条")
    phone.get_by_label("部门不能自行核实的原因").fill("登记信息未共享")
    phone.get_by_label("需要证明的信息").fill("是否在本社区灵活就业")
    shoot(phone, "apply-390")
    phone.get_by_role("button", name="提交准入申请").click()
    expect(phone.get_by_text("请填写此项。").first).to_be_visible()
    expect(phone.get_by_label("部门不能自行核实的原因")).to_have_value("登记信息未共享")
    phone.get_by_label("预计频次（如每年约200件）").fill("每年约200件")
    phone.get_by_role("button", name="提交准入申请").click()
    expect(phone.get_by_text("已提交，等待区县作出准入决定。")).to_be_visible()

    page = open_page("desktop")
    sign_in(page, personas.county_officer)
    page.goto("/desk/work-access/county/610113000000/")
    page.get_by_label("决定理由").fill("法律未规定由社区证明")
    page.get_by_label("不予准入时：部门可从何处取得所需信息").fill("省人社数据共享平台查询，或申请人告知承诺")
    shoot(page, "county-1280")
    page.get_by_role("button", name="作出决定").click()
    expect(page.get_by_text("已作出不予准入决定。")).to_be_visible()

    public = open_page("phone")
    public.goto("/requests/work-access/610113000000/")
    expect(public.get_by_text("省人社数据共享平台查询")).to_be_visible()
    shoot(public, "public-390")
