"""Safe XML parsing (no DTD, no entities, no network) and XML rendering."""

from __future__ import annotations

import socket

import pytest
from lxml import etree

from s3mock import xml
from s3mock.errors import S3Error

NS = xml.S3_NS


def keys(doc) -> list[str | None]:
    return [xml.text(o, "Key") for o in xml.children(doc, "Object")]


def malformed(body: bytes, root: str | None = "Delete") -> S3Error:
    with pytest.raises(S3Error) as e:
        xml.parse(body, root)
    assert e.value.code == "MalformedXML"
    assert e.value.status == 400
    return e.value


@pytest.fixture
def secret_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("TOPSECRET-42")
    return p


@pytest.fixture
def listener():
    """A local TCP socket that records whether anything connected to it (an external entity)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


def _xxe_docs(secret_path, port) -> dict[str, str]:
    return {
        "external file entity": (
            f'<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY x SYSTEM "file://{secret_path}">]>'
            "<Delete><Object><Key>&x;</Key></Object></Delete>"),
        "external http entity": (
            f'<!DOCTYPE Delete [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/e">]>'
            "<Delete><Object><Key>&x;</Key></Object></Delete>"),
        "external DTD": (
            f'<!DOCTYPE Delete SYSTEM "http://127.0.0.1:{port}/d.dtd">'
            "<Delete><Object><Key>a</Key></Object></Delete>"),
        "parameter entity": (
            f'<!DOCTYPE Delete [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p">%p;]>'
            "<Delete><Object><Key>a</Key></Object></Delete>"),
        "billion laughs": (
            '<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY a "lol">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
            + "]><Delete><Object><Key>&j;</Key></Object></Delete>"),
        "internal entity": (
            '<!DOCTYPE Delete [<!ENTITY x "abc">]><Delete><Object><Key>&x;</Key></Object></Delete>'),
        "bare doctype": "<!DOCTYPE Delete><Delete><Object><Key>a</Key></Object></Delete>",
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be"])
@pytest.mark.parametrize("name", list(_xxe_docs("/x", 1)))
def test_dtd_and_entities_are_malformed_and_never_resolved(name, encoding, secret_file, listener):
    port = listener.getsockname()[1]
    text = _xxe_docs(secret_file, port)[name]
    if encoding != "utf-8":
        decl = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
        text = decl + text.removeprefix('<?xml version="1.0"?>')
    err = malformed(text.encode(encoding))
    assert "TOPSECRET" not in str(err) and "TOPSECRET" not in repr(err.fields)
    assert_no_connection(listener)


def test_undeclared_entity_is_malformed():
    malformed(b"<Delete><Object><Key>&x;</Key></Object></Delete>")


def test_xinclude_is_not_processed(secret_file):
    body = (f'<Delete xmlns:xi="http://www.w3.org/2001/XInclude"><Object><Key>'
            f'<xi:include href="{secret_file}" parse="text"/></Key></Object></Delete>').encode()
    doc = xml.parse(body, "Delete")
    assert b"TOPSECRET" not in etree.tostring(doc)


@pytest.mark.parametrize("body", [
    b"", b"   \n ", b"not xml", b"<Delete>", b"<Delete><Object></Delete>",
    b"<Delete></Delete><Delete></Delete>", b"<Delete>\x00</Delete>",
    b"\xff\xfe<\x00D\x00", b"<?xml version='1.0'?>",
])
def test_not_well_formed(body):
    malformed(body)


def test_wrong_root_is_malformed():
    malformed(b"<Other><Object><Key>a</Key></Object></Other>", "Delete")
    malformed(f'<CompleteMultipartUpload xmlns="{NS}"/>'.encode(), "Delete")


def test_deep_nesting_is_malformed():
    body = b"<Delete>" + b"<a>" * 200 + b"x" + b"</a>" * 200 + b"</Delete>"
    malformed(body)


@pytest.mark.parametrize("body", [
    b"<Delete><Object><Key>a</Key></Object><Object><Key>b c</Key></Object></Delete>",
    f'<Delete xmlns="{NS}"><Object><Key>a</Key></Object><Object><Key>b c</Key></Object></Delete>'.encode(),
    f'<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="{NS}">\n  <Object>\n    <Key>a</Key>\n'
    f'  </Object>\n  <Object><Key>b c</Key></Object>\n</Delete>\n'.encode(),
    f'<s3:Delete xmlns:s3="{NS}"><s3:Object><s3:Key>a</s3:Key></s3:Object>'
    f'<s3:Object><s3:Key>b c</s3:Key></s3:Object></s3:Delete>'.encode(),
    b"\xef\xbb\xbf<Delete><Object><Key>a</Key></Object><Object><Key>b c</Key></Object></Delete>",
    '<?xml version="1.0" encoding="UTF-16"?><Delete><Object><Key>a</Key></Object>'
    '<Object><Key>b c</Key></Object></Delete>'.encode("utf-16"),
])
def test_with_or_without_namespace(body):
    doc = xml.parse(body, "Delete")
    assert xml.local(doc) == "Delete"
    assert keys(doc) == ["a", "b c"]


def test_text_content():
    doc = xml.parse(b"<Delete><Quiet>true</Quiet><Object><Key>a&amp;b &lt;c&gt; &#233;</Key>"
                    b"</Object><Object><Key><![CDATA[x<y]]></Key></Object>"
                    b"<Object><Key/></Object><Object><VersionId>v</VersionId></Object></Delete>",
                    "Delete")
    assert xml.text(doc, "Quiet") == "true"
    assert xml.text(doc, "Missing") is None
    assert xml.text(doc, "Missing", "d") == "d"
    assert keys(doc) == ["a&b <c> \u00e9", "x<y", "", None]


def test_comments_and_processing_instructions_are_dropped():
    doc = xml.parse(b"<Delete><!-- c --><Object><Key>a<!--x-->b<?pi y?>c</Key></Object></Delete>",
                    "Delete")
    assert keys(doc) == ["abc"]
    assert len(xml.children(doc, "Object")) == 1


def test_body_over_the_cap_is_refused_before_parsing():
    body = b"<Delete>" + b" " * xml.MAX_XML_BYTES + b"</Delete>"
    with pytest.raises(S3Error):
        xml.parse(body, "Delete")


# rendering


def test_render_escapes_text():
    out = xml.render("R", [("Key", "a<b>&c\"d'e"), ("Empty", ""), ("None", None),
                           ("Flag", True), ("Off", False), ("N", 5)])
    assert out == (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                   b'<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                   b"<Key>a&lt;b&gt;&amp;c\"d'e</Key><Empty></Empty><Flag>true</Flag>"
                   b"<Off>false</Off><N>5</N></R>")


@pytest.mark.parametrize("key", ["a<b>&c", "]]>", "&amp;", "<![CDATA[x]]>", "été 🙂", "a\tb\nc",
                                 "  spaced  ", '"quoted"'])
def test_render_round_trips_through_parse(key):
    out = xml.render("Delete", [("Object", [("Key", key)])])
    assert keys(xml.parse(out, "Delete")) == [key]


def test_render_nested_and_repeated():
    out = xml.render("ListBucketResult", [
        ("Contents", [("Key", "a"), ("Size", 1)]),
        ("Contents", [("Key", "b"), ("Size", 2)]),
        ("CommonPrefixes", [("Prefix", "p/")]),
    ], namespace=False)
    assert out == (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
                   b"<Contents><Key>a</Key><Size>1</Size></Contents>"
                   b"<Contents><Key>b</Key><Size>2</Size></Contents>"
                   b"<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>")


def test_render_error():
    err = S3Error("NoSuchKey", Key="a<&>b")
    out = xml.render_error(err, "/bucket/a%3C%26%3Eb", "REQ1", "HOST1")
    assert out == (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                   b"<Message>The specified key does not exist.</Message><Key>a&lt;&amp;&gt;b</Key>"
                   b"<Resource>/bucket/a%3C%26%3Eb</Resource><RequestId>REQ1</RequestId>"
                   b"<HostId>HOST1</HostId></Error>")
