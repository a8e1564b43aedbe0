"""The reader's failure messages: one Vietnamese message per code, naming the file and the fix."""
from __future__ import annotations

from thidua.consolidate.reader.model import ReadFailure
from thidua.errors import Problem
from thidua.text import nfc

__all__ = ["fail", "size_text", "tech", "xml_error", "os_reason", "not_spreadsheet_detail"]


def size_text(n: int | float) -> str:
    if n >= 1024 * 1024 * 1024:
        return f"{n / 1024 ** 3:.1f} GB".replace(".", ",")
    if n >= 1024 * 1024:
        return f"{n / 1024 ** 2:.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{int(n)} byte"


_RESEND = "đề nghị đơn vị gửi lại đúng tệp mẫu (.xlsx) đã điền"


def fail(code: str, name: str, *, detail: str = "", **kw) -> ReadFailure:
    """A :class:`ReadFailure` with the Vietnamese message for ``code`` about file ``name``."""
    f = f"«{name}»"
    if code == "tep_qua_lon":
        if "size" in kw:
            msg = (f"Tệp {f} quá lớn ({size_text(kw['size'])}), vượt giới hạn "
                   f"{size_text(kw['limit'])} nên không đọc (tránh treo máy). Cách xử lý: kiểm tra "
                   "lại tệp — mẫu thi đua chỉ nặng vài chục KB, có thể đơn vị gửi nhầm tệp hoặc chèn "
                   "ảnh; nếu đúng là tệp cần đọc, chạy lại lệnh với giới hạn lớn hơn, ví dụ "
                   "«--max-mb 100».")
        else:
            msg = (f"Tệp {f} quá lớn để đọc an toàn ({detail}). Cách xử lý: mở tệp bằng Excel, xóa "
                   f"các ô thừa ở xa vùng số liệu rồi lưu lại; hoặc {_RESEND}.")
    elif code == "tep_rong":
        msg = (f"Tệp {f} rỗng (0 byte): tệp bị lỗi khi tải về hoặc khi gửi qua email/Zalo. "
               "Cách xử lý: tải lại tệp đính kèm, hoặc đề nghị đơn vị gửi lại.")
    elif code == "khong_phai_bang_tinh":
        msg = (f"Tệp {f} không phải bảng tính Excel ({detail}). Cách xử lý: {_RESEND}.")
    elif code == "tep_hong":
        msg = (f"Tệp {f} bị hỏng, không đọc được ({detail}). Cách xử lý: mở thử bằng Excel — nếu "
               f"Excel sửa được thì lưu lại dạng .xlsx; nếu không, {_RESEND}.")
    elif code == "co_mat_khau":
        msg = (f"Tệp {f} được đặt mật khẩu mở tệp nên không đọc được. Cách xử lý: đề nghị đơn vị gỡ "
               "mật khẩu (Excel: Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu → xóa "
               "mật khẩu, rồi lưu) và gửi lại.")
    elif code == "bom_nen":
        msg = (f"Tệp {f} có cấu trúc nén bất thường ({detail}) — có thể là tệp độc hại (bom nén) "
               f"nên không giải nén. Cách xử lý: không mở tệp này; {_RESEND}.")
    elif code == "bom_xml":
        msg = (f"Tệp {f} chứa khai báo XML nguy hiểm (DOCTYPE/ENTITY) trong phần «{detail}», điều "
               "Excel và LibreOffice không bao giờ tạo ra — có thể là tệp độc hại nên không đọc. "
               f"Cách xử lý: không mở tệp này; {_RESEND}.")
    elif code == "khong_doc_duoc":
        msg = (f"Không đọc được tệp {f}: {detail}. Cách xử lý: đóng tệp nếu đang mở trong Excel "
               "(hoặc chương trình khác), kiểm tra tệp còn đó và có quyền đọc, rồi thử lại.")
    elif code == "dinh_dang_cu":
        msg = (f"Tệp {f} {detail}: chỉ đọc được bảng tính .xlsx, .xlsm, .xls, .ods. Cách xử lý: mở "
               "tệp bằng Excel, chọn Tệp → Lưu thành → «Sổ làm việc Excel (*.xlsx)», rồi gửi lại.")
    else:  # pragma: no cover - programming error
        raise ValueError(code)
    return ReadFailure(Problem(nfc(msg), code=code, file=name))


def tech(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def xml_error(exc: Exception) -> str:
    position = getattr(exc, "position", None)
    if isinstance(position, tuple) and len(position) == 2:
        return f"XML sai cấu trúc ở dòng {position[0]}, cột {position[1]}"
    return "XML sai cấu trúc"


def os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp không còn ở đó (đã bị xóa, đổi tên hoặc di chuyển)"
    if isinstance(exc, IsADirectoryError):
        return "đây là thư mục, không phải tệp"
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp, hoặc tệp đang bị chương trình khác (Excel) khóa"
    return f"lỗi hệ thống khi đọc tệp ({exc.strerror or exc})"


def not_spreadsheet_detail(data: bytes) -> str:
    head = data[:2048]
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "đây là tệp PDF"
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) \
            or b"<html" in low[:512]:
        return ("đây là trang web (HTML) đổi đuôi thành bảng tính, thường do phần mềm khác xuất ra; "
                "mở bằng Excel rồi lưu lại dạng .xlsx")
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
        return "đây là «Bảng tính XML 2003», mở bằng Excel rồi lưu lại dạng .xlsx"
    if head.startswith(b"{\\rtf"):
        return "đây là văn bản RTF"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "đây là tệp ảnh"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "đây là tệp nén (RAR/7z/gzip); giải nén ra rồi đọc tệp bảng tính bên trong"
    try:
        head.decode("utf-8")
        return "đây là tệp văn bản thuần (có thể là CSV), không phải tệp mẫu"
    except UnicodeDecodeError:
        pass
    return "không nhận ra định dạng của tệp"

