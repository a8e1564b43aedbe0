"""The plan workbook format: its sheets, columns and words, defined once.

A plan workbook (``ke-hoach.xlsx``) says what a YAML plan says, the way
XLSForm says a form: one sheet per part of the plan, one row per element,
Vietnamese headers (the YAML key is accepted as an alias), drop-downs for the
closed choices. This module is the format's single definition, read by the
reader (:mod:`thidua.plan.xlsxread`), the writer (:mod:`thidua.plan.xlsxwrite`)
and the «Hướng dẫn» sheet the writer prints from it.

Two shapes of sheet:

* a *table* (:class:`Table`): row 1 holds the headers, each following row an
  element (an input, a criterion, a prize…);
* a *list of settings* (:class:`Settings`): column A names the setting
  («Mục»), column B holds its value («Giá trị»), column C a note.

Words people pick from a list (input types, roles, rule kinds, levels…) are
:class:`Words`: the Vietnamese word shown in the drop-down and the plan
language's code, both accepted when read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from thidua.text import fold


def _key(text: str) -> str:
    from thidua.plan.notation import clean

    return fold(clean(text))

#: Version of the plan workbook format this thidua writes and reads. A workbook
#: of a newer format is refused with a message asking to update thidua.
FORMAT_VERSION = 1
META_SHEET = "_thidua"
META_KIND = "ke_hoach"
GUIDE_SHEET = "Hướng dẫn"
ERRORS_SHEET = "Lỗi"
NOTE_PREFIX = "ghi chu"  # columns whose header starts with «Ghi chú» are the author's own


@dataclass(frozen=True)
class Words:
    """A closed choice: code → the word shown (extra spellings accepted when read)."""

    name: str
    shown: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)  # folded spelling -> code

    def code(self, value: str) -> str | None:
        key = _key(value)
        for code, word in self.shown.items():
            if key in (_key(code), _key(word)):
                return code
        return self.extra.get(key)

    def word(self, code: str) -> str:
        return self.shown.get(code, code)

    def choices(self) -> list[str]:
        return list(self.shown.values())


TYPES = Words("kiểu số liệu", {"count": "số đếm", "number": "số", "percent": "tỷ lệ %",
                               "yesno": "có/không", "choice": "lựa chọn"},
              {"so dem": "count", "ty le": "percent", "phan tram": "percent", "co khong": "yesno",
               "co/khong": "yesno", "chon": "choice", "danh sach": "choice"})
ROLES = Words("loại điểm", {"score": "cộng", "bonus": "thưởng", "deduction": "trừ"},
              {"diem": "score", "tieu chi": "score", "diem thuong": "bonus",
               "diem tru": "deduction", "cong": "score"})
KINDS = Words("cách tính", {
    "expression": "biểu thức", "ratio": "tỷ lệ", "bands": "thang bậc",
    "coefficient": "hệ số theo bậc", "per_item": "theo số lượng",
    "per_occurrence": "trừ theo số lần", "yesno": "có/không", "choice": "lựa chọn"},
    {"cong thuc": "expression", "ti le": "ratio", "bac": "bands", "he so": "coefficient",
     "moi don vi": "per_item", "so luong": "per_item", "tru theo lan": "per_occurrence",
     "co khong": "yesno", "co/khong": "yesno"})
LEVEL_WORDS = Words("cấp", {"tinh": "tỉnh", "huyen": "huyện", "xa": "xã"},
                    {"cap tinh": "tinh", "cap huyen": "huyen", "cap xa": "xa",
                     "phuong": "xa", "thi tran": "xa", "quan": "huyen", "thi xa": "huyen"})
PLAN_KINDS = Words("loại kế hoạch", {"points": "chấm điểm", "checklist": "chỉ tiêu"},
                   {"diem": "points", "cham diem": "points", "chi tieu": "checklist",
                    "doi chieu chi tieu": "checklist", "chitieu": "checklist"})
OPS = Words("so sánh", {">=": "≥", "<=": "≤", "==": "="},
            {"toi thieu": ">=", "tu": ">=", "toi da": "<=", "khong qua": "<=", "bang": "=="})
YES_NO = Words("có/không", {"true": "có", "false": "không"})
PERIODS = Words("kỳ báo cáo", {"thang": "tháng", "quy": "quý"}, {"month": "thang", "quarter": "quy"})
DECIMALS = Words("dấu thập phân", {".": "dấu chấm (.)", ",": "dấu phẩy (,)"},
                 {"dau cham": ".", "cham": ".", "dau phay": ",", "phay": ","})
PERSON_PARTS = Words("loại", {"standards": "tiêu chuẩn", "dossier": "hồ sơ"},
                     {"tieu chuan ca nhan": "standards", "thanh phan ho so": "dossier"})
ALL_GROUPS = "tất cả"
UNLIMITED = "không giới hạn"
NO_FLOOR = "không giới hạn"


# ------------------------------------------------------------------ columns
@dataclass(frozen=True)
class Column:
    """One column of a table sheet."""

    key: str  # where the value goes (the YAML key); "rule.x" for a rule's key
    header: str
    help: str
    example: str = ""
    type: str = "text"  # text | label | code | codes | expr | number | int | yesno | words | ...
    words: Words | None = None
    width: int = 14
    aliases: tuple[str, ...] = ()
    required: bool = False
    dropdown: str = ""  # "inputs", "groups": a drop-down of the codes on that sheet


@dataclass(frozen=True)
class Table:
    name: str
    section: str  # where the rows go in the plan ("inputs", "criteria"…)
    help: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


@dataclass(frozen=True)
class Setting:
    """One row of a settings sheet."""

    key: str  # dotted path in the plan ("period.from", "settings.periods")
    label: str
    help: str
    example: str = ""
    type: str = "text"
    words: Words | None = None
    repeat: bool = False  # may be written on several rows (a list: one item per row)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    name: str
    section: str  # "" for the plan itself
    help: str
    rows: tuple[Setting, ...]
    aliases: tuple[str, ...] = ()
    open_rows: str = ""  # rows not listed here: "inputs" (an input code → a column)

    def setting(self, key: str) -> Setting:
        for s in self.rows:
            if s.key == key:
                return s
        raise KeyError(key)


# ------------------------------------------------------------------ sheets
PLAN = Settings("Kế hoạch", "", (
    "Thông tin chung của kế hoạch: mỗi dòng một mục, ghi giá trị ở cột «Giá trị». "
    "Mục để trống dùng giá trị mặc định ghi ở cột «Ghi chú»."), (
    Setting("id", "Mã kế hoạch", "Mã ngắn, chữ thường không dấu, nối bằng «-»; không đổi sau khi "
            "đã gửi mẫu cho đơn vị.", "nui-thanh-dvc-2023", "code"),
    Setting("version", "Phiên bản", "Tăng lên 1 mỗi khi sửa thang điểm sau khi đã gửi mẫu. "
            "Mặc định 1.", "1", "int"),
    Setting("title", "Tên kế hoạch", "Tên phong trào, đợt thi đua như trong văn bản.",
            "Đợt thi đua cao điểm DVC trực tuyến năm 2023", "label"),
    Setting("issuer", "Cơ quan ban hành", "Viết «UBND huyện …», «UBND tỉnh …», «UBND xã …»: "
            "văn bản khen thưởng lấy địa danh và cấp từ đây.", "UBND huyện Núi Thành", "label"),
    Setting("document", "Văn bản kế hoạch", "Số, ngày của kế hoạch.",
            "Kế hoạch số 101/KH-UBND ngày 19/6/2018", "label"),
    Setting("period.from", "Từ ngày", "Ngày bắt đầu đợt thi đua.", "01/06/2023", "date"),
    Setting("period.to", "Đến ngày", "Ngày kết thúc đợt thi đua.", "31/12/2023", "date"),
    Setting("kind", "Loại kế hoạch", "«chấm điểm»: cộng điểm theo thang điểm; «chỉ tiêu»: đối "
            "chiếu từng chỉ tiêu với mục tiêu (đạt / không đạt). Mặc định: chấm điểm.",
            "chấm điểm", "words", PLAN_KINDS),
    Setting("levels", "Các cấp", "Cấp của các đơn vị, cách nhau bằng dấu phẩy: tỉnh, huyện, "
            "xã. Từ 01/7/2025 chỉ còn tỉnh và xã. Mặc định: cả ba cấp.", "tỉnh, xã", "levels"),
    Setting("years", "Các năm áp dụng", "Kế hoạch chỉ tiêu nhiều năm: năm đầu – năm cuối.",
            "2021-2025", "years"),
    Setting("total", "Cách tính tổng điểm", "Để trống: tổng các tiêu chí cộng, điểm thưởng trừ "
            "điểm trừ. Hoặc một biểu thức theo mã các tiêu chí.", "diem_ty_le * he_so - diem_tru",
            "expr"),
    Setting("total_max", "Điểm chuẩn", "Tổng điểm tối đa theo thang điểm (không kể điểm "
            "thưởng); được đối chiếu với tổng điểm tối đa các tiêu chí.", "100", "number"),
    Setting("tie_break", "Xét khi bằng điểm", "Mã các số liệu xét lần lượt khi hai đơn vị "
            "bằng điểm (cao hơn xếp trước), cách nhau bằng dấu phẩy. Để trống: Hội đồng quyết "
            "định.", "ty_le_truc_tuyen, truc_tuyen_giai_quyet", "codes"),
    Setting("self_scored", "Đơn vị tự chấm", "«có»: mỗi số liệu có cột tự chấm và cột thẩm "
            "định; giá trị thẩm định được dùng khi có. Mặc định: không.", "không", "yesno"),
    Setting("manual_total", "Tổng điểm nhập tay", "Mã số liệu (trang «Số liệu») để cơ quan "
            "nhập tổng điểm của đơn vị đặc thù.", "diem_thu_cong", "code"),
    Setting("group_from_level", "Nhóm theo cấp", "«có»: đơn vị để trống nhóm được xếp vào "
            "nhóm cùng mã với cấp của nó. Mặc định: không.", "không", "yesno"),
    Setting("settings.periods", "Kỳ báo cáo", "Theo dõi theo «tháng» hoặc «quý» (trang «Xu "
            "hướng» của sổ tổng hợp).", "tháng", "words", PERIODS),
    Setting("settings.han_nop", "Hạn gửi phiếu", "In trong hướng dẫn của phiếu gửi đơn vị.",
            "Trước ngày 05 hằng tháng", "label"),
    Setting("settings.noi_nhan", "Nơi nhận phiếu", "In trong hướng dẫn của phiếu gửi đơn vị.",
            "Phòng Nội vụ", "label"),
    Setting("classification.of", "Xếp loại theo", "Mã giá trị được xếp loại (trang «Xếp "
            "loại»). Mặc định: tổng điểm (tong_diem).", "tong_diem", "expr"),
    Setting("classification.label", "Tên cột xếp loại", "Tiêu đề hiện bên cạnh giá trị. "
            "Mặc định: Xếp loại.", "Xếp loại", "label"),
))

GROUPS = Table("Nhóm", "groups", (
    "Các nhóm đơn vị được xếp hạng riêng (khối, cụm). Kế hoạch không chia nhóm: để trống "
    "trang này."), (
    Column("code", "Mã nhóm", "Mã ngắn, chữ thường không dấu.", "xa", "code", width=14,
           required=True),
    Column("label", "Tên nhóm", "Tên hiện trong các bảng.", "Nhóm 2 — UBND các xã, thị trấn",
           "label", width=40),
    Column("level", "Cấp", "Cấp của đơn vị trong nhóm (khi danh sách đơn vị để trống cấp).",
           "xã", "words", LEVEL_WORDS, width=10),
))

INPUTS = Table("Số liệu", "inputs", (
    "Các số liệu đơn vị báo cáo (hoặc lấy từ thống kê): mỗi dòng một số liệu. Mã số liệu "
    "dùng trong cách tính ở các trang khác."), (
    Column("code", "Mã", "Mã ngắn, chữ thường không dấu, nối bằng «_».", "tong_giai_quyet",
           "code", width=24, required=True),
    Column("label", "Tên số liệu", "Tên hiện trên phiếu của đơn vị.",
           "Tổng số hồ sơ đã giải quyết", "label", width=46),
    Column("type", "Kiểu", "số đếm (số nguyên ≥ 0), số, tỷ lệ % (0–100), có/không, lựa chọn.",
           "số đếm", "words", TYPES, width=12, required=True),
    Column("unit", "Đơn vị tính", "Hiện sau con số.", "hồ sơ", "label", width=11),
    Column("min", "Nhỏ nhất", "Giá trị nhỏ nhất được nhập (số đếm: 0; tỷ lệ: 0).", "0",
           "number", width=9),
    Column("max", "Lớn nhất", "Giá trị lớn nhất được nhập (tỷ lệ: 100).", "4", "number",
           width=9),
    Column("required", "Bắt buộc", "«không»: ô để trống là chưa có số liệu, không chặn cả "
           "bảng. Mặc định: có.", "có", "yesno", width=9),
    Column("default", "Khi để trống", "Giá trị dùng khi ô để trống (ví dụ 0 với điểm thưởng).",
           "0", "number", width=10),
    Column("office_only", "Cơ quan nhập", "«có»: chỉ cơ quan thẩm định nhập (ví dụ tổng điểm "
           "nhập tay của đơn vị đặc thù); số đơn vị tự ghi bị bỏ qua và được báo. Mặc định: không.",
           "không", "yesno", width=10),
    Column("choices", "Các lựa chọn", "Kiểu lựa chọn: «mã: tên» cách nhau bằng dấu «;».",
           "khong: Không có; co: Có", "choices", width=34),
    Column("note", "Giải thích", "Hiện trên phiếu của đơn vị.", "", "label", width=30),
))

RULE_COLUMNS = (
    Column("rule.kind", "Cách tính", "Chọn trong danh sách: " + ", ".join(KINDS.choices()) + ".",
           "thang bậc", "words", KINDS, width=15, required=True),
    Column("rule.of", "Tính trên", "Mã số liệu (hoặc biểu thức) được tính. Tỷ lệ: tử số.",
           "ty_le_truoc_han", "expr", width=26, dropdown="inputs"),
    Column("rule.den", "Chia cho", "Tỷ lệ: mẫu số (chia cho 0 được 0).", "tong_giai_quyet",
           "expr", width=18, dropdown="inputs"),
    Column("rule.scale", "Nhân với", "Tỷ lệ: nhân kết quả với số này. Mặc định 100 (phần trăm).",
           "100", "number", width=9),
    Column("rule.points", "Điểm", "Thang bậc: «≥ 5 → 10; [3, 5) → 8; < 1 → 0»; có/không: "
           "«có → 5; không → 0»; lựa chọn: «mã → điểm; …»; theo số lượng: điểm mỗi đơn vị; trừ "
           "theo số lần: điểm trừ mỗi lần.", "≥ 5 → 10; [3, 5) → 8; [1, 3) → 6; < 1 → 0",
           "points", width=40),
    Column("rule.by_level", "Điểm riêng theo cấp", "Thang bậc khác cho một cấp, mỗi cấp một "
           "dòng: «xã: ≥ 10 → 10; [6, 10) → 8; …».", "xã: ≥ 10 → 10; [6, 10) → 8; < 6 → 5",
           "by_level", width=30),
    Column("rule.start", "Điểm ban đầu", "Trừ theo số lần: điểm khi không vi phạm lần nào.",
           "10", "number", width=9),
    Column("rule.cap", "Tối đa", "Theo số lượng: điểm tối đa được cộng.", "2", "number", width=8),
    Column("rule.floor", "Thấp nhất", "Trừ theo số lần: điểm thấp nhất (mặc định 0); «không "
           "giới hạn»: trừ đến điểm âm.", "0", "floor", width=10),
    Column("rule.only_if", "Chỉ tính khi", "Điều kiện để tính; không thỏa thì được điểm ở cột "
           "«Nếu không thỏa».", "co_niem_yet", "expr", width=18, dropdown="inputs"),
    Column("rule.else", "Nếu không thỏa", "Điểm khi không thỏa «Chỉ tính khi» (mặc định 0).",
           "0", "number", width=10),
)
#: Which rule column each kind reads, and the plan-language key it fills.
RULE_KEYS: dict[str, dict[str, str]] = {
    "expression": {"rule.of": "expr"},
    "ratio": {"rule.of": "num", "rule.den": "den", "rule.scale": "scale"},
    "bands": {"rule.of": "of", "rule.points": "bands", "rule.by_level": "by_level"},
    "coefficient": {"rule.of": "of", "rule.points": "bands", "rule.by_level": "by_level"},
    "per_item": {"rule.of": "of", "rule.points": "points", "rule.cap": "cap"},
    "per_occurrence": {"rule.of": "of", "rule.points": "points", "rule.start": "start",
                       "rule.floor": "floor"},
    "yesno": {"rule.of": "of", "rule.points": "yes"},
    "choice": {"rule.of": "of", "rule.points": "points"},
}
for _keys in RULE_KEYS.values():
    _keys.update({"rule.only_if": "only_if", "rule.else": "else"})

VALUES = Table("Giá trị trung gian", "values", (
    "Các giá trị tính từ số liệu (tỷ lệ, hệ số…), dùng lại trong tiêu chí, điều kiện và tổng "
    "điểm; không cộng vào tổng."), (
    Column("code", "Mã", "Mã ngắn, chữ thường không dấu.", "ty_le_truc_tuyen", "code",
           width=20, required=True),
    Column("label", "Tên", "Tên hiện trong các bảng.", "Tỷ lệ hồ sơ giải quyết trực tuyến",
           "label", width=34),
    Column("unit", "Đơn vị tính", "", "%", "label", width=10),
) + RULE_COLUMNS)

CRITERIA = Table("Tiêu chí", "criteria", (
    "Thang điểm: mỗi dòng một tiêu chí (cả điểm thưởng, điểm trừ). Dòng trống STT ngay dưới "
    "một tiêu chí viết tiếp thang bậc (một bậc một dòng) hoặc thêm một số liệu cho cách tính "
    "«theo số lượng»."), (
    Column("id", "STT", "Số thứ tự như trong thang điểm: 1, 1.1, 3.2, T1…", "1.1", "id", width=6,
           required=True),
    Column("code", "Mã", "Mã điểm của tiêu chí (dùng trong tổng điểm, điều kiện). Để trống: "
           "diem_<STT>.", "diem_1_1", "code", width=16),
    Column("section", "Phần", "Tên phần/mục chứa tiêu chí (để trống nếu không có).",
           "1. Tiếp nhận, giải quyết TTHC", "label", width=22),
    Column("label", "Nội dung tiêu chí", "Như trong thang điểm.",
           "Trả kết quả trước hạn từ 5 % hồ sơ trở lên", "label", width=40),
    Column("max", "Điểm tối đa", "Điểm chuẩn của tiêu chí.", "10", "number", width=9),
    Column("role", "Loại điểm", "cộng (tiêu chí), thưởng (điểm thưởng), trừ (điểm trừ). Mặc "
           "định: cộng.", "cộng", "words", ROLES, width=10),
    Column("levels", "Cấp áp dụng", "Để trống: mọi cấp. Hoặc các cấp được tính, ví dụ «xã».",
           "xã", "levels", width=11),
) + RULE_COLUMNS)

INDICATORS = Table("Tiêu chí", "indicators", (
    "Kế hoạch chỉ tiêu: mỗi dòng một tiêu chí với giá trị và mục tiêu. Tiêu chí gồm nhiều "
    "phần: dòng tiêu chí để trống «Giá trị», các dòng ngay dưới có STT «9.a», «9.b»…"), (
    Column("id", "STT", "Số thứ tự: 1, 2, … ; phần của tiêu chí 9: 9.a, 9.b.", "9.a", "id",
           width=6, required=True),
    Column("code", "Mã", "Để trống: tc_<STT>.", "tc_9_a", "code", width=12),
    Column("label", "Nội dung tiêu chí", "Như trong kế hoạch.",
           "Tối thiểu 62% hồ sơ TTHC được tiếp nhận trên Cổng DVC", "label", width=46),
    Column("value", "Giá trị", "Mã số liệu (hoặc biểu thức) được đối chiếu.",
           "ty_le_ho_so_tren_cong_dvc", "expr", width=28, dropdown="inputs"),
    Column("op", "So sánh", "≥ (tối thiểu), ≤ (tối đa), = (bằng). Mặc định ≥.", "≥", "words",
           OPS, width=8),
    Column("target", "Mục tiêu", "Một số, một biểu thức, hoặc theo cấp «huyện: 60; xã: 55». "
           "Mục tiêu theo năm: trang «Chỉ tiêu theo năm».", "62", "target", width=18),
    Column("unit", "Đơn vị tính", "", "%", "label", width=9),
    Column("waive_if", "Miễn xét khi", "Điều kiện để tiêu chí không áp dụng.",
           "tong_ho_so_tiep_nhan < 1200", "expr", width=22, dropdown="inputs"),
    Column("waive_reason", "Lý do miễn xét", "Hiện khi tiêu chí được miễn.",
           "Tổng số hồ sơ trong năm ít hơn 1.200", "label", width=28),
    Column("no_data_if", "Chưa đánh giá được khi", "Điều kiện để tiêu chí hiện «chưa có số liệu» "
           "(không tính là đạt hay không đạt), ví dụ không có nhân sự để chia.",
           "so_nhan_su_mot_cua == 0", "expr", width=22, dropdown="inputs"),
    Column("no_data_reason", "Lý do chưa đánh giá", "Hiện khi tiêu chí chưa đánh giá được.",
           "Chưa có số nhân sự Bộ phận Một cửa", "label", width=28),
))

YEAR_TARGETS = Table("Chỉ tiêu theo năm", "year_targets", (
    "Mục tiêu thay đổi theo năm: mỗi dòng một tiêu chí và một năm (hoặc khoảng năm). Một "
    "năm («2022») áp dụng từ năm đó tới dòng kế tiếp; khoảng năm («2023-2025») chỉ các năm đó."), (
    Column("id", "STT tiêu chí", "STT của tiêu chí ở trang «Tiêu chí».", "1", "id", width=10,
           required=True),
    Column("year", "Năm", "Một năm hoặc khoảng năm.", "2023-2025", "year", width=12,
           required=True),
    Column("target", "Mục tiêu", "Một số, một biểu thức, hoặc theo cấp «huyện: 60; xã: 55».",
           "80", "target", width=16, required=True),
))

GATES = Table("Điều kiện", "gates", (
    "Điều kiện để đơn vị được xét khen thưởng; đơn vị không đạt được ghi rõ lý do."), (
    Column("condition", "Điều kiện", "Biểu thức so sánh theo mã: ≥ ≤ = < >, và, hoặc.",
           "ty_le_truc_tuyen >= 65", "expr", width=36, required=True, dropdown="inputs"),
    Column("groups", "Nhóm áp dụng", "Để trống: mọi nhóm. Hoặc mã nhóm, cách nhau bằng dấu "
           "phẩy.", "xa", "codes", width=14, dropdown="groups"),
    Column("reason", "Lý do khi không đạt", "Viết {ma} để chèn giá trị của đơn vị.",
           "Tỷ lệ hồ sơ trực tuyến {ty_le_truc_tuyen} % chưa đạt 65 %", "label", width=50,
           required=True),
))

CHECKS = Table("Kiểm tra", "checks", (
    "Số liệu không thể đúng (phần lớn hơn toàn thể…): đơn vị vi phạm không được xếp hạng, "
    "khen thưởng; phiếu của đơn vị báo ngay khi nhập."), (
    Column("condition", "Điều kiện phải đúng", "Biểu thức so sánh giữa các số liệu.",
           "truc_tuyen_dung_han <= truc_tuyen_giai_quyet", "expr", width=44, required=True,
           dropdown="inputs"),
    Column("message", "Thông báo khi sai", "Câu hiện cho đơn vị và trong báo cáo.",
           "Số hồ sơ đúng hạn lớn hơn số hồ sơ giải quyết trực tuyến", "label", width=56,
           required=True),
))

CLASSES = Table("Xếp loại", "classification", (
    "Xếp loại hiện bên cạnh tổng điểm (giá trị ghi ở mục «Xếp loại theo» của trang «Kế "
    "hoạch»): mỗi dòng một mức, từ «Từ» đến dưới «Đến dưới»."), (
    Column("label", "Xếp loại", "Tên mức.", "Xuất sắc", "label", width=18, required=True),
    Column("from", "Từ", "Để trống ở mức thấp nhất.", "90", "number", width=8),
    Column("to", "Đến dưới", "Để trống ở mức cao nhất.", "", "number", width=10),
))

PRIZES = Table("Giải thưởng", "prizes", (
    "Cơ cấu giải theo nhóm, theo thứ tự xét: mỗi dòng một giải. Giải không có đơn vị đủ điều "
    "kiện được để trống."), (
    Column("group", "Nhóm", "Mã nhóm; «tất cả»: mỗi nhóm một cơ cấu như nhau.", "xa", "group",
           width=12, required=True, dropdown="groups"),
    Column("code", "Mã giải", "nhat, nhi, ba, kk, giay_khen…", "nhat", "code", width=10,
           required=True),
    Column("label", "Tên giải", "", "Giải Nhất", "label", width=18),
    Column("amount", "Số tiền (đồng)", "Mỗi giải; 0 nếu không kèm tiền.", "7000000", "money",
           width=13),
    Column("count", "Số lượng", "Mặc định 1; «không giới hạn»: mọi đơn vị đạt điều kiện.", "2",
           "count", width=10),
    Column("condition", "Điều kiện", "Điều kiện riêng của giải (để trống nếu không có).",
           "tong_diem >= 90", "expr", width=28, dropdown="inputs"),
    Column("reason", "Giải thích điều kiện", "Câu nói rõ điều kiện, in trong văn bản.",
           "Giải Nhất đòi hỏi tỷ lệ trực tuyến từ 70 % trở lên", "label", width=36),
    Column("total", "Tổng số giải của nhóm", "Để đối chiếu với văn bản (tùy chọn).", "5",
           "int", width=11),
))

TASKS = Table("Nhiệm vụ", "settings.tasks", (
    "Danh sách nhiệm vụ (Phụ lục kế hoạch), để theo dõi hạn và trạng thái trong sổ tổng hợp."), (
    Column("stt", "STT", "", "1", "text", width=5),
    Column("nam", "Năm", "", "2021", "text", width=10),
    Column("noi_dung", "Nội dung", "", "Xây dựng Kế hoạch triển khai", "label", width=50,
           required=True),
    Column("chu_tri", "Chủ trì", "", "Văn phòng UBND xã", "label", width=22),
    Column("phoi_hop", "Phối hợp", "", "Các bộ phận chuyên môn", "label", width=22),
    Column("thoi_han", "Thời hạn", "", "Quý III/2021", "label", width=16),
    Column("san_pham", "Sản phẩm", "", "Kế hoạch", "label", width=24),
))

PEOPLE = Table("Cá nhân", "individuals", (
    "Khen thưởng cá nhân: các tiêu chuẩn (có/không) và thành phần hồ sơ đề nghị."), (
    Column("part", "Loại", "«tiêu chuẩn» hoặc «hồ sơ».", "tiêu chuẩn", "words", PERSON_PARTS,
           width=12, required=True),
    Column("code", "Mã", "", "to_trinh", "code", width=26, required=True),
    Column("label", "Nội dung", "", "Tờ trình kèm danh sách cá nhân", "label", width=60),
))

STATS = Settings("Nhập thống kê", "stats_import", (
    "Cách đọc tệp thống kê xuất từ hệ thống (lệnh import-stats). Các dòng đầu là cách đọc; "
    "mỗi dòng sau ghi một mã số liệu (cột «Mục») và tiêu đề cột của nó trong tệp thống kê "
    "(cột «Giá trị», các tầng tiêu đề cách nhau bằng « / »)."), (
    Setting("sheet", "Trang tính", "Tên trang tính cần đọc (để trống: trang đầu có tiêu đề).",
            "Thống kê", "label"),
    Setting("sheets", "Trang tính theo cấp", "Mỗi cấp một trang: «tỉnh: Sở Ban; xã: Xã Phường».",
            "tỉnh: Sở Ban; xã: Xã Phường", "level_map"),
    Setting("name_column", "Cột tên đơn vị", "Tiêu đề cột tên đơn vị.", "Tên đơn vị", "path"),
    Setting("code_column", "Cột mã đơn vị", "Khi có: đơn vị được khớp theo mã ở cột này (mã "
            "trong danh sách đơn vị phải trùng).", "MA_COQUAN", "path"),
    Setting("header_rows", "Số dòng tiêu đề", "Tiêu đề chiếm mấy dòng (ô gộp). Mặc định 1.",
            "2", "int"),
    Setting("header_row", "Dòng tiêu đề đầu tiên", "Để trống: tìm theo cột tên đơn vị.", "4",
            "int"),
    Setting("skip_rows_matching", "Bỏ qua dòng có chữ", "Dòng tổng, dòng nhóm; cách nhau bằng "
            "dấu «;».", "cộng; tổng cộng; cấp xã", "list"),
    Setting("strip_prefixes", "Bỏ tiền tố khi so tên", "Cách nhau bằng dấu «;».",
            "UBND; xã; thị trấn", "list"),
    Setting("aliases", "Tên khác của đơn vị", "«tên trong tệp thống kê → mã đơn vị», cách nhau "
            "bằng dấu «;».", "VP HĐND&UBND huyện → CQ12", "aliases"),
    Setting("blank_as_zero", "Ô trống là 0", "Mặc định: không (ô trống báo lỗi để kiểm tra).",
            "không", "yesno"),
    Setting("decimal", "Dấu thập phân", "Số ghi dạng chữ trong tệp dùng dấu nào làm dấu thập "
            "phân (17.125 với dấu chấm là mười bảy phẩy một hai lăm).", "dấu chấm (.)", "words",
            DECIMALS),
), open_rows="inputs")

_DOCS = {"to_trinh": "Tờ trình", "quyet_dinh": "Quyết định", "bao_cao": "Báo cáo"}
_DOC_ROWS = (("so", "Số", "text", False), ("ky_hieu", "Ký hiệu", "text", False),
             ("ngay_ky", "Ngày ký", "date", False), ("quyen_han", "Quyền hạn ký", "label", True),
             ("chuc_vu", "Chức vụ người ký", "label", False),
             ("nguoi_ky", "Người ký", "label", False), ("noi_nhan", "Nơi nhận", "label", True))
DOCUMENTS = Settings("Văn bản", "settings.van_ban", (
    "Thông tin cho Tờ trình, Quyết định, Báo cáo (lệnh documents). Để trống: lấy theo cơ quan "
    "ban hành hoặc để «…» trong văn bản. «Căn cứ», «Nơi nhận», «Quyền hạn ký»: mỗi dòng một ý "
    "(ghi nhiều dòng cùng tên mục)."), (
    Setting("dia_danh", "Địa danh", "Ghi ở dòng ngày tháng.", "Núi Thành", "label"),
    Setting("nam", "Năm", "Năm ghi trên văn bản khi chưa ký.", "2024", "int"),
    Setting("co_quan_chu_quan", "Cơ quan chủ quản", "", "UBND huyện Núi Thành", "label"),
    Setting("co_quan_tham_muu", "Cơ quan tham mưu", "Soạn Tờ trình, Báo cáo.", "Phòng Nội vụ",
            "label"),
    Setting("co_quan_ban_hanh", "Cơ quan ban hành quyết định", "",
            "Ủy ban nhân dân huyện Núi Thành", "label"),
    Setting("nguoi_dung_dau", "Người đứng đầu", "", "Chủ tịch Ủy ban nhân dân huyện Núi Thành",
            "label"),
    Setting("hoi_dong", "Hội đồng thi đua", "", "Hội đồng Thi đua - Khen thưởng huyện", "label"),
    Setting("nguon_kinh_phi", "Nguồn kinh phí", "",
            "nguồn kinh phí thi đua, khen thưởng của huyện năm 2024", "label"),
    Setting("thi_hanh", "Cơ quan thi hành", "Điều 3 của Quyết định.",
            "Chánh Văn phòng HĐND và UBND huyện, Trưởng phòng Nội vụ, …", "label"),
    Setting("can_cu", "Căn cứ", "Mỗi dòng một căn cứ của Quyết định (thay các căn cứ có sẵn).",
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "label", repeat=True),
    Setting("doc_so_nghin", "Đọc số: nghìn hay ngàn", "", "nghìn", "text"),
    Setting("doc_so_linh", "Đọc số: linh hay lẻ", "", "linh", "text"),
    Setting("doc_so_bon", "Đọc số: tư hay bốn", "", "tư", "text"),
) + tuple(
    Setting(f"{doc}.{key}", f"{doc_label} — {key_label}", "", "", typ, repeat=repeat)
    for doc, doc_label in _DOCS.items() for key, key_label, typ, repeat in _DOC_ROWS))

POINTS_SHEETS = (PLAN, GROUPS, INPUTS, VALUES, CRITERIA, GATES, CHECKS, CLASSES, PRIZES, STATS,
                 DOCUMENTS, TASKS, PEOPLE)
CHECKLIST_SHEETS = (PLAN, GROUPS, INPUTS, INDICATORS, YEAR_TARGETS, GATES, CHECKS, CLASSES,
                    PRIZES, STATS, DOCUMENTS, TASKS, PEOPLE)
ALL_NAMES = sorted({s.name for s in POINTS_SHEETS + CHECKLIST_SHEETS})


def sheets_for(kind: str) -> tuple:
    return CHECKLIST_SHEETS if kind == "checklist" else POINTS_SHEETS


def find_sheet(name: str, kind: str):
    """The sheet definition named ``name`` (any case, with or without diacritics)."""
    key = fold(name)
    for sheet in sheets_for(kind):
        if key in {fold(sheet.name), *(fold(a) for a in sheet.aliases), fold(sheet.section)}:
            return sheet
    return None
