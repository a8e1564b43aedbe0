"""Command line: ``thidua plans | check-plan | score | demo``.

Thin: parse arguments, call the package, print. Every word shown is
Vietnamese; errors go to stderr with exit status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from thidua import __version__
from thidua.errors import ThiduaError

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
}
argparse._ = lambda text: _ARGPARSE_VI.get(text, text)  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thidua",
        description="Chấm điểm, xếp hạng và xét khen thưởng phong trào thi đua theo kế hoạch.")
    parser.add_argument("--version", action="version", version=f"thidua {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")

    sub.add_parser("plans", help="liệt kê các kế hoạch dựng sẵn",
                   description="Liệt kê các kế hoạch dựng sẵn (mã, loại, tên).")

    check = sub.add_parser("check-plan", help="kiểm tra một tệp kế hoạch",
                           description="Kiểm tra tệp kế hoạch (.yaml): báo mọi lỗi kèm số dòng và cách sửa.")
    check.add_argument("file", metavar="TỆP", help="tệp kế hoạch .yaml, hoặc mã kế hoạch dựng sẵn")

    sc = sub.add_parser("score", help="chấm điểm, xếp hạng và xét giải",
                        description="Chấm điểm các đơn vị theo kế hoạch, xếp hạng trong nhóm và xét giải.")
    sc.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn hoặc đường dẫn tệp .yaml")
    sc.add_argument("data", metavar="SỐ_LIỆU", help="bảng số liệu đơn vị (.csv hoặc .xlsx)")
    sc.add_argument("--year", type=int, metavar="NĂM",
                    help="năm áp dụng chỉ tiêu (kế hoạch có mục tiêu theo năm); mặc định: năm trong số "
                         "liệu, hoặc năm cuối của kế hoạch")
    sc.add_argument("--out", metavar="TỆP.xlsx", help="ghi sổ kết quả Excel (tiếng Việt)")
    sc.add_argument("--json", action="store_true", help="in kết quả dạng JSON cho chương trình khác")

    ut = sub.add_parser("units-template", help="tạo mẫu danh sách đơn vị để cơ quan điền",
                        description="Tạo tệp Excel danh sách đơn vị (mã, tên, nhóm, cấp, email/ghi chú) "
                                    "để cơ quan thường trực điền, dùng cho lệnh generate.")
    ut.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn hoặc đường dẫn tệp .yaml")
    ut.add_argument("--out", metavar="TỆP.xlsx", default="danh-sach-don-vi.xlsx",
                    help="tệp ghi ra (mặc định: danh-sach-don-vi.xlsx)")

    gen = sub.add_parser("generate", help="tạo mẫu nhập liệu cho từng đơn vị và sổ tổng hợp",
                         description="Tạo một tệp mẫu cho mỗi đơn vị (điền sẵn tên, nhóm, cấp; công "
                                     "thức tự chấm) và, nếu yêu cầu, sổ tổng hợp của cơ quan.")
    gen.add_argument("plan", metavar="KẾ_HOẠCH", help="mã kế hoạch dựng sẵn hoặc đường dẫn tệp .yaml")
    gen.add_argument("--units", metavar="DANH_SÁCH", required=True,
                     help="danh sách đơn vị (.xlsx từ lệnh units-template, hoặc .csv)")
    gen.add_argument("--out", metavar="THƯ_MỤC", help="thư mục ghi các tệp mẫu đơn vị")
    gen.add_argument("--master", metavar="TỆP.xlsx", help="ghi thêm sổ tổng hợp của cơ quan")
    gen.add_argument("--year", type=int, metavar="NĂM", help="năm áp dụng chỉ tiêu (kế hoạch chỉ tiêu)")

    demo = sub.add_parser("demo", help="chạy thử trên số liệu mẫu của mọi kế hoạch dựng sẵn",
                          description="Chấm điểm mọi kế hoạch dựng sẵn trên số liệu mẫu và ghi kết quả.")
    demo.add_argument("--out", metavar="THƯ_MỤC", default="sample_workbooks",
                      help="thư mục ghi kết quả (mặc định: sample_workbooks)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return {"plans": cmd_plans, "check-plan": cmd_check, "score": cmd_score,
                "units-template": cmd_units_template, "generate": cmd_generate,
                "demo": cmd_demo}[args.command](args)
    except ThiduaError as exc:
        for problem in exc.problems:
            print(f"Lỗi: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130


def cmd_plans(args) -> int:
    from thidua.plan import builtin_ids, load_plan
    kinds = {"points": "chấm điểm", "checklist": "chỉ tiêu"}
    for plan_id in builtin_ids():
        plan = load_plan(plan_id)
        print(f"{plan.id:<26} {kinds[plan.kind]:<10} {plan.title}")
    return 0


def cmd_check(args) -> int:
    from thidua.plan import load_plan
    plan = load_plan(args.file)
    parts = [f"{len(plan.inputs)} chỉ tiêu nhập liệu"]
    if plan.is_checklist:
        parts.append(f"{len(plan.indicators)} tiêu chí đối chiếu mục tiêu")
    else:
        parts.append(f"{len(plan.items)} tiêu chí chấm điểm")
    parts.append(f"{len(plan.groups)} nhóm")
    prizes = sum(len(ps.sequence()) for ps in plan.prize_sets)
    if prizes:
        parts.append(f"{prizes} giải")
    print(f"Kế hoạch hợp lệ: {plan.id} (phiên bản {plan.version}) — {', '.join(parts)}.")
    return 0


def cmd_score(args) -> int:
    from thidua.engine import score
    from thidua.plan import load_plan
    from thidua.table import read_units

    plan = load_plan(args.plan)
    table = read_units(args.data, plan)
    result = score(plan, table, year=args.year)
    if args.out:
        from thidua.output.results_xlsx import write_results
        path = write_results(result, args.out)
        if not args.json:
            print(f"Đã ghi sổ kết quả: {path}")
    if args.json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from thidua.output.summary import print_summary
        print_summary(result)
    return 0


def cmd_units_template(args) -> int:
    from thidua.plan import load_plan
    from thidua.units import write_units_template
    path = write_units_template(load_plan(args.plan), args.out)
    print(f"Đã ghi mẫu danh sách đơn vị: {path}")
    return 0


def cmd_generate(args) -> int:
    from thidua.plan import load_plan
    from thidua.units import read_unit_list
    from thidua.workbook.generate import generate_templates

    plan = load_plan(args.plan)
    if not args.out and not args.master:
        raise ThiduaError("cần ít nhất một trong hai: --out THƯ_MỤC (mẫu đơn vị) hoặc "
                          "--master TỆP.xlsx (sổ tổng hợp)")
    units = read_unit_list(args.units, plan)
    if args.out:
        paths = generate_templates(plan, units, args.out, year=args.year)
        print(f"Đã tạo {len(paths)} tệp mẫu đơn vị trong {args.out}")
    if args.master:
        from thidua.workbook.master import write_master
        path = write_master(plan, [unit_record(u) for u in units], args.master, year=args.year)
        print(f"Đã ghi sổ tổng hợp: {path}")
    return 0


def unit_record(unit) -> dict:
    return {"ma_don_vi": unit.code, "ten_don_vi": unit.name, "nhom": unit.group, "cap": unit.level}


def cmd_demo(args) -> int:
    from thidua.demo import run_demo
    return run_demo(Path(args.out))
