"""User metadata values as Amazon S3 reads them from headers and writes them back: RFC 2047
encoded-words. Pure: no aiohttp, no I/O.

S3's user guide (UsingMetadata.html, "User-defined object metadata"): values with non-US-ASCII
characters "are character decoded as per RFC 2047 before storing and encoded as per RFC 2047 to
make them mail-safe before returning". Recorded AWS responses show how:
- a header's bytes are read as ISO-8859-1: UTF-8 `ö` (c3 b6) sent raw comes back as
  `=?UTF-8?B?w4PCtg==?=`, i.e. "Ã¶" (minio/minio#21282, measured on AWS);
- the encoding is chosen as javax.mail's MimeUtility.encodeText chooses it: Q while ASCII
  characters outnumber the others, else B ("ÄMÄZÕÑ S3" -> `=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=`,
  "\\x00\\x01\\x02\\x03" -> `=?UTF-8?B?AAECAw==?=`), with its "text" specials `=_?` escaped in Q
  (localstack/localstack tests/aws/services/s3/test_s3.snapshot.json, recorded on AWS 2026-02-21);
- encoded-words sent by the client are decoded before storing (`=?UTF-8?B?YWJj?=` reads back `abc`).
"""

from __future__ import annotations

import base64
from email.errors import HeaderParseError
from email.header import decode_header

_CHARSET = "UTF-8"
_AVAIL = 68 - len(_CHARSET)         # MimeUtility.encodeWord: room for one word's encoded text
_Q_SPECIALS = frozenset(b"=_?")     # QEncoderStream's TEXT_SPECIALS


def from_header(value: str) -> str:
    """The text S3 stores for an x-amz-meta-* header value as aiohttp decoded it (UTF-8 with
    surrogate escapes): its bytes read as ISO-8859-1, then any encoded-words decoded."""
    if not value.isascii():
        return value.encode("utf-8", "surrogateescape").decode("latin-1")
    if "=?" in value:
        return _decode_words(value)
    return value


def _decode_words(value: str) -> str:
    try:
        parts = decode_header(value)
    except (HeaderParseError, ValueError):
        return value            # not well-formed encoded-words: stored as sent
    out = []
    for text, charset in parts:
        if isinstance(text, bytes):
            try:
                text = text.decode(charset or "ascii", "replace")
            except LookupError:     # a charset Python does not know
                return value
        out.append(text)
    return "".join(out)


def _non_ascii(c: str) -> bool:
    # MimeUtility.nonascii: DEL and above, and controls other than TAB. (MimeUtility lets CR and
    # LF through, which no header may carry: a decoded word or a POST field can hold them.)
    return c >= "\x7f" or (c < " " and c != "\t")


def to_header(value: str) -> str:
    """The header value S3 returns for stored text: as is when mail-safe, else encoded-words."""
    if value.isascii() and value.isprintable():
        return value
    non_ascii = sum(2 if c > "\uffff" else 1 for c in value if _non_ascii(c))   # UTF-16 units
    if not non_ascii:
        return value
    b64 = non_ascii >= len(value) + sum(c > "\uffff" for c in value) - non_ascii
    words: list[str] = []
    _encode(value, b64, words)
    return " ".join(words)


def _q(data: bytes) -> str:
    return "".join("_" if b == 0x20 else f"={b:02X}" if b < 0x20 or b >= 0x7F or b in _Q_SPECIALS
                   else chr(b) for b in data)


def _encode(text: str, b64: bool, words: list[str]) -> None:
    """MimeUtility.doEncode: halve the text until each half's encoded-word fits."""
    data = text.encode("utf-8", "surrogatepass")
    encoded = base64.b64encode(data).decode() if b64 else _q(data)
    if len(encoded) > _AVAIL and len(text) > 1:
        split = len(text) // 2
        _encode(text[:split], b64, words)
        _encode(text[split:], b64, words)
        return
    words.append(f"=?{_CHARSET}?{'B' if b64 else 'Q'}?{encoded}?=")
