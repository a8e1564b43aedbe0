"""Vietnamese number and money words (thidua.documents.words)."""
import unicodedata

import pytest

from thidua.documents.words import money_in_words, number_to_words

TRICKY = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (55, "năm mươi lăm"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (1_000, "một nghìn"),
    (1_001, "một nghìn không trăm linh một"),
    (1_010, "một nghìn không trăm mười"),
    (2_024, "hai nghìn không trăm hai mươi tư"),
    (15_000, "mười lăm nghìn"),
    (105_000, "một trăm linh năm nghìn"),
    (1_000_000, "một triệu"),
    (1_000_001, "một triệu không trăm linh một"),
    (1_005_000, "một triệu không trăm linh năm nghìn"),
    (1_200_000, "một triệu hai trăm nghìn"),
    (2_500_000, "hai triệu năm trăm nghìn"),
    (15_500_000, "mười lăm triệu năm trăm nghìn"),
    (26_500_000, "hai mươi sáu triệu năm trăm nghìn"),
    (1_000_000_000, "một tỷ"),
    (1_000_000_005, "một tỷ không trăm linh năm"),
    (1_020_000_000, "một tỷ không trăm hai mươi triệu"),
    (2_000_000_000_000, "hai nghìn tỷ"),
    (2_000_005_000_000, "hai nghìn tỷ không trăm linh năm triệu"),
    (1_234_567_891, "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi mốt"),
]


@pytest.mark.parametrize("n, words", TRICKY)
def test_number_to_words(n, words):
    assert number_to_words(n) == words


def test_words_are_nfc():
    for n, _ in TRICKY:
        text = number_to_words(n)
        assert unicodedata.normalize("NFC", text) == text


def test_settings_ngan_le_bon():
    assert number_to_words(1_005_000, thousand="ngàn", zero_tens="lẻ") == \
        "một triệu không trăm lẻ năm ngàn"
    assert number_to_words(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert number_to_words(24, four="bốn") == "hai mươi bốn"
    assert number_to_words(14, four="tư") == "mười bốn"  # «tư» only after «mươi»


def test_bad_settings_and_types():
    with pytest.raises(ValueError):
        number_to_words(5, thousand="ngìn")
    with pytest.raises(TypeError):
        number_to_words(1.5)
    assert number_to_words(7.0) == "bảy"
    assert number_to_words(-21) == "âm hai mươi mốt"


@pytest.mark.parametrize("n, words", [
    (7_000_000, "Bảy triệu đồng chẵn"),
    (26_500_000, "Hai mươi sáu triệu năm trăm nghìn đồng chẵn"),
    (500_000, "Năm trăm nghìn đồng chẵn"),
    (1_005_000, "Một triệu không trăm linh năm nghìn đồng chẵn"),
    (1_000_001, "Một triệu không trăm linh một đồng"),
    (125, "Một trăm hai mươi lăm đồng"),
    (0, "Không đồng"),
    (1_000_000_000, "Một tỷ đồng chẵn"),
])
def test_money_in_words(n, words):
    assert money_in_words(n) == words


def test_money_in_words_settings():
    assert money_in_words(1_005_000, thousand="ngàn", zero_tens="lẻ") == \
        "Một triệu không trăm lẻ năm ngàn đồng chẵn"


def test_every_number_below_ten_thousand_reads_back_consistently():
    """Structural checks over a range: no doubled spaces, «mốt»/«lăm» only where allowed."""
    for n in range(0, 10_000):
        text = number_to_words(n)
        assert "  " not in text and text == text.strip()
        words = text.split()
        for i, w in enumerate(words):
            if w == "mốt":
                assert words[i - 1] == "mươi", (n, text)
            if w == "lăm":
                assert words[i - 1] in ("mười", "mươi"), (n, text)
            if w == "linh":
                assert words[i - 1] == "trăm", (n, text)
        if n % 100 == 5 and n >= 100 and n % 1000 // 10 % 10 == 0:
            assert text.endswith("linh năm"), (n, text)
