"""{% load places %} {% with t=community|terms %}{{ t.here }}…{% endwith %}: village or community wording."""

from django import template

from portal.terms import community_terms

register = template.Library()


@register.filter
def terms(region) -> dict[str, str]:
    return community_terms(region)
