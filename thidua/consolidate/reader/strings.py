"""The shared-string table of an ``.xlsx``: each string parsed only when a cell asks for it.

A returned template's table holds every label of the form (about a hundred strings);
a read needs the few that its metadata and kept cells point to. In a plain part
(:mod:`~thidua.consolidate.reader.plainxml`) whose root holds nothing but ``<si>``
elements, the elements are cut apart at each ``<si>`` and a string is decoded when it
is first asked for: a plain ``<t>`` directly, anything else (rich text, phonetic runs)
by the XML parser on that one element. Any other part is parsed whole (streamed when
bigger than ``tree_limit``). A string that cannot be parsed on its own makes the whole
part be judged by the XML parser, so an error names the line and column in the part.
"""
from __future__ import annotations

import functools
import io
import re
from xml.etree import ElementTree as ET

from thidua.consolidate.reader import plainxml
from thidua.consolidate.reader.cells import local as _local

__all__ = ["SharedStrings", "rich_text"]

_ROOT = re.compile(rb"[ \t\r\n]*<((?:[A-Za-z_][\w.-]*:)?)sst(?=[ \t\r\n>/])[^>]*>")
_SPACE = b" \t\r\n"


@functools.lru_cache(maxsize=16)
def _odd_si(prefix: bytes) -> re.Pattern:
    return re.compile(b"<" + re.escape(prefix) + b"si[^>]")


def rich_text(el: ET.Element) -> str:
    """Text of a shared/inline string: plain ``<t>`` or rich-text runs, phonetic runs left out."""
    out = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            out.append(child.text or "")
        elif tag == "r":
            for sub in child:
                if _local(sub.tag) == "t":
                    out.append(sub.text or "")
    return "".join(out)


class SharedStrings:
    """``table[i]``: shared string ``i`` ("" when there is none). ``ET.ParseError`` when the
    part is not well-formed XML where it is read."""

    def __init__(self, content: bytes, tree_limit: int):
        self.content, self.tree_limit = content, tree_limit  # bigger parts are streamed
        self._index = _Index.of(content)
        self._parsed: dict[int, str] = {}  # the fast way: strings parsed so far, by index
        self._strings: list[str] = []  # the whole-part way: the first strings, in order
        self._more = True
        self._stream = None
        self._root = None
        self._depth = 0

    def __getitem__(self, index: int) -> str:
        if index < 0:
            return ""
        if self._index is not None:
            try:
                return self._parsed[index]
            except KeyError:
                pass
            try:
                text = self._parsed[index] = self._index.string(index)
                return text
            except _NotAlone:
                self._index = None  # something unusual: the whole part is parsed instead
        while index >= len(self._strings) and self._more:
            self._pull(index + 256)
        return self._strings[index] if index < len(self._strings) else ""

    def _pull(self, upto: int) -> None:
        content, strings = self.content, self._strings
        if self._stream is None:
            if len(content) <= self.tree_limit:  # one tree, every string
                root = ET.fromstring(content)
                strings.extend(rich_text(si) for si in root if _local(si.tag) == "si")
                self._more = False
                return
            self._stream = ET.iterparse(io.BytesIO(content), events=("start", "end"))
        for event, el in self._stream:
            if event == "start":
                if self._root is None:
                    self._root = el
                self._depth += 1
                continue
            self._depth -= 1
            if self._depth == 1 and _local(el.tag) == "si":  # the root's children only
                strings.append(rich_text(el))
                self._root.clear()
                if len(strings) > upto:
                    return
        self._more = False


#: Plain strings decoded so far, by their prefix and bytes: every unit's copy of a template
#: holds the same labels, so a reader decodes each once (a plain ``<t>`` means the same in
#: any part; strings that need the parser are never kept here).
_PLAIN: dict[tuple[bytes, bytes], str] = {}
_PLAIN_LIMIT = 4096


class _NotAlone(Exception):
    """A string that cannot be parsed on its own (the part is judged whole)."""


class _Index:
    """The ``<si>`` elements of a plain UTF-8 part, cut apart; each string is parsed when asked for."""

    def __init__(self, head: bytes, prefix: bytes, pieces: list[bytes]):
        self.head, self.prefix, self.pieces = head, prefix, pieces
        self.open, self.tail = b"<" + prefix + b"si>", b"</" + prefix + b"sst>"
        self.t_open = (b"<" + prefix + b"t>", b"<" + prefix + b't xml:space="preserve">')
        self.t_close = b"</" + prefix + b"t></" + prefix + b"si>"

    @classmethod
    def of(cls, content: bytes) -> "_Index | None":
        """The index of a part the fast way applies to, else None."""
        body = plainxml.body_start(content)
        if body is None:
            return None
        root = _ROOT.match(content, body)
        if root is None or content[root.end() - 2:root.end()] == b"/>":
            return None
        prefix = root.group(1)
        tail = b"</" + prefix + b"sst>"
        end = content.rfind(tail)
        if end < root.end() or content[end + len(tail):].strip(_SPACE):
            return None
        inner = content[root.end():end]
        opening = b"<" + prefix + b"si>"
        if _odd_si(prefix).search(inner) is not None:
            return None  # an element of that name not written as plain <si> (attributes, empty)
        pieces = inner.split(opening)
        if pieces[0].strip(_SPACE):
            return None  # something else than <si> elements in the root
        return cls(content[:root.end()], prefix, pieces)

    def string(self, index: int) -> str:
        """String ``index`` ("" past the end); :class:`_NotAlone` when it is not plain XML alone."""
        if index + 1 >= len(self.pieces):
            return ""
        raw = self.pieces[index + 1]
        key = (self.prefix, raw)
        text = _PLAIN.get(key)
        if text is not None:
            return text
        piece = raw.rstrip(_SPACE)
        if piece.endswith(self.t_close):
            for start in self.t_open:
                if piece.startswith(start):
                    text = plainxml.text(piece[len(start):-len(self.t_close)])
                    if text is not None:
                        if len(_PLAIN) >= _PLAIN_LIMIT:
                            _PLAIN.clear()
                        _PLAIN[key] = text
                        return text
                    break
        try:
            root = ET.fromstring(self.head + self.open + piece + self.tail)
        except ET.ParseError:
            raise _NotAlone from None
        found = list(root)
        if len(found) != 1 or _local(found[0].tag) != "si":
            raise _NotAlone
        return rich_text(found[0])
