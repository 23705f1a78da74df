"""Judging an uploaded PDF in a separate, resource-limited process: `python -I pdf_inspect.py < file.pdf`.

Prints one JSON line: {"verdict": "ok" | "damaged" | "encrypted" | "active" | "too_many_pages" |
"too_many_objects", "detail": ...}. It imports nothing from the portal (it runs with `-I`, outside Django), so a
hostile file that makes qpdf or Python spin or swell only costs this process: it limits its own CPU time and
memory before reading the file, and the portal kills it after a wall-clock timeout (certificates/uploads.py).

Two looks at the file, both with names decoded (`/J#61vaScript` is `/JavaScript`):
1. the raw bytes outside streams, which include every revision of an incrementally updated file, its trailers
   and objects that a later revision replaced (a reader that "repairs" the file may bring those back), and the
   decoded content of every compressed object stream, replaced ones too;
2. qpdf's object graph (pikepdf): every live indirect object, including those packed in compressed object
   streams, and the trailer, walked with a bound on pages, objects and visited nodes.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zlib

MAX_PAGES = 500
MAX_OBJECTS = 200_000
MAX_NODES = 2_000_000  # dictionary entries and array items visited in the graph walk
MAX_OBJECT_STREAM_BYTES = 64 * 1024 * 1024  # decoded object-stream bytes scanned for names, all streams together
CPU_SECONDS = 10
MEMORY_BYTES = 1024 * 1024 * 1024

# Names that only ever mean active content: scripts, launching programs, additional (event) actions, embedded
# files, multimedia, XFA forms, sending or loading form data, jumping to another file.
ACTIVE_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "AA",
        "EmbeddedFile",
        "EmbeddedFiles",
        "EF",
        "FileAttachment",
        "RichMedia",
        "RichMediaExecute",
        "XFA",
        "SubmitForm",
        "ImportData",
        "GoToR",
        "GoToE",
        "Rendition",
        "Movie",
        "Sound",
    }
)
# Action types (/S of an action dictionary) a resident's document may carry: moving inside the document, named
# page actions, article threads, showing, hiding or resetting parts of the document itself, page transitions, and
# links to web pages (see URI_SCHEMES). None of them runs code or reaches another file. Everything else is refused.
ALLOWED_ACTIONS = frozenset({"GoTo", "Named", "Thread", "URI", "ResetForm", "Hide", "SetOCGState", "Trans"})
# A URI link is accepted: it only opens when the reader clicks it and the viewer asks first; scanned bank and
# government documents carry such links in their footers. A javascript:, file: or other scheme is refused.
URI_SCHEMES = ("http://", "https://", "mailto:")
ACTION_KEYS = frozenset({"/A", "/OpenAction", "/Next"})

_STREAM_BODY = re.compile(rb"(?<!end)stream\r?\n.*?endstream", re.DOTALL)
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class Refused(Exception):
    def __init__(self, verdict: str, detail: str = ""):
        super().__init__(verdict)
        self.verdict, self.detail = verdict, detail


def decode_name(raw: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _check_names(text: bytes) -> None:
    for match in _NAME.finditer(text):
        name = decode_name(match.group(1))
        if name in ACTIVE_NAMES:
            raise Refused("active", name)


def _object_streams(data: bytes):
    """The decoded content of every Flate-compressed object stream in the file, live or replaced, within a total
    budget of decoded bytes (a "zip bomb" stops at the budget and is judged by what was read)."""
    budget = MAX_OBJECT_STREAM_BYTES
    for match in _STREAM_START.finditer(data):
        if budget <= 0:
            return
        dictionary = data[max(0, match.start() - 1024) : match.start()]
        dictionary = dictionary[dictionary.rfind(b"endobj") + 1 :]  # this stream's own dictionary, not an earlier one
        names = {decode_name(m.group(1)) for m in _NAME.finditer(dictionary)}
        if "ObjStm" not in names or "FlateDecode" not in names:
            continue
        end = data.find(b"endstream", match.end())
        decoder = zlib.decompressobj()
        try:
            content = decoder.decompress(data[match.end() : end if end >= 0 else len(data)], budget)
        except zlib.error:
            continue  # not really Flate data: qpdf judges what it can read
        budget -= len(content)
        yield content


def scan_raw(data: bytes) -> None:
    """Every name written outside a stream, in every revision of the file, and every name inside a compressed
    object stream, including those that a later revision replaced."""
    _check_names(_STREAM_BODY.sub(b" ", data))
    for content in _object_streams(data):
        _check_names(content)


def _check_action(action, pikepdf) -> None:
    actions = action if isinstance(action, pikepdf.Array) else [action]
    for one in actions:
        if not isinstance(one, pikepdf.Dictionary) or "/S" not in one:
            continue  # an OpenAction that is a destination array: opening at a page
        kind = str(one.get("/S"))[1:]
        if kind not in ALLOWED_ACTIONS:
            raise Refused("active", kind)
        if kind == "URI" and not str(one.get("/URI", "")).strip().lower().startswith(URI_SCHEMES):
            raise Refused("active", "URI")


def walk(pdf, pikepdf) -> None:
    """Every live object's keys and name values, with bounds so that a crafted file cannot make this loop long."""
    if len(pdf.pages) > MAX_PAGES:
        raise Refused("too_many_pages", str(len(pdf.pages)))
    objects = pdf.objects
    if len(objects) > MAX_OBJECTS:
        raise Refused("too_many_objects", str(len(objects)))
    visited = 0
    stack = [pdf.trailer, *objects]
    while stack:
        item = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            raise Refused("too_many_objects", "nodes")
        if isinstance(item, pikepdf.Name):
            if str(item)[1:] in ACTIVE_NAMES:
                raise Refused("active", str(item)[1:])
        elif isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
            for key in item.keys():
                if key[1:] in ACTIVE_NAMES:
                    raise Refused("active", key[1:])
                value = item.get(key)
                if key in ACTION_KEYS:
                    _check_action(value, pikepdf)
                elif key == "/S" and item.get("/Type") == pikepdf.Name.Action:
                    _check_action(item, pikepdf)
                if isinstance(value, pikepdf.Object) and not value.is_indirect:  # indirect ones are stacked once
                    stack.append(value)
        elif isinstance(item, pikepdf.Array):
            stack.extend(value for value in item if isinstance(value, pikepdf.Object) and not value.is_indirect)


def inspect(data: bytes) -> dict:
    import pikepdf

    try:
        scan_raw(data)
        try:
            pdf = pikepdf.open(io.BytesIO(data))
        except pikepdf.PasswordError:
            raise Refused("encrypted") from None
        except Exception as error:  # qpdf could not read it, even by repairing
            raise Refused("damaged", str(error)[:200]) from None
        with pdf:
            if pdf.is_encrypted:  # an owner password only: readable, but restricted and not ours to unlock
                raise Refused("encrypted")
            try:
                walk(pdf, pikepdf)
            except Refused:
                raise
            except Exception as error:  # an object qpdf cannot resolve while walking
                raise Refused("damaged", str(error)[:200]) from None
    except Refused as refused:
        return {"verdict": refused.verdict, "detail": refused.detail}
    return {"verdict": "ok", "detail": ""}


def _limit_resources() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


if __name__ == "__main__":
    _limit_resources()
    print(json.dumps(inspect(sys.stdin.buffer.read())))
