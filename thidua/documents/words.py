"""Vietnamese number and money words, as written on decisions and vouchers.

``number_to_words(1_005_000)`` → ``"một triệu không trăm linh năm nghìn"``;
``money_in_words(7_000_000)`` → ``"Bảy triệu đồng chẵn"``.

Rules (the way accountants and the State Treasury write amounts):

* Digits are read in groups of three from the right: ``nghìn`` (or ``ngàn``),
  ``triệu``, ``tỷ``; above a ``tỷ`` the count of ``tỷ`` is itself read as a
  number (2.000.000.000.000 → ``hai nghìn tỷ``).
* A group of zeros is skipped; every group after the first one that is read
  in full, with ``không trăm`` when its hundreds digit is 0
  (1.005.000 → ``một triệu không trăm linh năm nghìn``).
* Tens: 0 → ``linh`` (or ``lẻ``) before a units digit (105 → ``một trăm linh
  năm``); 1 → ``mười``; 2–9 → ``… mươi``.
* Units digit after ``mười``/``mươi``: 5 → ``lăm`` (15 → ``mười lăm``, 25 →
  ``hai mươi lăm``); 1 → ``mốt`` after ``mươi`` only (21 → ``hai mươi mốt``,
  11 → ``mười một``); 4 → ``tư`` after ``mươi`` (24 → ``hai mươi tư``;
  ``four="bốn"`` writes ``hai mươi bốn``); after ``linh`` every digit keeps its
  plain name (104 → ``một trăm linh bốn``, 105 → ``một trăm linh năm``).
"""
from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
THOUSAND_WORDS = ("nghìn", "ngàn")
ZERO_TENS_WORDS = ("linh", "lẻ")
FOUR_WORDS = ("tư", "bốn")

_BILLION = 1_000_000_000


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} phải là một trong: {', '.join(allowed)} (không phải «{value}»)")


def _triple(n: int, full: bool, zero_tens: str, four: str) -> list[str]:
    """Words of 0 < n < 1000; ``full`` reads the hundreds even when 0 (``không trăm``)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_tens)
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("một" if tens == 1 else "mốt")
    elif units == 4:
        words.append("bốn" if tens == 1 else four)
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _below_billion(n: int, full: bool, thousand: str, zero_tens: str, four: str) -> list[str]:
    """Words of 0 < n < 10⁹; ``full``: a higher group was read before this part."""
    words: list[str] = []
    for size, name in ((1_000_000, "triệu"), (1_000, thousand), (1, "")):
        group = n // size % 1000
        if not group:
            continue
        words += _triple(group, full, zero_tens, four)
        if name:
            words.append(name)
        full = True
    return words


def _words(n: int, thousand: str, zero_tens: str, four: str) -> list[str]:
    if n < _BILLION:
        return _below_billion(n, False, thousand, zero_tens, four)
    billions, rest = divmod(n, _BILLION)
    words = _words(billions, thousand, zero_tens, four) + ["tỷ"]
    if rest:
        words += _below_billion(rest, True, thousand, zero_tens, four)
    return words


def number_to_words(n: int, *, thousand: str = "nghìn", zero_tens: str = "linh",
                    four: str = "tư") -> str:
    """Read a whole number in Vietnamese, lower case: 21 → ``hai mươi mốt``.

    ``thousand``: ``"nghìn"`` or ``"ngàn"``; ``zero_tens``: ``"linh"`` or ``"lẻ"``;
    ``four``: the digit 4 after ``mươi`` — ``"tư"`` or ``"bốn"``. Negative
    numbers start with ``âm``.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        else:
            raise TypeError(f"cần một số nguyên, không phải {n!r}")
    _check("thousand", thousand, THOUSAND_WORDS)
    _check("zero_tens", zero_tens, ZERO_TENS_WORDS)
    _check("four", four, FOUR_WORDS)
    if n == 0:
        return DIGITS[0]
    if n < 0:
        return "âm " + number_to_words(-n, thousand=thousand, zero_tens=zero_tens, four=four)
    return " ".join(_words(n, thousand, zero_tens, four))


def money_in_words(n: int, *, thousand: str = "nghìn", zero_tens: str = "linh",
                   four: str = "tư") -> str:
    """An amount of đồng in words, capitalised: 7000000 → ``Bảy triệu đồng chẵn``.

    ``chẵn`` (an even amount) is added when the amount is a whole number of
    thousands, as vouchers write it; 0 → ``Không đồng``.
    """
    text = number_to_words(n, thousand=thousand, zero_tens=zero_tens, four=four) + " đồng"
    if n and n % 1000 == 0:
        text += " chẵn"
    return text[0].upper() + text[1:]
