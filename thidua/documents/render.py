"""Render the award documents: Word templates (docxtpl) → .docx → PDF.

Templates are .docx files with jinja2 tags (``{{ tong_tien }}``,
``{%tr for r in khen_thuong %}``…) shipped in the package
(``thidua/documents/templates/``), or in a folder the office chooses (``templates=``; a file missing
there falls back to the built-in one). Rendering uses ``StrictUndefined``: a
misspelt field is an error naming the template, the tag and the paragraph,
never a silent blank.

PDF goes through LibreOffice Writer in headless mode
(``thidua.workbook.recalc.recalculate``) when it is installed.
"""
from __future__ import annotations

import copy
import datetime as dt
import html
import io
import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from thidua import fileio
from thidua.documents.context import Bar, build_context, count_words
from thidua.documents.individuals import Proposals, read_individuals
from thidua.documents.settings import load_settings
from thidua.documents.words import money_in_words
from thidua.errors import Problem, ThiduaError
from thidua.result import ScoreResult
from thidua.text import format_number

#: Document key → template (and output) file name.
TEMPLATES = {
    "to_trinh": "to-trinh-khen-thuong.docx",
    "quyet_dinh": "quyet-dinh-khen-thuong.docx",
    "bao_cao": "bao-cao-ket-qua.docx",
    "ca_nhan": "danh-sach-ca-nhan.docx",
}
TITLES = {
    "to_trinh": "Tờ trình đề nghị khen thưởng",
    "quyet_dinh": "Quyết định khen thưởng",
    "bao_cao": "Báo cáo kết quả phong trào thi đua",
    "ca_nhan": "Danh sách cá nhân đề nghị khen thưởng",
}
#: The built-in templates: package data (``thidua/documents/templates/``, made by its build.py).
from thidua.documents.templates import DIR as DEFAULT_TEMPLATES  # noqa: E402
BAR_HEIGHT_MM = 3.5


@dataclass
class Rendered:
    """What ``render_documents`` wrote, and anything the user should be told."""

    docx: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- LibreOffice Writer
def writer_available() -> bool:
    """True when LibreOffice with its Writer part (needed for .docx → PDF) is installed."""
    from thidua.workbook.recalc import find_soffice

    exe = find_soffice()
    if exe is None:
        return False
    root = Path(os.path.realpath(exe)).parent.parent
    registries = [root / "share" / ".registry", root / "share" / "registry",
                  root / "Resources" / "registry"]
    known = [r for r in registries if r.is_dir()]
    if not known:  # a layout we do not know: let the conversion tell
        return True
    return any((r / "writer.xcd").is_file() for r in known)


def docx_to_pdf(paths: list[Path], out_dir: Path) -> list[Path]:
    """Convert .docx files to PDF with LibreOffice Writer; outputs in input order."""
    from thidua.workbook.recalc import RecalcError, recalculate

    try:
        return recalculate(paths, out_dir, fmt="pdf:writer_pdf_Export")
    except RecalcError as exc:
        raise ThiduaError(Problem(f"không chuyển được sang PDF: {exc}",
                                  hint="cài LibreOffice Writer (apt-get install "
                                       "libreoffice-writer-nogui) hoặc dùng --no-pdf")) from None


# ---------------------------------------------------------------- bars
def solid_png(color: str) -> bytes:
    """A 1×1 PNG of one colour (``"RRGGBB"``), stretched into a bar by Word."""
    rgb = bytes.fromhex(color)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" + rgb, 9)) + chunk(b"IEND", b""))


