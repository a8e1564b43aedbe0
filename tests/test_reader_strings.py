"""The shared-string table read string by string gives what the XML parser gives for the whole part."""
from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from thidua.consolidate.reader import strings
from thidua.consolidate.reader.strings import SharedStrings, rich_text

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _sst(*items: str, decl: str = DECL, ns: str = NS, prefix: str = "") -> bytes:
    xmlns = ns.replace("xmlns=", f"xmlns:{prefix[:-1]}=") if prefix else ns
    return (f"{decl}<{prefix}sst {xmlns} count=\"{len(items)}\">" + "".join(items)
            + f"</{prefix}sst>").encode("utf-8")


def _whole(content: bytes) -> list[str]:
    return [rich_text(si) for si in ET.fromstring(content) if si.tag.rpartition("}")[2] == "si"]


PARTS = {
    "plain": _sst("<si><t>Đơn vị:</t></si>", '<si><t xml:space="preserve"> Phòng Nội vụ </t></si>',
                  "<si><t/></si>", "<si><t></t></si>", "<si><t>a > b</t></si>"),
    "entities": _sst("<si><t>A &amp; B &lt;1&gt; &#273;&#x1EA1;i</t></si>", "<si><t>x</t></si>"),
    "rich": _sst("<si><r><rPr><b/></rPr><t>Đậm</t></r><r><t xml:space=\"preserve\"> thường</t></r>"
                 "</si>", "<si><t>ABC</t><rPh sb=\"0\" eb=\"1\"><t>phiên âm</t></rPh></si>"),
    "line ends": _sst("<si><t>dòng 1\r\ndòng 2\rdòng 3</t></si>", "<si><t>sau</t></si>"),
    "spaces between": _sst("\n  <si>\n <t>một</t>\n </si>\n", "  <si><t>hai</t></si>\n"),
    "comment hiding a string": _sst("<si><t>một</t></si><!-- <si><t>giả</t></si> -->",
                                    "<si><t>hai</t></si>"),
    "cdata": _sst("<si><t><![CDATA[<b>đậm</b> & x]]></t></si>", "<si><t>hai</t></si>"),
    "processing instruction": _sst("<si><t>một</t></si><?pi <si> ?>", "<si><t>hai</t></si>"),
    "prefixed": _sst("<x:si><x:t>một</x:t></x:si>", "<x:si><x:t>hai</x:t></x:si>", prefix="x:"),
    "si with an attribute": _sst('<si foo="1"><t>một</t></si>', "<si><t>hai</t></si>"),
    "nested si": _sst("<si><si><t>trong</t></si><t>ngoài</t></si>", "<si><t>hai</t></si>"),
    "other element first": _sst("<extLst/><si><t>một</t></si>", "<si><t>hai</t></si>"),
    "no declaration, bom": b"\xef\xbb\xbf" + _sst("<si><t>một</t></si>", decl=""),
    "latin-1": _sst("<si><t>caf\xe9</t></si>",
                    decl='<?xml version="1.0" encoding="ISO-8859-1"?>').decode("utf-8").encode(
        "latin-1"),
    "utf-16": _sst("<si><t>một</t></si>", "<si><t>hai</t></si>",
                   decl='<?xml version="1.0" encoding="UTF-16"?>').decode("utf-8").encode("utf-16"),
    "empty": _sst(),
    "self-closing root": f"{DECL}<sst {NS}/>".encode(),
}


@pytest.mark.parametrize("tree_limit", [8 * 1024 * 1024, 0], ids=["cay", "dong"])
@pytest.mark.parametrize("name", list(PARTS))
def test_every_string_as_the_whole_part_parse_gives_it(name, tree_limit):
    content = PARTS[name]
    expected = _whole(content)
    table = SharedStrings(content, tree_limit)
    # asked out of order, some twice, and past the end
    order = list(range(len(expected)))[::-1] + list(range(len(expected))) + [len(expected), 10**6, -1]
    got = {i: table[i] for i in order}
    assert [got[i] for i in range(len(expected))] == expected
    assert got[len(expected)] == got[10**6] == got[-1] == ""


def test_plain_parts_are_read_string_by_string():
    """The fast way applies to what spreadsheet programs write, and not to the unusual parts."""
    fast = {name for name, content in PARTS.items() if strings._Index.of(content) is not None}
    assert {"plain", "entities", "rich", "line ends", "spaces between", "no declaration, bom",
            "nested si", "empty"} <= fast
    assert not fast & {"comment hiding a string", "cdata", "processing instruction", "latin-1",
                       "utf-16", "si with an attribute", "other element first", "self-closing root"}


def test_damaged_string_is_reported_with_its_place_in_the_part():
    content = _sst("<si><t>một</t></si>", "<si><t>hai</b></si>", "<si><t>ba</t></si>")
    table = SharedStrings(content, 8 * 1024 * 1024)
    assert table[0] == "một" and table[2] == "ba"  # a damage elsewhere does not matter
    with pytest.raises(ET.ParseError) as caught:
        table[1]
    assert caught.value.position[0] == 2  # the part's own line (after the declaration)


@pytest.mark.parametrize("bad", [b"\xff\xfe", "\ufffe".encode(), "\uffff".encode(), b"\x01",
                                 b"&#1;", b"&#xFFFE;", b"&nbsp;"])
def test_what_the_parser_refuses_is_refused(bad):
    """Bad UTF-8, characters XML forbids (typed or referred to), unknown entities."""
    content = _sst("<si><t>ok</t></si>", "<si><t>xx</t></si>").replace(b"xx", bad)
    with pytest.raises(ET.ParseError):
        ET.fromstring(content)
    table = SharedStrings(content, 8 * 1024 * 1024)
    with pytest.raises(ET.ParseError):
        table[1]


def test_strings_decoded_once_mean_the_same_in_every_part():
    """A reader keeps the plain strings it decoded, by their bytes and the part's prefix
    (every unit's copy of a template holds the same labels). What only the parser can judge
    is judged in each part again: here a run whose prefix one part declares and the other
    does not."""
    strings._PLAIN.clear()
    rich = '<si><y:r><y:t>đậm</y:t></y:r></si>'
    declared = _sst("<si><t>Tổng số</t></si>", rich,
                    ns=NS + ' xmlns:y="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    undeclared = _sst("<si><t>Tổng số</t></si>", rich, "<si><t>hai</t></si>")
    prefixed = _sst("<x:si><x:t>Tổng số</x:t></x:si>", prefix="x:")
    first = SharedStrings(declared, 8 * 1024 * 1024)
    assert (first[0], first[1]) == ("Tổng số", "đậm")
    assert list(strings._PLAIN.values()) == ["Tổng số"]  # the run needed the parser: not kept
    second = SharedStrings(undeclared, 8 * 1024 * 1024)
    assert second[0] == "Tổng số" and second[2] == "hai"
    with pytest.raises(ET.ParseError):  # unbound prefix, as the whole part's parse says
        ET.fromstring(undeclared)
    with pytest.raises(ET.ParseError):
        second[1]
    assert SharedStrings(prefixed, 8 * 1024 * 1024)[0] == "Tổng số" == _whole(prefixed)[0]
    assert len(strings._PLAIN) == 3  # «Tổng số» plain and prefixed, «hai»
