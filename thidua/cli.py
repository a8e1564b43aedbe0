"""Command line: ``thidua plans | check-plan | plan | score | … | demo``.

Thin: parse arguments, call the package, print. Every word shown is
Vietnamese; every failure a user can meet (a problem in the input, a file or
folder that cannot be written, another run holding the master, even a bug)
goes to stderr as a Vietnamese message naming the path and the fix, with exit
status 2. A Python traceback is shown only with ``--debug``; the traceback of
an unexpected error is always written to the log file the message names
(``thidua.errors.log_file``).
"""
from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from thidua import __version__
from thidua.errors import Problem, ThiduaError, write_log

# argparse's own words, in Vietnamese (it looks them up through gettext).
_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "show program's version number and exit": "hiện phiên bản rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "expected one argument": "cần một giá trị",
    "not allowed with argument %s": "không dùng cùng với %s",
}
argparse._ = lambda text: _ARGPARSE_VI.get(text, text)  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thidua",
        description="Chấm điểm, xếp hạng và xét khen thưởng phong trào thi đua theo kế hoạch.")
    parser.add_argument("--version", action="version", version=f"thidua {__version__}",
                        help="hiện phiên bản rồi thoát")
    parser.add_argument("--debug", action="store_true",
                        help="khi có lỗi, in thêm chi tiết kỹ thuật (traceback) cho cán bộ công nghệ "
                             "thông tin (đặt được ở bất kỳ chỗ nào trên dòng lệnh)")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")

    sub.add_parser("plans", help="liệt kê các kế hoạch dựng sẵn",
                   description="Liệt kê các kế hoạch dựng sẵn (mã, loại, tên).")

    check = sub.add_parser("check-plan", help="kiểm tra một tệp kế hoạch",
                           description="Kiểm tra tệp kế hoạch (.yaml hoặc .xlsx): báo mọi lỗi kèm số "
                                       "dòng (hoặc trang và ô) và cách sửa; in tổng điểm tối đa và "
                                       "các điểm đáng ngờ (giải không ai đạt được…).")
    check.add_argument("file", metavar="TỆP", help="tệp kế hoạch .yaml hoặc .xlsx, hoặc mã kế hoạch "
                                                   "dựng sẵn")
    check.add_argument("--mark", nargs="?", const="", metavar="TỆP.xlsx",
                       help="(kế hoạch .xlsx) ghi bản sao tô đỏ các ô lỗi, kèm trang «Lỗi»; mặc "
                            "định: <tên tệp>-loi.xlsx cạnh tệp kế hoạch")
    check.add_argument("--try", dest="try_data", metavar="SỐ_LIỆU",
                       help="chấm thử vài đơn vị của bảng số liệu (.csv/.xlsx), kèm cách tính")
    check.add_argument("--units", type=int, default=5, metavar="N",
                       help="số đơn vị chấm thử với --try (mặc định 5)")

    pl = sub.add_parser("plan", help="soạn kế hoạch bằng Excel: tạo mới, xuất, nhập",
                        description="Kế hoạch viết bằng Excel (tệp .xlsx, mỗi trang một phần của kế "
                                    "hoạch): tạo tệp mới có ví dụ, xuất kế hoạch có sẵn ra Excel, "
                                    "chuyển tệp Excel thành tệp .yaml.")
    pl_sub = pl.add_subparsers(dest="plan_command", metavar="VIỆC", title="các việc")
    pl_sub.required = True
    pl_new = pl_sub.add_parser("new", help="tạo tệp kế hoạch Excel mới, có dòng ví dụ",
                               description="Tạo tệp kế hoạch Excel mới: mỗi cách tính một dòng ví "
                                           "dụ, trang «Hướng dẫn» giải thích từng cột.")
    pl_new.add_argument("--out", metavar="TỆP.xlsx", default="ke-hoach.xlsx",
                        help="tệp ghi ra (mặc định: ke-hoach.xlsx)")
    pl_new.add_argument("--kind", choices=("diem", "chi-tieu"), default="diem",
                        help="diem: chấm điểm theo thang điểm (mặc định); chi-tieu: đối chiếu chỉ "
                             "tiêu với mục tiêu")
    pl_export = pl_sub.add_parser("export", help="xuất một kế hoạch ra tệp Excel",
                                  description="Xuất kế hoạch (dựng sẵn, .yaml hoặc .xlsx) ra tệp kế "
                                              "hoạch Excel để sửa.")
    pl_export.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn hoặc đường dẫn tệp")
    pl_export.add_argument("--out", metavar="TỆP.xlsx", required=True, help="tệp ghi ra")
    pl_import = pl_sub.add_parser("import", help="chuyển tệp kế hoạch Excel thành tệp .yaml",
                                  description="Đọc và kiểm tra tệp kế hoạch Excel, ghi ra tệp .yaml "
                                              "tương đương.")
    pl_import.add_argument("file", metavar="TỆP.xlsx", help="tệp kế hoạch Excel")
    pl_import.add_argument("--out", metavar="TỆP.yaml", required=True, help="tệp .yaml ghi ra")

    sc = sub.add_parser("score", help="chấm điểm, xếp hạng và xét giải",
                        description="Chấm điểm các đơn vị theo kế hoạch, xếp hạng trong nhóm và xét giải.")
    sc.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    sc.add_argument("data", metavar="SỐ_LIỆU", help="bảng số liệu đơn vị (.csv hoặc .xlsx)")
    sc.add_argument("--year", type=int, metavar="NĂM",
                    help="năm áp dụng chỉ tiêu (kế hoạch có mục tiêu theo năm); mặc định: năm trong số "
                         "liệu, hoặc năm cuối của kế hoạch")
    sc.add_argument("--out", metavar="TỆP.xlsx", help="ghi sổ kết quả Excel (tiếng Việt)")
    sc.add_argument("--json", action="store_true", help="in kết quả dạng JSON cho chương trình khác")

    ut = sub.add_parser("units-template", help="tạo mẫu danh sách đơn vị để cơ quan điền",
                        description="Tạo tệp Excel danh sách đơn vị (mã, tên, nhóm, cấp, email/ghi chú) "
                                    "để cơ quan thường trực điền, dùng cho lệnh generate.")
    ut.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    ut.add_argument("--out", metavar="TỆP.xlsx", default="danh-sach-don-vi.xlsx",
                    help="tệp ghi ra (mặc định: danh-sach-don-vi.xlsx)")

    gen = sub.add_parser("generate", help="tạo mẫu nhập liệu cho từng đơn vị và sổ tổng hợp",
                         description="Tạo một tệp mẫu cho mỗi đơn vị (điền sẵn tên, nhóm, cấp; công "
                                     "thức tự chấm) và, nếu yêu cầu, sổ tổng hợp của cơ quan.")
    gen.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    gen.add_argument("--units", metavar="DANH_SÁCH", required=True,
                     help="danh sách đơn vị (.xlsx từ lệnh units-template, hoặc .csv)")
    gen.add_argument("--out", metavar="THƯ_MỤC", help="thư mục ghi các tệp mẫu đơn vị")
    gen.add_argument("--master", metavar="TỆP.xlsx", help="ghi thêm sổ tổng hợp của cơ quan")
    gen.add_argument("--year", type=int, metavar="NĂM", help="năm áp dụng chỉ tiêu (kế hoạch chỉ tiêu)")
    gen.add_argument("--force", action="store_true", help=_FORCE_HELP)

    con = sub.add_parser("consolidate", help="tổng hợp các tệp đơn vị gửi về vào sổ tổng hợp",
                         description="Đọc mọi tệp mẫu đơn vị gửi về trong THƯ_MỤC (cả thư mục con; "
                                     ".xlsx, .xlsm, .xls, .ods), kiểm tra và ghi số liệu vào sổ tổng hợp. "
                                     "Sổ cũ được sao lưu trước khi ghi; giá trị thẩm định và ghi chú "
                                     "của cơ quan được giữ nguyên.")
    con.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    con.add_argument("folder", metavar="THƯ_MỤC", help="thư mục chứa các tệp đơn vị gửi về")
    con.add_argument("--master", metavar="TỆP.xlsx", required=True, help="sổ tổng hợp cần cập nhật")
    con.add_argument("--report", metavar="TỆP.csv", help="ghi thêm báo cáo các vấn đề ra tệp CSV")
    con.add_argument("--max-mb", type=float, default=50, metavar="MB",
                     help="từ chối tệp lớn hơn số MB này (mặc định 50)")
    con.add_argument("--period", metavar="KỲ", help="kỳ báo cáo (tháng/quý) ghi vào trang «Xu hướng»")
    con.add_argument("--force", action="store_true", help=_FORCE_HELP)

    imp = sub.add_parser("import-stats", help="nhập số liệu thống kê từ Hệ thống giải quyết TTHC",
                         description="Đọc tệp thống kê xuất từ Hệ thống thông tin giải quyết TTHC "
                                     "(hai dòng tiêu đề, ô gộp) theo bảng ánh xạ cột trong kế hoạch, "
                                     "khớp tên đơn vị và ghi vào sổ tổng hợp.")
    imp.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    imp.add_argument("export", metavar="TỆP_THỐNG_KÊ", help="tệp thống kê .xlsx hoặc .csv")
    imp.add_argument("--master", metavar="TỆP.xlsx", required=True, help="sổ tổng hợp cần cập nhật")
    imp.add_argument("--report", metavar="TỆP.csv", help="ghi thêm báo cáo các tên không khớp ra CSV")
    imp.add_argument("--force", action="store_true", help=_FORCE_HELP)

    doc = sub.add_parser("documents", help="soạn Tờ trình, Quyết định khen thưởng và Báo cáo kết quả",
                         description="Soạn các văn bản khen thưởng (.docx, và PDF khi có LibreOffice) "
                                     "theo thể thức Nghị định 30/2020/NĐ-CP từ kết quả chấm điểm: Tờ "
                                     "trình, Quyết định kèm danh sách, Báo cáo kết quả, danh sách cá "
                                     "nhân đề nghị khen thưởng.")
    doc.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn, hoặc tệp kế hoạch .yaml / .xlsx")
    doc.add_argument("--data", metavar="SỐ_LIỆU", required=True,
                     help="bảng số liệu đơn vị (.csv hoặc .xlsx, như lệnh score)")
    doc.add_argument("--out", metavar="THƯ_MỤC", required=True, help="thư mục ghi các văn bản")
    doc.add_argument("--year", type=int, metavar="NĂM",
                     help="năm áp dụng chỉ tiêu (kế hoạch có mục tiêu theo năm)")
    doc.add_argument("--config", metavar="TỆP",
                     help="tệp .yaml/.json: số văn bản, ngày ký, người ký, địa danh… (các khóa như "
                          "settings.van_ban của kế hoạch)")
    doc.add_argument("--individuals", metavar="DANH_SÁCH",
                     help="danh sách cá nhân đề nghị khen thưởng (.csv hoặc .xlsx: ho_ten, chuc_vu, "
                          "don_vi, mã tiêu chuẩn, mã thành phần hồ sơ)")
    doc.add_argument("--templates", metavar="THƯ_MỤC",
                     help="thư mục mẫu văn bản của cơ quan (mẫu thiếu thì dùng mẫu có sẵn)")
    fmt = doc.add_mutually_exclusive_group()
    fmt.add_argument("--pdf", action="store_true", default=None,
                     help="bắt buộc ghi thêm PDF (cần LibreOffice); mặc định: ghi PDF khi có LibreOffice")
    fmt.add_argument("--no-pdf", dest="pdf", action="store_false",
                     help="chỉ ghi tệp .docx (PDF cũ của các văn bản được soạn lại được đổi tên "
                          "thành bản sao lưu, để không lẫn với văn bản mới)")
    doc.add_argument("--force", action="store_true",
                     help="ghi cả khi văn bản đang mở trong Word/LibreOffice (tệp khóa còn sót lại)")

    add = sub.add_parser("addin", help="tạo và cài add-in Excel (thẻ «Thi đua» trên thanh công cụ)",
                         description="Add-in Excel cho Windows (thidua.xlam): thẻ «Thi đua» với các "
                                     "nút Kiểm tra kế hoạch, Tạo sổ từ kế hoạch, Tạo mẫu đơn vị, Tổng "
                                     "hợp, Kiểm tra dữ liệu, Tính điểm, Xét khen thưởng, Xuất văn bản. "
                                     "Hướng dẫn cài đặt: addin/README.md.")
    add_sub = add.add_subparsers(dest="addin_command", metavar="VIỆC", title="các việc")
    add_sub.required = True
    add_build = add_sub.add_parser("build", help="tạo tệp add-in thidua.xlam",
                                   description="Tạo tệp thidua.xlam từ mã nguồn văn bản đi kèm gói "
                                               "(thanh công cụ, mã VBA) — chạy được trên mọi hệ "
                                               "điều hành.")
    add_build.add_argument("--out", metavar="THƯ_MỤC", default="addin-xlam",
                           help="thư mục ghi thidua.xlam (mặc định: addin-xlam)")
    add_install = add_sub.add_parser("install", help="cài add-in vào Excel của máy này (Windows)",
                                     description="Tạo thidua.xlam (hoặc dùng tệp đã ký số qua "
                                                 "--xlam), chép vào thư mục khởi động của Excel và "
                                                 "ghi cấu hình (trình Python) để nút bấm chạy được. "
                                                 "Đóng Excel trước khi cài.")
    add_install.add_argument("--xlam", metavar="TỆP",
                             help="cài đúng tệp thidua.xlam này (ví dụ bản cán bộ CNTT đã ký số) "
                                  "thay vì tạo mới")
    add_bundle = add_sub.add_parser("bundle", help="làm bộ cài không cần Internet cho máy Windows",
                                    description="Làm tệp .zip gồm thidua và mọi thư viện nó cần "
                                                "(bản Windows 64 bit), thidua.xlam và cai-dat.bat: "
                                                "chép sang máy Windows có Python, giải nén, chạy "
                                                "cai-dat.bat. Máy làm bộ cài cần Internet.")
    add_bundle.add_argument("--out", metavar="TỆP_ZIP", default="thidua-cai-dat.zip",
                            help="tệp .zip ghi ra (mặc định: thidua-cai-dat.zip)")
    add_bundle.add_argument("--python", metavar="PHIÊN_BẢN", action="append",
                            help="phiên bản Python trên máy Windows, ví dụ 3.12 (lặp lại để kèm "
                                 "nhiều bản; mặc định: 3.12)")
    add_install.add_argument("--remove", action="store_true", help="gỡ add-in khỏi máy này")

    demo = sub.add_parser("demo", help="chạy thử trên số liệu mẫu của mọi kế hoạch dựng sẵn",
                          description="Chấm điểm mọi kế hoạch dựng sẵn trên số liệu mẫu và ghi kết quả.")
    demo.add_argument("--out", metavar="THƯ_MỤC", default="sample_workbooks",
                      help="thư mục ghi kết quả (mặc định: sample_workbooks)")
    return parser


