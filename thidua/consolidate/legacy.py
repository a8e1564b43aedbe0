"""Vietnamese typed in a legacy 8-bit encoding (TCVN3/ABC, VNI-Windows), shown in a Unicode font.

Before Unicode, Vietnamese offices typed with fonts such as ``.VnTime`` (TCVN3,
also called ABC) or ``VNI-Times`` (VNI-Windows). Text typed that way and read
back as Unicode looks like ``X· Tam Xu©n`` (TCVN3) or ``Xaõ Tam Xuaân`` (VNI)
for «Xã Tam Xuân». Such a unit name never matches the unit list, so the
consolidation warns and can show the decoded name.

:func:`detect_legacy_encoding` says whether a string looks like one of them;
:func:`decode_tcvn3` / :func:`decode_vni` convert back to Unicode (NFC), and
:func:`encode_tcvn3` / :func:`encode_vni` do the opposite (for tests and for
showing what a unit typed).

Mapping tables: the TCVN3 (ABC) and VNI-Windows columns of the public
conversion table of the ``vietnamese-conversion`` package
(https://github.com/duydev/vietnamese-conversion, ``src/charsets.ts``), checked
against the TCVN 5712:1993 VN3 code chart: lower-case letters with diacritics
sit at 0xA8–0xFE, ``ư`` is 0xAD (the soft hyphen, invisible in many tables) and
the capitals Ă Â Ê Ô Ơ Ư Đ at 0xA1–0xA7. TCVN3 has no other capitals: they are
typed with the same codes in the capital font (``.VnTimeH``), so a decoded
word whose plain letters are all capitals is put in capitals.

Detection is deliberately conservative: correct Unicode Vietnamese must never
be flagged. A string holding a Vietnamese letter beyond Latin-1 (ạ, ư, đ, ế…)
is Unicode. Otherwise each word is checked with a small Vietnamese syllable
model (onset, vowel cluster, final consonant, tone mark placement): a word
that is not a syllable but becomes one once decoded counts for that encoding.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["detect_legacy_encoding", "decode_tcvn3", "decode_vni", "encode_tcvn3", "encode_vni"]

# Unicode letter -> TCVN3 (ABC) character, as the 8-bit code shows in a Unicode (Latin-1) font.
_TCVN3 = {
    "à": "µ", "á": "¸", "ả": "¶", "ã": "·", "ạ": "¹",
    "ă": "¨", "ằ": "»", "ắ": "¾", "ẳ": "¼", "ẵ": "½", "ặ": "Æ",
    "â": "©", "ầ": "Ç", "ấ": "Ê", "ẩ": "È", "ẫ": "É", "ậ": "Ë",
    "đ": "®",
    "è": "Ì", "é": "Ð", "ẻ": "Î", "ẽ": "Ï", "ẹ": "Ñ",
    "ê": "ª", "ề": "Ò", "ế": "Õ", "ể": "Ó", "ễ": "Ô", "ệ": "Ö",
    "ì": "×", "í": "Ý", "ỉ": "Ø", "ĩ": "Ü", "ị": "Þ",
    "ò": "ß", "ó": "ã", "ỏ": "á", "õ": "â", "ọ": "ä",
    "ô": "«", "ồ": "å", "ố": "è", "ổ": "æ", "ỗ": "ç", "ộ": "é",
    "ơ": "¬", "ờ": "ê", "ớ": "í", "ở": "ë", "ỡ": "ì", "ợ": "î",
    "ù": "ï", "ú": "ó", "ủ": "ñ", "ũ": "ò", "ụ": "ô",
    "ư": "\u00ad", "ừ": "õ", "ứ": "ø", "ử": "ö", "ữ": "÷", "ự": "ù",
    "ỳ": "ú", "ý": "ý", "ỷ": "û", "ỹ": "ü", "ỵ": "þ",
    "Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§",
}
_TCVN3_DECODE = {v: k for k, v in _TCVN3.items()}

# Unicode letter -> VNI-Windows characters (base letter + mark letter, or one letter).
_VNI_LOWER = {
    "à": "aø", "á": "aù", "ả": "aû", "ã": "aõ", "ạ": "aï",
    "ă": "aê", "ằ": "aè", "ắ": "aé", "ẳ": "aú", "ẵ": "aü", "ặ": "aë",
    "â": "aâ", "ầ": "aà", "ấ": "aá", "ẩ": "aå", "ẫ": "aã", "ậ": "aä",
    "đ": "ñ",
    "è": "eø", "é": "eù", "ẻ": "eû", "ẽ": "eõ", "ẹ": "eï",
    "ê": "eâ", "ề": "eà", "ế": "eá", "ể": "eå", "ễ": "eã", "ệ": "eä",
    "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò",
    "ò": "oø", "ó": "où", "ỏ": "oû", "õ": "oõ", "ọ": "oï",
    "ô": "oâ", "ồ": "oà", "ố": "oá", "ổ": "oå", "ỗ": "oã", "ộ": "oä",
    "ơ": "ô", "ờ": "ôø", "ớ": "ôù", "ở": "ôû", "ỡ": "ôõ", "ợ": "ôï",
    "ù": "uø", "ú": "uù", "ủ": "uû", "ũ": "uõ", "ụ": "uï",
    "ư": "ö", "ừ": "öø", "ứ": "öù", "ử": "öû", "ữ": "öõ", "ự": "öï",
    "ỳ": "yø", "ý": "yù", "ỷ": "yû", "ỹ": "yõ", "ỵ": "î",
}
_VNI = dict(_VNI_LOWER)
_VNI.update({k.upper(): v.upper() for k, v in _VNI_LOWER.items()})
_VNI_DECODE = {v: k for k, v in _VNI.items()}

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_SHAPED = set("ăâêôơư")
_VOWELS = set("aăâeêioôơuưy")
_CLUSTERS = {
    *"aăâeêioôơuưy",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo",
    "ôi", "ơi", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ưu", "ươ", "yê",
    "iêu", "oai", "oay", "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu",
}
_OPEN_ONLY = {  # clusters ending in a glide (or ia/ua/ưa) never take a final consonant
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "iêu", "oai", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "yêu"}
_NEEDS_CODA = {"ă", "â", "oă", "uâ", "iê", "yê", "uô", "ươ", "uyê"}
_SYLLABLE = re.compile(
    r"^(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
    r"([aăâeêioôơuưy]{1,3})(ch|ng|nh|c|m|n|p|t)?$")
_WORD = re.compile(r"[A-Za-z\u00a1-\u00ff]+")
_LATIN1_LETTERS = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_BEYOND_LATIN1_VIET = set("".join(_TCVN3) + "".join(_VNI)) - set(map(chr, range(256)))


def _vietnamese_letters() -> set[str]:
    letters = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    letters |= set(_TCVN3) | {k.upper() for k in _TCVN3} | set(_VNI) | _LATIN1_LETTERS
    return letters


_LETTERS = _vietnamese_letters()


def _plausible(word: str) -> bool:
    """True when ``word`` is one Vietnamese syllable in Unicode (tone on an allowed vowel)."""
    if not word or any(ch not in _LETTERS for ch in word):
        return False
    if len(word) > 1 and not (word.islower() or word.isupper() or word[1:].islower()):
        return False
    low = word.lower()
    decomposed = unicodedata.normalize("NFD", low)
    tones = [i for i, ch in enumerate(decomposed) if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    m = _SYLLABLE.match(bare)
    if not m:
        return False
    onset, cluster, coda = m.group(1) or "", m.group(2), m.group(3) or ""
    if cluster not in _CLUSTERS or (coda and cluster in _OPEN_ONLY) \
            or (not coda and cluster in _NEEDS_CODA):
        return False
    if not tones:
        return True
    # the vowel carrying the tone, as an index into the cluster
    base_index = sum(1 for ch in decomposed[:tones[0]] if unicodedata.combining(ch) == 0) - 1
    pos = base_index - len(onset)
    if not 0 <= pos < len(cluster):
        return False
    if len(cluster) == 1:
        return True
    shaped = [i for i, ch in enumerate(cluster) if ch in _SHAPED]
    if shaped:
        return pos in shaped
    if len(cluster) == 3:
        return pos == 1
    if coda:
        return pos == 1
    if cluster in ("oa", "oe", "uy"):
        return pos in (0, 1)  # hoà / hòa, thuý / thúy: both styles are in use
    return pos == 0


def decode_tcvn3(text: str) -> str:
    """TCVN3 (ABC) text shown in a Unicode font → Unicode NFC."""
    out = []
    letters = [ch for ch in text if ch.isascii() and ch.isalpha()]
    all_caps = len(letters) > 1 and all(ch.isupper() for ch in letters)
    for word in re.split(r"(\s+)", text):
        decoded = "".join(_TCVN3_DECODE.get(ch, ch) for ch in word)
        plain = [ch for ch in word if ch.isascii() and ch.isalpha()]
        if decoded != word and plain and (all_caps or len(plain) > 1) \
                and all(ch.isupper() for ch in plain):
            decoded = decoded.upper()  # typed with the capital font (.VnTimeH)
        out.append(decoded)
    return unicodedata.normalize("NFC", "".join(out))


def decode_vni(text: str) -> str:
    """VNI-Windows text shown in a Unicode font → Unicode NFC."""
    out = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            i += 2
            continue
        out.append(_VNI_DECODE.get(text[i], text[i]))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def encode_tcvn3(text: str) -> str:
    """Unicode → TCVN3 as it shows in a Unicode font (capitals with tones become lower-case codes)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(_TCVN3.get(ch) or _TCVN3.get(ch.lower(), ch) if not ch.isascii() else ch
                   for ch in text)


