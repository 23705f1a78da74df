"""The portal's file picker: every upload field uses it (forms through FilePicker, hand-written forms through the
{% file_picker %} tag in portal/templatetags/file_picker.py).

A browser's own <input type=file> speaks the browser's language: Chromium in English shows "Choose File" and "No file
chosen" on a Chinese page. Here the real input stays in the page, visually hidden but focusable (Tab reaches it,
Space or Enter opens the chooser), and a real <label for> styled as a button says 选择文件; beside it the chosen
names, or 未选择文件, written by static/portal/js/file-picker.js (a static file: the CSP allows no inline script).
"""

from __future__ import annotations

import itertools
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

_unnamed = itertools.count(1)


class FilePicker(forms.FileInput):
    template_name = "portal/widgets/file_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, button_text: str | None = None) -> None:
        super().__init__(attrs)
        self.button_text = button_text

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        attrs = widget["attrs"]
        # A form gives its auto_id (with its prefix: two forms on a page need different prefixes, as for any field);
        # without one (auto_id=False) the id is numbered, so that two such pickers of one name never share it.
        input_id = attrs.get("id") or f"id_{name}-{next(_unnamed)}"
        attrs["id"] = input_id
        names_id = f"{input_id}-chosen"
        # Screen readers hear the chosen names with the field (after its error and help, which come first).
        attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby", ""), names_id]))
        # Classes meant for a visible text box (form-control) do not apply to the hidden input; is-invalid does.
        classes = [c for c in str(attrs.get("class", "")).split() if c not in ("form-control", "form-control-lg")]
        attrs["class"] = " ".join(["file-picker-input", "visually-hidden", *classes])
        widget.update(
            button_text=self.button_text or _("选择文件"),
            names_id=names_id,
            invalid=str(attrs.get("aria-invalid", "")).lower() == "true" or "is-invalid" in classes,
            required_marker=str(attrs.get("aria-required", "")).lower() == "true",
        )
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        # The project's template engine (templates/ is not searched by the default form renderer); a rendered
        # template is already a SafeString, its values escaped.
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class MultipleFilePicker(FilePicker):
    """Several files in one input (the chosen names are listed, separated by 、)."""

    allow_multiple_selected = True
