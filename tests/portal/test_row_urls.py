"""{% row_url %} (portal/templatetags/row_urls.py) gives exactly what {% url %} gives, for every row of a list."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from certificates.models import Status, status_label

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load row_urls %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("view_name", "value"),
    [
        ("desk:detail", 7),
        ("desk:detail", 123456789),
        ("requests:detail", 42),
        ("desk:register", "610113001001"),
        ("desk:four_eyes", "610113002001"),
        ("catalog:community_detail", "610113001001"),
    ],
)
def test_row_url_is_what_reverse_gives(view_name, value):
    expected = reverse(view_name, args=[value])
    assert render("{% row_url name value %}", name=view_name, value=value) == expected
    # A second row of the same list takes the remembered route.
    assert render("{% row_url name value %}", name=view_name, value=value) == expected


def test_a_value_that_is_not_digits_goes_through_reverse():
    # An int route refuses a word, as {% url %} does; a str route takes it, quoted by reverse().
    with pytest.raises(NoReverseMatch):
        render("{% row_url 'desk:detail' value %}", value="abc")
    assert render("{% row_url 'desk:register' value %}", value="a b") == reverse("desk:register", args=["a b"])


def test_the_script_prefix_is_part_of_the_route():
    plain = render("{% row_url 'desk:detail' 5 %}")
    set_script_prefix("/portal/")
    try:
        assert render("{% row_url 'desk:detail' 5 %}") == "/portal" + plain
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_status_label_is_get_status_display(language):
    from certificates.models import CertificateRequest

    with translation.override(language):
        for status in Status:
            assert status_label(status.value) == CertificateRequest(status=status.value).get_status_display()
