"""A fillable PDF's values, given back to the page's text.

An office may hand out its form as a fillable PDF; the enterprise types into its fields and saves. The values
then live in the form fields (widget annotations), which a viewer draws over the page, and not in the page's
text, so a text layer reads the labels with nothing after them. Each field's value is added to the page's
characters where the field shows it — a text or choice field's text, a check box as ☑ or □ — so the words,
the tables' cells and the yes/no reading see what the viewer shows, as drawn_checkboxes does for drawn boxes.
A field whose area already holds the page's own characters (a form flattened with its fields kept) adds
nothing. Text typed onto a page with a reader's typewriter or Fill & Sign tool is an annotation too (FreeText),
read the same way.
"""

from __future__ import annotations

import logging

from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from forms.vocabulary import TICKED_GLYPHS, UNTICKED_GLYPHS

log = logging.getLogger(__name__)

_PUSHBUTTON = 1 << 16  # field flag: a button that is no check box or radio button
_HIDDEN = 1 << 1  # annotation flag
MAX_FIELDS = 2000  # fields looked at on a page
MAX_VALUE_CHARS = 500


def _name(value) -> str | None:
    value = resolve1(value)
    return value.name if isinstance(value, PSLiteral) else None


def _inherited(data: dict, key: str, depth: int = 0):
    """A field's entry, from its own dictionary or its parents' (a widget is a kid of the field it shows)."""
    if key in data:
        return resolve1(data[key])
    parent = resolve1(data.get("Parent")) if depth < 10 else None
    return _inherited(parent, key, depth + 1) if isinstance(parent, dict) else None


def _text(value) -> str:
    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # a choice field with several chosen
        return "、".join(_text(v) for v in value)
    return ""


def field_value(data: dict) -> str | None:
    """What a widget shows: its field's text, or ☑ / □ for a check box or radio button; None for anything else."""
    kind = _name(_inherited(data, "FT"))
    if kind in ("Tx", "Ch"):
        text = " ".join(_text(_inherited(data, "V")).split())
        return text[:MAX_VALUE_CHARS] or None
    if kind == "Btn":
        if int(_inherited(data, "Ff") or 0) & _PUSHBUTTON:
            return None
        state = _name(data.get("AS")) or _name(_inherited(data, "V"))
        return TICKED_GLYPHS[0] if state not in (None, "Off") else UNTICKED_GLYPHS[0]
    return None


def typed_text(data: dict) -> str | None:
    """What a text typed onto the page with a reader's typewriter or Fill & Sign tool says (a FreeText
    annotation's Contents), its lines one after another: one box is one text, wrapped where the box ended."""
    text = " ".join(_text(data.get("Contents")).split())
    return text[:MAX_VALUE_CHARS] or None


def add_form_fields(page) -> int:
    """Put each form field's value, and each text typed onto the page as an annotation, into the page's
    characters where the viewer shows it; how many were added."""
    try:
        annots = page.annots
    except Exception as exc:  # pdfminer on a malformed annotation array: the page's own text stays
        log.warning("form fields not read: %s: %s", type(exc).__name__, exc)
        return 0
    chars = page.objects.setdefault("char", [])
    added = 0
    for annot in annots[:MAX_FIELDS]:
        try:
            data = annot.get("data") or {}
            subtype = _name(data.get("Subtype"))
            if subtype not in ("Widget", "FreeText") or int(resolve1(data.get("F")) or 0) & _HIDDEN:
                continue
            value = field_value(data) if subtype == "Widget" else typed_text(data)
            box = {k: float(annot[k]) for k in ("x0", "x1", "top", "bottom")}
        except (TypeError, ValueError, KeyError) as exc:  # a malformed field: the others are still read
            log.warning("a form field not read: %s: %s", type(exc).__name__, exc)
            continue
        if not value or box["x1"] <= box["x0"] or box["bottom"] <= box["top"] or any(
                box["x0"] - 1 <= c["x0"] and c["x1"] <= box["x1"] + 1 and box["top"] - 1 <= c["top"]
                and c["bottom"] <= box["bottom"] + 1 for c in chars):
            continue
        _place(page, chars, value, box["x0"], box["x1"], box["top"], box["bottom"] - box["top"])
        added += 1
    return added


def _place(page, chars: list[dict], text: str, left: float, right: float, top: float, height: float) -> None:
    """The text as characters in one line of the box, as a viewer would set it."""
    size = min(height * 0.8, 12.0)
    width = min(size, (right - left - 2) / len(text))
    top += (height - size) / 2
    for k, ch in enumerate(text):
        x0 = left + 1 + k * width
        chars.append({"object_type": "char", "page_number": page.page_number, "text": ch, "fontname": "FormField",
                      "size": size, "adv": width, "upright": True, "x0": x0, "x1": x0 + width, "width": width,
                      "top": top, "bottom": top + size, "height": size, "doctop": page.initial_doctop + top,
                      "y0": float(page.height) - top - size, "y1": float(page.height) - top,
                      "matrix": (1, 0, 0, 1, x0, float(page.height) - top - size), "mcid": None, "tag": None,
                      "ncs": "DeviceGray", "stroking_color": (0,), "non_stroking_color": (0,)})