def _with_pictures(value, tpl):
    """A copy of the context with every ``Bar`` replaced by an inline picture."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    if isinstance(value, Bar):
        return InlineImage(tpl, io.BytesIO(solid_png(value.color)), width=Mm(value.width_mm),
                           height=Mm(BAR_HEIGHT_MM))
    if isinstance(value, dict):
        return {k: _with_pictures(v, tpl) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_pictures(v, tpl) for v in value]
    return value


# ---------------------------------------------------------------- errors
_TAG = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)|\{#.*?(?:#\}|$)", re.DOTALL)


def _template_lines(tpl) -> list[str]:
    """The jinja source docxtpl renders, split as it splits it (a line per paragraph)."""
    try:
        xml = tpl.patch_xml(tpl.get_xml())
    except Exception:  # noqa: BLE001 - only used to point at the place
        return []
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).splitlines()


def _plain(xml_line: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", xml_line))
    return re.sub(r"\s+", " ", text).strip()


def _template_lineno(exc: BaseException) -> int | None:
    """Line of the jinja source where a render error happened (from the traceback)."""
    tb = exc.__traceback__
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _why_syntax(message: str) -> tuple[str, str]:
    """A jinja2 syntax message in Vietnamese: (what is wrong, how to fix)."""
    m = re.search(r"looking for the following tags: (.+?)\.", message)
    wanted = ""
    if m:
        names = [n for n in re.findall(r"'(\w+)'", m.group(1)) if n.startswith("end")]
        wanted = " hoặc ".join("{% " + n + " %}" for n in names)
    m = re.match(r"Encountered unknown tag '(\w+)'", message)
    if m:
        why = f"thẻ lạ «{m.group(1)}»"
        if m.group(1) in ("tr", "tc", "p", "r"):
            return why, ("«{%tr … %}» chỉ dùng trong một ô của dòng bảng, «{%p … %}» phải đứng một "
                         "mình trong một đoạn")
        return why, (f"cần {wanted}" if wanted else "dùng if/for/endif/endfor; xem README")
    if message.startswith("Unexpected end of template") or "unexpected end of template" in message:
        return "thiếu thẻ đóng", (f"thêm {wanted}" if wanted else "mỗi {% if %} cần {% endif %}, "
                                  "mỗi {% for %} cần {% endfor %}")
    m = re.search(r"unexpected char '(.+?)'", message)
    if m:
        return f"ký tự không hợp lệ «{m.group(1)}»", "trong thẻ chỉ dùng tên trường, dấu chấm và phép so sánh"
    m = re.search(r"expected token '(.+?)', got '(.+?)'", message)
    if m:
        return f"viết sai cú pháp gần «{m.group(2)}»", "kiểm tra cặp ngoặc {{ … }} và {% … %}"
    m = re.search(r"unexpected '(.+?)'", message)
    if m:
        return f"viết sai cú pháp gần «{m.group(1)}»", "kiểm tra cặp ngoặc {{ … }} và {% … %}"
    return "thẻ viết sai cú pháp", "kiểm tra cặp ngoặc {{ … }} và {% … %}"


def _template_error(template: Path, exc: BaseException, tpl, context: dict) -> ThiduaError:
    import jinja2

    lines = _template_lines(tpl)
    lineno = getattr(exc, "lineno", None) if isinstance(exc, jinja2.TemplateSyntaxError) \
        else _template_lineno(exc)
    paragraph, tags = "", []
    if lineno and 0 < lineno <= len(lines):
        paragraph = _plain(lines[lineno - 1])
        tags = _TAG.findall(paragraph)
    hint = ""
    if isinstance(exc, jinja2.UndefinedError):
        message = str(exc.message or exc)
        m = re.match(r"'([^']+)' is undefined", message)
        m2 = re.match(r"'.+?' (?:object )?has no attribute '([^']+)'", message)
        name = m.group(1) if m else (m2.group(1) if m2 else "")
        why = f"trường «{name}» không có" if name else "dùng một trường không có"
        if m:
            hint = "kiểm tra chính tả; các trường dùng được: " + ", ".join(sorted(context))
        else:
            hint = "kiểm tra chính tả tên trường sau dấu chấm (xem README, mục «Văn bản khen thưởng»)"
        named = [t for t in tags if name and re.search(rf"\b{re.escape(name)}\b", t)]
        tags = named or tags
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        why, hint = _why_syntax(str(exc.message or exc))
    else:
        why = "thẻ không tính được giá trị"
        hint = "kiểm tra phép tính hoặc bộ lọc (so, so_tien, bang_chu) trong các thẻ của đoạn này"
        tags = tags if len(tags) == 1 else []
    where = f" ở thẻ «{html.unescape(tags[0])}»" if tags else ""
    if paragraph:
        shown = paragraph if len(paragraph) <= 90 else paragraph[:87] + "…"
        where += f" (đoạn «{shown}»)"
    return ThiduaError(Problem(f"mẫu văn bản lỗi{where}: {why}", file=str(template), hint=hint))


# ---------------------------------------------------------------- rendering
def template_path(key: str, templates: str | os.PathLike | None = None) -> Path:
    """The template of document ``key``: the office's folder first, then the built-in one."""
    name = TEMPLATES[key]
    if templates is not None:
        own = Path(templates) / name
        if own.is_file():
            return own
        if not Path(templates).is_dir():
            raise ThiduaError(Problem("không tìm thấy thư mục mẫu văn bản", file=str(templates)))
    path = DEFAULT_TEMPLATES / name
    if not path.is_file():
        raise ThiduaError(Problem(
            f"không tìm thấy mẫu văn bản «{name}»", file=str(path),
            hint="cài lại thidua (các mẫu đi kèm gói), hoặc chỉ thư mục mẫu của cơ quan bằng --templates"))
    return path


