"""{% file_picker "pdf" id="verify-pdf" accept="application/pdf" %}: the portal's file picker (portal.widgets) in a
hand-written form. Attribute names take '-' for '_' (aria_describedby -> aria-describedby)."""

from django import template

from portal.widgets import FilePicker

register = template.Library()


@register.simple_tag
def file_picker(name: str, **attrs):
    return FilePicker(attrs={key.replace("_", "-"): value for key, value in attrs.items()}).render(name, None)
