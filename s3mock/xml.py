"""Safe XML in (lxml, no entities, no DTD, no network, size cap) and fast XML out.

Pure: no aiohttp, no I/O.
"""

from __future__ import annotations

from typing import Any, Iterable
from xml.sax.saxutils import escape

from lxml import etree

from s3mock.errors import NO_RESOURCE, S3Error

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_XML_BYTES = 2 * 1024 * 1024
_MAX_DEPTH = 32


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )


def parse(body: bytes, root: str | None = None) -> etree._Element:
    """Parse a request body; any problem is MalformedXML. `root` is the expected local name."""
    if not body or not body.strip():
        raise S3Error("MalformedXML")
    if len(body) > MAX_XML_BYTES:
        raise S3Error("MaxMessageLengthExceeded")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise S3Error("MalformedXML")
    try:
        doc = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError):
        raise S3Error("MalformedXML") from None
    if doc.getroottree().docinfo.doctype:
        # A DTD the byte check above missed (UTF-16 and other encodings): refuse it too.
        raise S3Error("MalformedXML")
    if root is not None and local(doc) != root:
        raise S3Error("MalformedXML")
    if _too_deep(doc):
        raise S3Error("MalformedXML")
    return doc


def _too_deep(doc: etree._Element) -> bool:
    return any(len(list(el.iterancestors())) > _MAX_DEPTH for el in doc.iter() if len(el) == 0)


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if local(c) == name:
            return c
    return None


def text(el: etree._Element, name: str, default: str | None = None) -> str | None:
    c = child(el, name)
    if c is None:
        return default
    return c.text or ""


# A node's content: None (omitted), str/int (text), bool ("true"/"false"), Raw (markup already
# rendered), or a list of (tag, content) pairs for nested elements. Repeat a tag by repeating the pair.
Content = Any


class Raw:
    """Markup rendered by the caller (a listing's thousand entries), emitted as it is; under the
    tag None, without an element around it. Its pieces are joined once, with the whole document."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces


def text_of(value: str) -> str:
    """Escape character data for element content."""
    if "&" in value or "<" in value or ">" in value:
        return escape(value)
    return value


def _emit(out: list[str], tag: str, value: Content) -> None:
    if type(value) is str:      # the common case first (listings emit ~10 elements a key)
        if "&" in value or "<" in value or ">" in value:
            value = escape(value)
        out.append(f"<{tag}>{value}</{tag}>")
        return
    if type(value) is Raw:
        if tag is None:
            out += value.pieces
        else:
            out.append(f"<{tag}>")
            out += value.pieces
            out.append(f"</{tag}>")
        return
    if type(value) is int:
        out.append(f"<{tag}>{value}</{tag}>")
        return
    if value is None:
        return
    if isinstance(value, bool):
        out.append(f"<{tag}>{'true' if value else 'false'}</{tag}>")
    elif isinstance(value, (list, tuple)):
        out.append(f"<{tag}>")
        for t, v in value:
            _emit(out, t, v)
        out.append(f"</{tag}>")
    else:
        s = str(value)
        out.append(f"<{tag}>{escape(s)}</{tag}>" if s else f"<{tag}></{tag}>")


def render(root: str, content: Iterable[tuple[str, Content]], namespace: bool = True) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<{root} xmlns="{S3_NS}">' if namespace else f"<{root}>")
    for tag, value in content:
        _emit(out, tag, value)
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8", "replace")   # a lone surrogate (bytes sent that were not UTF-8) -> "?"


def render_error(err: S3Error, resource: str, request_id: str, host_id: str) -> bytes:
    content: list[tuple[str, Content]] = [("Code", err.code), ("Message", err.message)]
    content += list(err.fields.items())
    if err.code not in NO_RESOURCE:
        content.append(("Resource", resource))
    content += [("RequestId", request_id), ("HostId", host_id)]
    return render("Error", content, namespace=False)