def typography(value):
    """Every printed field as a document writes it: “…” quotes (not «…»), ``70%``."""
    if isinstance(value, str):
        value = value.replace("«", "“").replace("»", "”")
        value = re.sub(r"(\d) %", r"\1%", value)
    return value


def jinja_env():
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True,
                             finalize=typography)
    env.filters["so"] = lambda v, d=2: v if isinstance(v, str) else format_number(v, d)
    env.filters["so_dem"] = lambda v: v if isinstance(v, str) else count_words(int(v))
    env.filters["so_tien"] = lambda v: v if isinstance(v, str) else format_number(v, 0)
    env.filters["bang_chu"] = lambda v: money_in_words(_whole(v))
    return env


def _whole(value) -> int:
    """An amount for ``bang_chu``: a number, or text as shown (``7.000.000``)."""
    if isinstance(value, str):
        from thidua.text import parse_number
        value = parse_number(value)
    return int(round(float(value)))


def render_docx(template: Path, context: dict, out: Path, *, title: str = "",
                when: dt.datetime | None = None, backup: bool = True) -> Path:
    """Render one template with ``context`` into ``out`` (atomically; the old file backed up)."""
    import jinja2
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(template))
        tpl.init_docx()
    except Exception as exc:  # noqa: BLE001 - not a Word file, damaged zip…
        raise ThiduaError(Problem(f"không mở được mẫu văn bản ({type(exc).__name__})",
                                  file=str(template),
                                  hint="mẫu phải là tệp Word .docx; mở bằng Word rồi lưu lại")) from None
    full = _with_pictures(copy.copy(context), tpl)
    try:
        tpl.render(full, jinja_env=jinja_env(), autoescape=True)
    except jinja2.TemplateError as exc:
        raise _template_error(template, exc, tpl, context) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
        if _template_lineno(exc) is None:
            raise
        raise _template_error(template, exc, tpl, context) from None
    stamp = when or dt.datetime.now().replace(microsecond=0)
    props = tpl.docx.core_properties
    props.created = stamp
    props.modified = stamp
    props.last_modified_by = "thidua"
    props.revision = 1
    if title:
        props.title = title
    if backup:
        fileio.backup(out)
    fileio.atomic_write(out, lambda tmp: tpl.save(str(tmp)))
    if when is not None:
        fileio.make_reproducible(out, when)
    return out


def documents_for(result: ScoreResult, context: dict) -> list[str]:
    """Which documents a result calls for, in reading order."""
    keys = []
    if result.plan.prize_sets and context["so_giai"]:
        keys += ["to_trinh", "quyet_dinh"]
    keys.append("bao_cao")
    if context["ca_nhan"]["co"]:
        keys.append("ca_nhan")
    return keys


