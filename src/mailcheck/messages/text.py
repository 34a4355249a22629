"""The readable text of a message: its text/plain and text/html parts, HTML turned into lines."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from html.parser import HTMLParser

TEXT_LIMIT = 1024 * 1024
"""Characters taken from one part: an imprint sits in the first megabyte of any real mail."""

_BLOCKS = {
    "address", "blockquote", "br", "div", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "p", "section", "table", "td", "th", "tr",
}  # fmt: skip
_INVISIBLE = {"head", "script", "style", "template", "title"}


def message_text(message: Message) -> str:
    """All text parts that are not attachments, HTML converted to text, as one string."""
    return "\n".join(_part_text(part) for part in _text_parts(message))


def _text_parts(message: Message) -> Iterator[Message]:
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_subtype() in ("plain", "html"):
            yield part


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = _decode(payload[: TEXT_LIMIT * 4], part.get_content_charset() or "utf-8")[:TEXT_LIMIT]
    return html_to_text(text) if part.get_content_subtype() == "html" else text


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name: the bytes still carry most of the text
        return data.decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    """Visible text, one line per block element (so address lines stay lines)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # html.parser is lenient; keep what was read before a crash
        pass
    return "".join(extractor.parts)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)
