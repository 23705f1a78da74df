"""Village or community wording in templates: `{% with t=community|terms %}{{ t.here }}…{% endwith %}` for our own
sentences, `{{ step|in_words_of:community }}` for text written once for both kinds (portal.terms)."""

from django import template

from portal import terms as wording

register = template.Library()


@register.filter
def terms(region) -> dict[str, str]:
    return wording.community_terms(region)


@register.filter
def in_words_of(text, region) -> str:
    return wording.in_words_of(region, text)


@register.filter
def role_in(role, region) -> str:
    """`{{ m.role|role_in:m.region }}`: 村委会主任 for a village's director."""
    return wording.role_label(role, region)