def render_documents(result: ScoreResult, out_dir: str | os.PathLike, *,
                     config: str | os.PathLike | dict | None = None,
                     individuals: str | os.PathLike | Proposals | None = None,
                     templates: str | os.PathLike | None = None,
                     pdf: bool | None = None, when: dt.datetime | None = None,
                     backup: bool = True, force: bool = False) -> Rendered:
    """Write the award documents of ``result`` into ``out_dir``.

    ``config``: a YAML/JSON file (or dict) over the plan's ``settings.van_ban``.
    ``individuals``: the people proposed (.csv/.xlsx path, or ``Proposals``).
    ``templates``: the office's own template folder. ``pdf``: ``True`` requires
    PDF, ``False`` skips it, ``None`` makes it when LibreOffice Writer is
    installed (else a note says why there is none). ``when``: a fixed time
    makes the .docx byte-for-byte reproducible. ``backup``: keep a dated copy
    of a document about to be overwritten (it may hold the office's edits).

    The folder's write lock is held throughout (``thidua.lock``; a document
    open in Word or LibreOffice is refused unless ``force``). Every document
    (and PDF) is prepared in a hidden staging folder and they are put in place
    together at the end. A PDF left from an earlier run of a document rewritten
    now without PDF would contradict it: it is renamed to a backup name
    (deleted when ``backup`` is False), and a note says so.
    """
    from thidua.lock import write_lock

    plan = result.plan
    settings = load_settings(plan, config, year=result.year)
    proposals = individuals
    if individuals is not None and not isinstance(individuals, Proposals):
        proposals = read_individuals(individuals, plan)
    context = build_context(result, settings, proposals,
                            today=(when or dt.datetime.now()).date())
    out = Path(out_dir)
    done = Rendered()
    if plan.prize_sets and not context["so_giai"]:
        done.notes.append("Không có tập thể nào được đề nghị khen thưởng: không lập Tờ trình và "
                          "Quyết định.")
    keys = documents_for(result, context)
    sources = {key: template_path(key, templates) for key in keys}
    make_pdf = pdf is not False and writer_available()
    if pdf and not make_pdf:
        raise ThiduaError(Problem(
            "không tìm thấy LibreOffice Writer để chuyển văn bản sang PDF",
            hint="cài LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui) "
                 "hoặc bỏ --pdf"))
    targets = [out / TEMPLATES[key] for key in keys]
    with write_lock(out, folder=True, what="thư mục văn bản", force=force, files=targets) as lock, \
            fileio.Outputs(backup=backup) as outputs:
        staging = outputs.folder(out)
        staged = [render_docx(sources[key], context, staging / TEMPLATES[key], title=TITLES[key],
                              when=when, backup=False) for key in keys]
        if make_pdf:  # PDFs are made again from the documents: their old copies are not kept
            docx_to_pdf(staged, outputs.folder(out, backup=False))
        outputs.commit()
    done.notes += [str(p) for p in lock.notices]
    done.docx = targets
    if make_pdf:
        done.pdf = [t.with_suffix(".pdf") for t in targets]
    else:
        done.notes += _stale_pdfs(targets, outputs.backups, backup)
        if pdf is None:
            done.notes.append("Không tìm thấy LibreOffice Writer: chỉ ghi tệp .docx (mở bằng Word "
                              "rồi lưu thành PDF nếu cần).")
    return done


def _stale_pdfs(docs: list[Path], backups: dict[Path, Path], keep: bool) -> list[str]:
    """Move aside the PDF of each document just rewritten without PDF; the notes saying so.

    The PDF is renamed like the document's backup (``….bak-<thời điểm>.pdf``, beside the
    ``.docx`` it was made from), or deleted when no backups are kept.
    """
    notes = []
    for doc in docs:
        old = doc.with_suffix(".pdf")
        if not old.is_file():
            continue
        try:
            if keep:
                stamp = backups[doc].stem.rsplit(".bak-", 1)[1] if doc in backups else \
                    dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                n, target = 0, old.with_name(f"{old.stem}.bak-{stamp}.pdf")
                while target.exists():
                    n += 1
                    target = old.with_name(f"{old.stem}.bak-{stamp}-{n}.pdf")
                os.rename(old, target)
                notes.append(f"PDF cũ «{old.name}» làm từ bản trước của «{doc.name}» nên không còn "
                             f"đúng: đã đổi tên thành «{target.name}» để không lẫn với văn bản mới.")
            else:
                old.unlink()
                notes.append(f"Đã xóa PDF cũ «{old.name}» (làm từ bản trước của «{doc.name}», không "
                             "còn đúng với văn bản mới).")
        except OSError as exc:
            problem = fileio.os_problem(exc, old, action="đổi tên")
            notes.append(f"PDF cũ «{old.name}» không còn đúng với «{doc.name}» mới nhưng {problem.message}"
                         f" — Cách sửa: xóa hoặc đổi tên tệp này bằng tay ({problem.hint}).")
    return notes
