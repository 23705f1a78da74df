"""Upload fields speak Chinese whatever the browser's language: every <input type=file> on the upload pages is the
portal's file picker (portal/widgets.py), visually hidden but focusable, with a real <label for> saying 选择文件 and
the chosen names (未选择文件 until a file is chosen) beside it. Chromium's own "Choose File" / "No file chosen" is
never on the screen. The names are written by a static script (the CSP allows no inline script)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from certificates import workflow
from certificates.models import IssuedCertificate
from portal.widgets import FilePicker, MultipleFilePicker

ROOT = Path(settings.BASE_DIR)


class Elements(HTMLParser):
    """Start tags in document order, with the data-file-picker wrapper each one sits in (if any)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], int | None]] = []
        self._stack: list[tuple[str, int | None]] = []
        self._pickers = 0
        self.text_by_label: dict[str, str] = {}
        self._label_for: str | None = None
        self.picker_texts: dict[int, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        picker = self._stack[-1][1] if self._stack else None
        if "data-file-picker" in attributes:
            self._pickers += 1
            picker = self._pickers
            self.picker_texts[picker] = ""
        self.tags.append((tag, attributes, picker))
        if tag == "label" and attributes.get("for"):
            self._label_for = attributes["for"]
            self.text_by_label.setdefault(self._label_for, "")
        if tag not in ("input", "br", "img", "meta", "link"):
            self._stack.append((tag, picker))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_for = None
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._label_for:
            self.text_by_label[self._label_for] += data
        if self._stack and self._stack[-1][1]:
            self.picker_texts[self._stack[-1][1]] += data


def file_inputs(page: str) -> list[tuple[dict[str, str], str, str]]:
    """(attributes, text of its labels, text of its picker) of every file input; asserts each is a picker's."""
    parsed = Elements()
    parsed.feed(page)
    found = []
    for tag, attributes, picker in parsed.tags:
        if tag == "input" and attributes.get("type") == "file":
            assert picker is not None, f"a bare file input (the browser's own text): {attributes}"
            found.append(
                (attributes, parsed.text_by_label.get(attributes.get("id", ""), ""), parsed.picker_texts[picker])
            )
    return found


def assert_pickers(page: str, expected: int) -> list[tuple[dict[str, str], str, str]]:
    found = file_inputs(page)
    assert len(found) == expected, found
    for attributes, label, picker_text in found:
        assert "visually-hidden" in attributes["class"].split()  # hidden, yet focusable (not display:none)
        assert "tabindex" not in attributes and "disabled" not in attributes
        assert "选择文件" in label  # a real <label for> bound to the input: click or tap it, or Tab to the input
        assert "未选择文件" in picker_text
        chosen = f"{attributes['id']}-chosen"
        assert chosen in attributes["aria-describedby"].split()  # the chosen names are read with the field
    assert "portal/js/file-picker.js" in page  # the static script that writes the chosen names
    return found


def test_the_widget_renders_a_label_a_hidden_input_and_the_chosen_names():
    html = MultipleFilePicker(attrs={"accept": ".pdf", "class": "form-control", "aria-describedby": "rules"}).render(
        "material_0", None, attrs={"id": "id_material_0"}
    )
    assert re.search(r'<label class="[^"]*file-picker-button[^"]*" for="id_material_0">选择文件</label>', html)
    assert 'type="file"' in html and " multiple" in html and 'accept=".pdf"' in html
    assert 'class="file-picker-input visually-hidden"' in html  # form-control does not apply to a hidden input
    assert 'aria-describedby="rules id_material_0-chosen"' in html
    assert 'id="id_material_0-chosen"' in html and "未选择文件" in html
    assert "<script" not in html and " on" not in re.sub(r'"[^"]*"', '""', html)  # no inline script or handler
    one = FilePicker(button_text="再选择文件（可选）").render("pdf", None, attrs={"id": "x", "aria-invalid": "true"})
    assert "再选择文件（可选）</label>" in one and "multiple" not in one and "file-picker is-invalid" in one


def test_no_upload_field_uses_the_browsers_own_file_input():
    """Every upload field goes through the shared widget; a bare file input anywhere would show English again."""
    offenders = []
    for folder in ("templates", "certificates", "catalog", "portal", "seals"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            if path.relative_to(ROOT).as_posix() in ("portal/widgets.py", "templates/portal/widgets/file_picker.html"):
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r'type="file"|forms\.FileInput|ClearableFileInput', text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    script = (ROOT / "static/portal/js/file-picker.js").read_text(encoding="utf-8")
    assert "dataset.none" in script and "dataset.count" in script  # its texts come from the page, in its language


def test_the_application_form_offers_the_chinese_picker_for_every_material(personas, login):
    page = login(personas.resident_a).get(reverse("requests:apply", args=["610113001001", "610113-ZM01"]))
    found = assert_pickers(page.content.decode(), expected=3)  # 610113-ZM01 asks for three materials
    assert all("multiple" in attributes for attributes, _label, _text in found)


def test_the_counter_entry_form_offers_the_chinese_picker(personas, login):
    page = login(personas.staff_x).get(reverse("desk:counter_entry", args=["610113001001", "610113-ZM01"]))
    assert_pickers(page.content.decode(), expected=3)


def test_the_seal_impression_upload_offers_the_chinese_picker(personas, login, seal):
    url = reverse("seals:seal_detail", args=[personas.community_x.code, seal.pk])
    page = login(personas.county_officer).get(url).content.decode()  # the county uploads the real impression
    [(attributes, label, _text)] = assert_pickers(page, expected=1)
    assert "印模图像" in label  # crispy's label stays; the picker's own label is the button


@pytest.fixture
def issued(personas, signed_request, seal):
    return workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)


def test_the_verification_page_offers_the_chinese_picker(client, issued):
    code = IssuedCertificate.objects.get(entry__request=issued).code
    page = client.get(reverse("verify", args=[code])).content.decode()
    [(attributes, label, _text)] = assert_pickers(page, expected=1)
    assert attributes["name"] == "pdf" and attributes["accept"] == "application/pdf" and "PDF 文件" in label


def pickers_of(page: str) -> list[tuple[str, str, str]]:
    """(input id, the for= of the picker's own label, the id of its chosen-names line) of every picker, in order."""
    return re.findall(
        r'<input type="file"[^>]* id="([^"]+)"[^>]*>\s*<label class="[^"]*file-picker-button[^"]*" for="([^"]+)">'
        r'.*?<span class="file-picker-names[^"]*" id="([^"]+)"',
        page,
        flags=re.S,
    )


def test_two_pickers_of_one_name_on_one_page_have_their_own_ids(rf):
    """Two hand-written forms with a 'pdf' picker each (one without an id, one through a partial included twice):
    every input has its own id, and each picker's label and chosen names point at its own input."""
    from django.template import engines

    page = (
        engines["django"]
        .from_string(
            "{% load file_picker %}"
            "<form>{% file_picker 'pdf' %}</form><form>{% file_picker 'pdf' %}</form>"
            "{% include 'certificates/verify/_file_check.html' %}{% include 'certificates/verify/_file_check.html' %}"
        )
        .render({}, request=rf.get("/"))
    )
    found = pickers_of(page)
    assert [input_id for input_id, _for, _names in found] == ["id_pdf", "id_pdf-2", "verify-pdf", "verify-pdf-2"]
    inputs = {a["id"]: a for a, _label, _text in file_inputs(page)}
    for input_id, label_for, names_id in found:
        assert label_for == input_id and names_id == f"{input_id}-chosen"
        assert names_id in inputs[input_id]["aria-describedby"].split()
    # Another page starts again: ids are per page, not per process.
    again = (
        engines["django"].from_string("{% load file_picker %}{% file_picker 'pdf' %}").render({}, request=rf.get("/"))
    )
    assert [i for i, _f, _n in pickers_of(again)] == ["id_pdf"]


def test_two_forms_without_ids_never_share_a_picker_id():
    from django import forms

    class Upload(forms.Form):
        pdf = forms.FileField(widget=FilePicker())

    page = str(Upload(auto_id=False)) + str(Upload(auto_id=False))
    ids = [input_id for input_id, label_for, _names in pickers_of(page) if label_for == input_id]
    assert len(ids) == 2 and len(set(ids)) == 2
    prefixed = str(Upload(prefix="a")) + str(Upload(prefix="b"))  # a form's prefix is part of its auto_id
    assert [i for i, _f, _n in pickers_of(prefixed)] == ["id_a-pdf", "id_b-pdf"]
