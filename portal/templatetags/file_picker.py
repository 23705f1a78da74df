"""{% file_picker "pdf" id="verify-pdf" accept="application/pdf" %}: the portal's file picker (portal.widgets) in a
hand-written form. Attribute names take '-' for '_' (aria_describedby -> aria-describedby).

The input's id (given, or id_<name>) is unique on the page: two pickers of one name (two forms, a partial included
twice) get id_pdf and id_pdf-2, each picker's <label for> naming its own input. The ids used are kept on the request
(one page, through every include), or on the template context when there is no request."""

from django import template

from portal.widgets import FilePicker

register = template.Library()


def _unique_id(context: template.Context, wanted: str) -> str:
    holder = context.get("request") or context
    used = getattr(holder, "_file_picker_ids", None)
    if used is None:
        used = set()
        holder._file_picker_ids = used
    candidate, n = wanted, 1
    while candidate in used:
        n += 1
        candidate = f"{wanted}-{n}"
    used.add(candidate)
    return candidate


@register.simple_tag(takes_context=True)
def file_picker(context: template.Context, name: str, **attrs):
    attrs = {key.replace("_", "-"): value for key, value in attrs.items()}
    attrs["id"] = _unique_id(context, str(attrs.get("id") or f"id_{name}"))
    return FilePicker(attrs=attrs).render(name, None)