_FORCE_HELP = ("ghi cả khi sổ đang mở trong Excel/LibreOffice (chỉ dùng khi chắc chắn tệp khóa "
               "«~$…» hoặc «.~lock…#» là còn sót lại sau khi chương trình bị tắt đột ngột)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, also after the command
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    title = "thidua " + " ".join(argv)
    previous_hook = sys.unraisablehook
    # Errors Python can only report while cleaning up (a writer's stream closed on a full
    # disk…) go to the log, not to the screen as a traceback.
    sys.unraisablehook = lambda raised: _log_unraisable(raised, title, debug)
    failed = True
    try:
        code = {"plans": cmd_plans, "check-plan": cmd_check, "plan": cmd_plan, "score": cmd_score,
                "units-template": cmd_units_template, "generate": cmd_generate,
                "consolidate": cmd_consolidate, "import-stats": cmd_import_stats,
                "documents": cmd_documents, "addin": cmd_addin, "demo": cmd_demo}[args.command](args)
        failed = False
        return code
    except ThiduaError as exc:
        _debug(debug)
        for problem in exc.problems:
            print(f"{_LABEL.get(problem.severity, 'Lỗi')}: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu. Các tệp đã có không bị thay đổi dở dang (tệp tạm được "
              "dọn ở lần chạy sau).", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the system refused a file, or a bug
        from thidua.fileio import as_os_error, os_problem
        os_error = as_os_error(exc)
        _debug(debug)
        if os_error is not None:  # a file or folder the operating system refused
            print(f"Lỗi: {os_problem(os_error, action='đọc hoặc ghi')}", file=sys.stderr)
            return 2
        log = write_log(title, traceback.format_exc())
        problem = Problem(
            "có lỗi ngoài dự kiến của chương trình nên lệnh chưa làm xong; tệp đã có không bị "
            "thay đổi dở dang", code="loi_ngoai_du_kien",
            hint=(f"chi tiết kỹ thuật đã ghi vào tệp «{log}»: gửi tệp này cho cán bộ công nghệ "
                  "thông tin" if log else "chạy lại với --debug để xem chi tiết kỹ thuật"))
        print(f"Lỗi: {problem}", file=sys.stderr)
        return 2
    finally:
        if failed:
            import gc
            gc.collect()  # half-closed writers are cleaned up under our hook
        sys.unraisablehook = previous_hook


_LABEL = {"lỗi": "Lỗi", "cảnh báo": "Cảnh báo", "thông tin": "Lưu ý"}


def _debug(debug: bool) -> None:
    """With ``--debug``: the traceback of the error being handled, on stderr."""
    if debug:
        traceback.print_exc(file=sys.stderr)


def _log_unraisable(raised, title: str, debug: bool) -> None:
    text = "".join(traceback.format_exception(raised.exc_type, raised.exc_value,
                                              raised.exc_traceback))
    write_log(f"{title} (lỗi khi dọn dẹp)", text)
    if debug:
        print(text, file=sys.stderr)


def _notices(problems: list[Problem]) -> None:
    """Things the user should know that did not stop the command (a lock taken over…)."""
    for problem in problems:
        print(f"Lưu ý: {problem}", file=sys.stderr)


def cmd_plans(args) -> int:
    from thidua.plan import builtin_ids, load_plan
    kinds = {"points": "chấm điểm", "checklist": "chỉ tiêu"}
    for plan_id in builtin_ids():
        plan = load_plan(plan_id)
        print(f"{plan.id:<26} {kinds[plan.kind]:<10} {plan.title}")
    return 0


def cmd_check(args) -> int:
    from thidua.errors import PlanError
    from thidua.plan import check, load_plan
    from thidua.plan.load import is_workbook, resolve

    path = resolve(args.file)
    if args.mark is not None and not is_workbook(path):
        raise ThiduaError("--mark chỉ dùng với kế hoạch viết bằng Excel (.xlsx): tệp YAML đã có "
                          "số dòng của từng lỗi")
    mark_to = None
    if args.mark is not None:
        mark_to = Path(args.mark) if args.mark else path.with_name(f"{path.stem}-loi.xlsx")
    try:
        plan = load_plan(args.file)
    except PlanError as exc:
        if mark_to is not None and path.is_file():
            check.mark_copy(path, exc.problems, mark_to)
            for problem in exc.problems:
                print(f"Lỗi: {problem}", file=sys.stderr)
            print(f"Đã ghi bản đánh dấu {len(exc.problems)} lỗi (ô tô đỏ, trang «Lỗi»): {mark_to}",
                  file=sys.stderr)
            return 2
        raise
    print(check.summary(plan))
    print(check.maximum(plan))
    for text in check.warnings(plan):
        print(f"Cảnh báo: {text}")
    if mark_to is not None:
        check.mark_copy(path, [], mark_to)
        print(f"Không có lỗi; đã ghi bản sao: {mark_to}")
    if args.try_data:
        print()
        for line in check.try_lines(plan, args.try_data, units=args.units):
            print(line)
    return 0


def cmd_plan(args) -> int:
    from thidua.plan.load import load_plan, load_raw, resolve

    if args.plan_command == "new":
        from thidua.plan.examples import example_raw
        from thidua.plan.xlsxwrite import write_workbook

        kind = "checklist" if args.kind == "chi-tieu" else "points"
        path = write_workbook(example_raw(kind), args.out)
        print(f"Đã tạo tệp kế hoạch: {path} — điền các trang theo «Hướng dẫn», rồi kiểm tra bằng "
              f"«thidua check-plan {path}»")
        return 0
    if args.plan_command == "export":
        from thidua.plan.xlsxwrite import write_workbook

        plan = load_plan(args.plan)  # only a valid plan is exported
        raw, _name = load_raw(args.plan)
        path = write_workbook(raw, args.out)
        print(f"Đã xuất kế hoạch {plan.id} ra tệp Excel: {path}")
        return 0
    from thidua.fileio import atomic_write
    from thidua.plan.yamlwrite import plan_yaml

    out = Path(args.out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise ThiduaError(f"tệp ghi ra «{out.name}» phải có đuôi .yaml")
    plan = load_plan(args.file)  # refuse an invalid workbook, with every problem
    raw, name = load_raw(args.file)
    text = plan_yaml(raw, Path(resolve(args.file)).name)
    atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    print(f"Đã chuyển kế hoạch {plan.id} thành tệp YAML: {out}")
    return 0


def cmd_score(args) -> int:
    from thidua.data import load_data
    from thidua.engine import score
    from thidua.gcpause import gc_paused
    from thidua.plan import load_plan

    plan = load_plan(args.plan)
    if args.out:
        from thidua.fileio import check_writable
        check_writable(args.out, what="sổ kết quả")  # before the work, not after it
    with gc_paused():
        data = load_data(plan, args.data, year=args.year)
        for note in data.notes:
            print(f"Lưu ý: {note}", file=sys.stderr)
        result = score(plan, data.table, year=data.year)
    if args.out:
        from thidua.output.results_xlsx import write_results
        path = write_results(result, args.out)
        if not args.json:
            print(f"Đã ghi sổ kết quả: {path}")
    with gc_paused():
        if args.json:
            from thidua.output.jsonout import write_json
            write_json(result.to_json(), sys.stdout)
        else:
            from thidua.output.summary import print_summary
            print_summary(result)
    return 0


def cmd_units_template(args) -> int:
    from thidua.plan import load_plan
    from thidua.fileio import check_writable
    from thidua.units import write_units_template
    plan = load_plan(args.plan)
    check_writable(args.out, what="mẫu danh sách đơn vị")
    path = write_units_template(plan, args.out)
    print(f"Đã ghi mẫu danh sách đơn vị: {path}")
    return 0


def cmd_generate(args) -> int:
    from thidua.plan import load_plan
    from thidua.units import read_unit_list
    from thidua.workbook.generate import write_campaign

    plan = load_plan(args.plan)
    if not args.out and not args.master:
        raise ThiduaError("cần ít nhất một trong hai: --out THƯ_MỤC (mẫu đơn vị) hoặc "
                          "--master TỆP.xlsx (sổ tổng hợp)")
    units = read_unit_list(args.units, plan)
    done = write_campaign(plan, units, out_dir=args.out, master=args.master, year=args.year,
                          force=args.force, command="thidua generate")
    _notices(done.notices)
    if args.out:
        print(f"Đã tạo {len(done.templates)} tệp mẫu đơn vị trong {args.out}")
    if args.master:
        print(f"Đã ghi sổ tổng hợp: {args.master}")
    copies = list(done.backups.values())
    if copies:
        shown = ", ".join(c.name for c in copies[:3]) + ("…" if len(copies) > 3 else "")
        print(f"Bản cũ của {len(copies)} tệp được sao lưu bên cạnh: {shown}")
    return 0


def cmd_consolidate(args) -> int:
    from thidua.consolidate.collect import consolidate, progress_bar
    from thidua.workbook.contract import REPORT_SHEET
    from thidua.consolidate.reader import Limits
    from thidua.plan import load_plan

    plan = load_plan(args.plan)
    if not Path(args.folder).is_dir():
        raise ThiduaError(f"không tìm thấy thư mục «{args.folder}»")
    limits = Limits(max_bytes=int(args.max_mb * 1024 * 1024))
    outcome = consolidate(plan, args.folder, args.master, report_csv=args.report, limits=limits,
                          progress=progress_bar(), period=args.period, force=args.force)
    _notices(outcome.notices)
    for issue in outcome.issues[:20]:
        where = ", ".join(x for x in (issue.file, issue.unit, issue.sheet, issue.cell) if x)
        print(f"  [{issue.severity}] {issue.code}: {where}: {issue.text()}")
    if len(outcome.issues) > 20:
        print(f"  … và {len(outcome.issues) - 20} vấn đề khác: xem trang «{REPORT_SHEET}» trong sổ.")
    print(outcome.summary())
    if outcome.changed:
        backup = f" (bản cũ lưu tại {outcome.backup})" if outcome.backup else ""
        print(f"Đã cập nhật sổ tổng hợp: {args.master}{backup}")
    else:
        print("Sổ tổng hợp không có gì thay đổi.")
    if args.report:
        print(f"Đã ghi báo cáo: {args.report}")
    return 0


def cmd_import_stats(args) -> int:
    from thidua.consolidate.importstats import import_stats
    from thidua.plan import load_plan

    outcome = import_stats(load_plan(args.plan), args.export, args.master, report_csv=args.report,
                           force=args.force)
    _notices(outcome.notices)
    for issue in outcome.issues[:30]:
        print(f"  [{issue.severity}] {issue.cell or ''} {issue.text()}".rstrip())
    print(outcome.summary())
    return 0


def unit_record(unit) -> dict:
    return {"ma_don_vi": unit.code, "ten_don_vi": unit.name, "nhom": unit.group, "cap": unit.level}


def cmd_documents(args) -> int:
    from thidua.data import load_data
    from thidua.documents import render_documents
    from thidua.engine import score
    from thidua.plan import load_plan

    plan = load_plan(args.plan)
    data = load_data(plan, args.data, year=args.year)
    for note in data.notes:
        print(f"Lưu ý: {note}", file=sys.stderr)
    result = score(plan, data.table, year=data.year)
    done = render_documents(result, args.out, config=args.config, individuals=args.individuals,
                            templates=args.templates, pdf=args.pdf, force=args.force)
    for path in done.docx + done.pdf:
        print(f"Đã ghi: {path}")
    for note in done.notes:
        print(f"Lưu ý: {note}", file=sys.stderr)
    return 0


def cmd_addin(args) -> int:
    if args.addin_command == "build":
        from thidua.addin.build import build_addin
        path = build_addin(args.out)
        print(f"Đã tạo add-in: {path}")
        return 0
    if args.addin_command == "bundle":
        from thidua.addin.bundle import bundle
        made = bundle(args.out, pythons=args.python or None)
        print(f"Đã làm bộ cài: {made.path} ({len(made.wheels)} gói, Python "
              f"{', '.join(made.pythons)}, Windows 64 bit)")
        print("Chép tệp này sang máy Windows, giải nén, chạy cai-dat.bat (xem HUONG-DAN.txt trong đó).")
        return 0
    from thidua.addin.install import install
    done = install(remove=args.remove, xlam=args.xlam)
    if args.remove:
        print(f"Đã gỡ add-in khỏi {done.folder} ({len(done.removed)} tệp) và xóa tệp cấu hình "
              f"{done.config}.")
        return 0
    for old in done.removed:
        print(f"Đã xóa bản add-in cũ: {old.name}")
    print(f"Đã cài add-in vào {done.folder}: {', '.join(p.name for p in done.files)}")
    print(f"Cấu hình: {done.config} (Python: {done.interpreter})")
    print("Mở lại Excel: thẻ «Thi đua» hiện trên thanh công cụ. Xem addin/README.md nếu không thấy.")
    return 0


def cmd_demo(args) -> int:
    from thidua.demo import run_demo
    return run_demo(Path(args.out))