def encode_vni(text: str) -> str:
    """Unicode → VNI-Windows as it shows in a Unicode font."""
    text = unicodedata.normalize("NFC", text)
    return "".join(_VNI.get(ch, ch) for ch in text)


_DECODERS = {"TCVN3": decode_tcvn3, "VNI": decode_vni}


def detect_legacy_encoding(text) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` when ``text`` looks like Vietnamese in that legacy encoding, else None.

    Never flags correct Unicode: a string with a Vietnamese letter beyond Latin-1 is
    Unicode, and only words that are not Vietnamese syllables as they stand, but
    become syllables once decoded, count as evidence.
    """
    if not isinstance(text, str) or text.isascii():
        return None
    text = unicodedata.normalize("NFC", text)
    if any(ch in _BEYOND_LATIN1_VIET for ch in text):
        return None
    if any(ord(ch) > 0xFF and ch.isalpha() for ch in text):
        return None  # letters no 8-bit Vietnamese font produces: some other script
    evidence = {"TCVN3": 0, "VNI": 0}
    odd = 0
    for word in _WORD.findall(text):
        if word.isascii() or not any(ch.isascii() for ch in word) or _plausible(word):
            continue  # a word of symbols alone («, ·) is punctuation, not a legacy letter
        odd += 1
        for name, decode in _DECODERS.items():
            decoded = decode(word)
            if decoded != word and _plausible(decoded):
                evidence[name] += 1
    best = max(evidence, key=lambda k: (evidence[k], k == "TCVN3"))
    if evidence[best] == 0 or evidence[best] * 2 < odd:
        return None
    return best
