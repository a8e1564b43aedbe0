"""Safe file writing: nothing a user had is lost or left half-written.

``atomic_write`` writes to a temporary file beside the target and renames it
over the target only once the content is complete and on disk, so a crash or
an error mid-write leaves the old file intact. ``backup`` keeps a dated copy
of a file about to be replaced (itself written atomically: a backup file is
always complete). ``Outputs`` does the same for several files at once: every
output is prepared as a temporary file and they are put in place together at
the end (all or nothing; when the last step fails, the error says exactly what
was and was not written). ``sweep`` removes what an interrupted run left
behind, ``check_writable`` finds out before any work whether an output can be
written, and ``os_problem`` turns any operating-system error into a coded
Vietnamese :class:`~thidua.errors.Problem` naming the path and the fix.

Temporary names: ``.~ten.xlsx.tmp-<pid>-<hex>.xlsx`` beside a target, and
``.~thidua-tmp-<pid>-<hex>/`` staging folders inside an output folder: hidden
on POSIX, recognisable as ours, and carrying the process id so a later run can
tell leftovers of a dead process from files another run is writing right now.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
import shutil
import stat
import struct
import sys
from pathlib import Path
from typing import Callable

from thidua.errors import Problem, ThiduaError

#: Prefix of the hidden staging folders ``Outputs.folder`` makes inside an output folder.
STAGING_PREFIX = ".~thidua-tmp-"
_TEMP_PID = re.compile(r"\.tmp-(\d+)-[0-9a-f]{8}")
_STAGING_PID = re.compile(r"^" + re.escape(STAGING_PREFIX) + r"(\d+)-[0-9a-f]{8}$")


def _temp_path(path: Path) -> Path:
    """A fresh, not yet existing temp name beside ``path`` with the same suffix.

    ``.~ten.xlsx.tmp-4242-1a2b3c4d.xlsx``: hidden on POSIX, recognisable as ours,
    naming the writing process, and ending in the target's suffix so writers that
    check it (openpyxl) agree.
    """
    while True:
        candidate = path.with_name(
            f".~{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
        if not candidate.exists():
            return candidate


def target_of(path: str | os.PathLike) -> Path:
    """The output a temporary file or staging folder of ours stands for (else ``path``).

    ``.~ten.xlsx.tmp-1-ab12cd34.xlsx`` → ``ten.xlsx``;
    ``ra/.~thidua-tmp-1-ab12cd34/a.docx`` → ``ra/a.docx``. Used so messages name
    the file the user asked for, never our hidden temporary names.
    """
    path = Path(path)
    parts = [p for p in path.parts if not _STAGING_PID.match(p)]
    path = Path(*parts) if parts else path
    name = path.name
    while name.startswith(".~"):
        marks = list(_TEMP_PID.finditer(name))
        if not marks:
            break
        name = name[2:marks[-1].start()]  # the outermost temporary name is the last mark
    return path.with_name(name) if name and name != path.name else path


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); silently skipped where unsupported."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then move ``tmp`` onto ``path`` in one step.

    ``tmp`` is created empty (with the usual permissions, honouring the umask)
    in the target's directory, so ``os.replace`` never crosses file systems;
    a missing folder of ``path`` is created (the user named a file in it).
    ``write`` may overwrite it. If ``write`` or anything after it fails, the
    temp file is removed, ``path`` is left exactly as it was and the error is
    re-raised. When ``path`` already exists its permission bits are kept.
    Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    try:
        with open(tmp, "xb"):
            pass
        write(tmp)
        _fsync_file(tmp)
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        os_error = as_os_error(exc, path)
        if os_error is not None and os_error is not exc:
            raise os_error from exc
        raise
    _fsync_dir(path.parent)
    return path


def _keep_mode(path: Path, tmp: Path) -> None:
    if path.exists():
        try:
            shutil.copymode(path, tmp)
        except OSError:
            pass


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass  # best effort: a later run's sweep removes it


def atomic_write_many(files: list[tuple[str | os.PathLike, bytes]]) -> list[Path]:
    """Write many files, each atomically, with one flush to disk for the whole batch.

    Every file is first written to its temp name beside it; the batch is then made
    durable at once (one ``syncfs`` of the file system on Linux, ``sync`` elsewhere
    on POSIX; on Windows each temp file is flushed), and only then is each temp
    file renamed over its target, each directory flushed once. A crash leaves every
    file either as it was or complete; an error removes the temp files not yet
    renamed and is re-raised. Returns the paths.
    """
    written: list[tuple[Path, Path]] = []
    pending: set[Path] = set()  # temp files not yet renamed
    try:
        for target, data in files:
            path = Path(target)
            tmp = _temp_path(path)
            with open(tmp, "xb") as fh:
                pending.add(tmp)
                fh.write(data)
            written.append((tmp, path))
        _sync_files([tmp for tmp, _ in written])
        for tmp, path in written:
            _keep_mode(path, tmp)
            os.replace(tmp, path)
            pending.discard(tmp)
    except BaseException:
        for tmp in pending:
            _remove(tmp)
        raise
    for directory in {path.parent for _, path in written}:
        _fsync_dir(directory)
    return [path for _, path in written]


#: Up to this many files are flushed one by one; more, by flushing their file systems.
FEW_FILES = 16


def _sync_files(paths: list[Path]) -> None:
    """Make the content of ``paths`` durable: a few files (a master, a report) each flushed
    — never waiting for what other programs have written on the same disk —; many (a
    template per unit) by one ``syncfs`` per file system holding them (Linux), else one
    ``sync`` (other POSIX systems), else each file flushed (Windows)."""
    if not paths:
        return
    if os.name == "nt" or not hasattr(os, "sync") or len(paths) <= FEW_FILES:
        for path in paths:
            _fsync_file(path)
        return
    one_per_device = {os.stat(path).st_dev: path for path in paths}
    if not all(_syncfs(path) for path in one_per_device.values()):
        os.sync()


def _syncfs(path: Path) -> bool:
    """Linux ``syncfs``: flush the one file system holding ``path``; False where unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


def backup_name(path: Path, when: dt.datetime, n: int = 0) -> Path:
    """``ket-qua.xlsx`` → ``ket-qua.bak-20240131-154500.xlsx`` (``-1``, ``-2``… when taken)."""
    stamp = when.strftime("%Y%m%d-%H%M%S")
    extra = f"-{n}" if n else ""
    return path.with_name(f"{path.stem}.bak-{stamp}{extra}{path.suffix}")


def backup(path: str | os.PathLike, now: dt.datetime | None = None) -> Path | None:
    """Copy ``path`` (if it exists) to a dated name beside it; return the copy.

    An existing backup is never overwritten: the name gets ``-1``, ``-2``…
    The copy is made under a temporary name and then linked to its dated name
    exclusively, so a backup file is always complete (a crash mid-copy leaves
    only a temporary file, which ``sweep`` removes) and two runs in the same
    second cannot clobber each other. Returns ``None`` when there is nothing to
    back up.
    """
    path = Path(path)
    if not path.is_file():
        return None
    when = now or dt.datetime.now()
    tmp = _temp_path(path)
    try:
        with open(tmp, "xb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(path, tmp)
        n = 0
        while True:
            target = backup_name(path, when, n)
            if _place_new(tmp, target):
                return target
            n += 1
    finally:
        _remove(tmp)


def _place_new(tmp: Path, target: Path) -> bool:
    """Give ``tmp``'s content the name ``target`` unless that name exists (then False)."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links here (FAT, some network shares): exclusive create + copy
        pass
    try:
        with open(target, "xb") as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out)
    except FileExistsError:
        return False
    except BaseException:
        _remove(target)
        raise
    shutil.copystat(tmp, target)
    return True


# ---------------------------------------------------------------- leftovers of interrupted runs
def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (True when unsure)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        try:
            import ctypes
            kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
            handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
            if not handle:
                return ctypes.GetLastError() == 5  # type: ignore[attr-defined]  # access denied: exists
            code = ctypes.c_ulong()
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
            kernel.CloseHandle(handle)
            return code.value == 259  # STILL_ACTIVE
        except Exception:  # noqa: BLE001 - unsure: keep the file
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _leftover_pid(name: str) -> int | None:
    """The process id in one of our temporary names (None: not ours)."""
    m = _STAGING_PID.match(name)
    if m:
        return int(m.group(1))
    if name.startswith(".~"):
        m = _TEMP_PID.search(name)
        if m:
            return int(m.group(1))
    return None


def sweep(path: str | os.PathLike, *, owned: bool = False) -> list[Path]:
    """Remove the temporary files and staging folders interrupted runs left for ``path``.

    ``path`` is an output file (its ``.~name.tmp-*`` siblings are looked at) or
    an output folder (every temporary name of ours inside it). A leftover is
    removed when the process that made it no longer runs on this machine, or
    whatever process made it when ``owned`` (the caller holds the write lock of
    ``path``: nobody else may be writing it). Never fails; returns what it removed.
    """
    path = Path(path)
    if path.is_dir():
        folder, wanted = path, None
    else:
        folder, wanted = path.parent, f"~{path.name}.tmp-"
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        if not name.startswith(".~") or (wanted is not None and wanted not in name):
            continue
        pid = _leftover_pid(name)
        if pid is None or pid == os.getpid() or (not owned and _alive(pid)):
            continue
        leftover = folder / name
        _remove(leftover)
        if not leftover.exists():
            removed.append(leftover)
    return removed


# ---------------------------------------------------------------- operating-system errors
_LIBXML_IO = re.compile(r"\bIO_(E[A-Z]+)\b")


def as_os_error(exc: BaseException, path: str | os.PathLike | None = None) -> OSError | None:
    """The operating-system error behind ``exc``, or None.

    An ``OSError`` is itself (its file name filled in from ``path`` when it
    has none). Writers built on lxml (openpyxl) report a full disk as
    ``SerialisationError: IO_EFBIG`` / ``IO_ENOSPC``: those become the
    ``OSError`` they stand for. Causes and contexts are followed.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            if path is not None and not exc.filename:
                exc.filename = str(path)
            return exc
        m = _LIBXML_IO.search(str(exc))
        if m and hasattr(errno, m.group(1)):
            code = getattr(errno, m.group(1))
            return OSError(code, os.strerror(code), str(path) if path is not None else None)
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


_FS_IOC_GETFLAGS = 0x80086601
_FS_IMMUTABLE_FL, _FS_APPEND_FL = 0x10, 0x20
_NETWORK_ERRNOS = {getattr(errno, n) for n in (
    "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ECONNREFUSED",
    "EHOSTDOWN", "EHOSTUNREACH", "ESTALE", "ETIMEDOUT", "ENOTCONN", "ENOLINK", "EREMOTEIO",
    "ECOMM") if hasattr(errno, n)}
_NETWORK_WINERRORS = {51, 53, 54, 55, 59, 64, 65, 67, 71, 121, 1231, 1232, 1222}
_HELD_WINERRORS = {32, 33, 1224}
_FULL_WINERRORS = {39, 112, 1295}


def _locked_attribute(path: Path) -> bool:
    """True when ``path`` carries the Linux immutable or append-only attribute (chattr +i/+a)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import fcntl
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (ImportError, OSError):
        return False
    try:
        flags = struct.unpack("i", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack("i", 0)))[0]
        return bool(flags & (_FS_IMMUTABLE_FL | _FS_APPEND_FL))
    except OSError:
        return False
    finally:
        os.close(fd)


def _read_only_attribute(path: Path) -> bool:
    """True when ``path`` is a file marked read-only (no write permission bit for anyone)."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and not st.st_mode & 0o222


def os_problem(exc: OSError, path: str | os.PathLike | None = None, *,
               action: str = "ghi") -> Problem:
    """A coded Vietnamese problem for an operating-system error: what, where, how to fix.

    ``path``: the file the user named (default: the one in the error; our own
    temporary names are shown as the file they stand for). ``action``: the verb
    of what was being done ("ghi", "đọc", "tạo thư mục"…). Covers permission,
    read-only and immutable files and folders, disk full (also the file-size
    limit), paths too long, files held by another program and network drives
    gone; anything else is named by its system code, never by English text.
    """
    raw = path if path is not None else (exc.filename or exc.filename2 or "")
    shown = target_of(raw) if raw else Path("")
    err = exc.errno
    win = getattr(exc, "winerror", None)
    where = str(shown) if raw else ""
    head, _, rest = action.partition(" ")  # «tạo thư mục» → «không tạo được thư mục»
    verb = f"không {action} được" if " hoặc " in action or not rest else f"không {head} được {rest}"
    if win in _HELD_WINERRORS or err in (errno.EBUSY, errno.ETXTBSY):
        code = "tep_bi_giu"
        message = f"{verb}: tệp đang bị một chương trình khác giữ (Excel, Word, phần mềm diệt virus " \
                  "hoặc đồng bộ OneDrive/Google Drive)"
        hint = "đóng chương trình đang mở tệp, đợi vài giây rồi chạy lại"
    elif win in _NETWORK_WINERRORS or err in _NETWORK_ERRNOS:
        code = "mat_ket_noi"
        message = f"{verb}: mất kết nối tới ổ mạng hoặc thư mục dùng chung chứa tệp"
        hint = ("kiểm tra mạng và ổ mạng (mở thử thư mục trong File Explorer), rồi chạy lại; "
                "tệp cũ trên ổ mạng không bị thay đổi")
    elif win in _FULL_WINERRORS or err in (errno.ENOSPC, errno.EFBIG,
                                            getattr(errno, "EDQUOT", errno.ENOSPC)):
        code = "het_dung_luong"
        message = f"{verb}: ổ đĩa hết chỗ trống (hoặc vượt hạn mức dung lượng được dùng)"
        hint = "xóa bớt tệp không cần trên ổ đĩa này, hoặc ghi sang ổ khác, rồi chạy lại"
    elif err == errno.ENAMETOOLONG or win == 206:
        code = "duong_dan_qua_dai"
        message = f"{verb}: đường dẫn quá dài ({len(str(shown))} ký tự; Windows chỉ cho khoảng 260)"
        hint = ("chuyển thư mục làm việc lên gần gốc ổ đĩa (ví dụ D:\\ThiDua) hoặc đặt tên thư "
                "mục, tên tệp ngắn hơn")
    elif err == errno.EROFS or win == 19:
        code = "o_dia_chi_doc"
        message = (f"{verb}: ổ đĩa hoặc thư mục này chỉ cho đọc (USB bị gạt khóa ghi, ổ mạng chỉ "
                   "cấp quyền đọc, đĩa CD)")
        hint = "chép thư mục làm việc sang ổ ghi được (hoặc xin quyền ghi) rồi chạy lại"
    elif err in (errno.EACCES, errno.EPERM) or win == 5:
        code = "khong_co_quyen"
        candidates = [shown, shown.parent] if raw else []
        locked = next((p for p in candidates if p.exists() and _locked_attribute(p)), None)
        if locked is not None:
            kind = "thư mục" if locked.is_dir() else "tệp"
            message = (f"{verb}: {kind} «{locked}» bị đặt thuộc tính không cho sửa, xóa "
                       "(immutable)")
            hint = (f"nhờ quản trị máy gỡ thuộc tính (lệnh «chattr -i {locked}») hoặc ghi sang "
                    "chỗ khác, rồi chạy lại")
        elif raw and _read_only_attribute(shown):
            message = f"{verb}: tệp đang đặt thuộc tính chỉ đọc (Read-only)"
            hint = ("bỏ thuộc tính chỉ đọc (chuột phải vào tệp → Properties → bỏ chọn «Read-only»; "
                    "Linux: chmod u+w) rồi chạy lại, hoặc ghi ra tên tệp khác")
        else:
            message = (f"{verb}: không có quyền {action} vào đây, hoặc tệp đang mở trong chương "
                       "trình khác")
            hint = ("đóng tệp nếu đang mở; chọn thư mục bạn có quyền ghi (ví dụ trong Tài liệu "
                    "của bạn) hoặc nhờ quản trị máy cấp quyền, rồi chạy lại")
    elif err == errno.ENOENT or win in (2, 3):
        code = "khong_tim_thay"
        message = f"{verb}: không tìm thấy tệp hoặc thư mục chứa nó (đã bị xóa, đổi tên, hoặc ổ đĩa đã rút ra)"
        hint = "kiểm tra lại đường dẫn, tên tệp và ổ đĩa rồi chạy lại"
    elif err == errno.EISDIR:
        code = "sai_loai_duong_dan"
        message = f"{verb}: đây là một thư mục, cần tên một tệp"
        hint = "ghi đủ tên tệp, ví dụ «…/ket-qua.xlsx»"
    elif err in (errno.ENOTDIR, errno.EEXIST):
        code = "sai_loai_duong_dan"
        message = f"{verb}: một phần của đường dẫn là tệp chứ không phải thư mục"
        hint = "đổi tên thư mục trong đường dẫn, hoặc chọn chỗ ghi khác"
    elif err == errno.EIO:
        code = "loi_he_thong"
        message = f"{verb}: lỗi đọc/ghi của ổ đĩa (ổ bị rút ra, hỏng, hoặc mất kết nối)"
        hint = "kiểm tra ổ đĩa (cắm lại USB, kết nối lại ổ mạng) rồi chạy lại"
    else:
        code = "loi_he_thong"
        name = errno.errorcode.get(err, "") if err else ""
        number = f"mã lỗi {name or err or win}"
        message = f"{verb}: lỗi hệ thống ({number})"
        hint = "chạy lại; nếu vẫn lỗi, gửi thông báo này cho cán bộ công nghệ thông tin"
    return Problem(message, file=where, code=code, hint=hint)


def check_writable(path: str | os.PathLike, *, what: str = "tệp") -> None:
    """Find out, before any work, whether ``path`` can be (re)written; raise a coded error if not.

    Creates the missing folders of ``path`` (the user named a file in them).
    Refuses a folder where a file is wanted, a file marked read-only or
    immutable (even for an administrator: its owner set it on purpose), and a
    folder where a temporary file cannot be made (permission, read-only disk,
    disk full…). ``what`` names the output in the message («sổ tổng hợp»…).
    Temporary files a dead run left for ``path`` are removed on the way.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ThiduaError(os_problem(exc, path.parent, action="tạo thư mục")) from None
    sweep(path)
    if path.is_dir():
        raise ThiduaError(Problem(f"không ghi được {what}: đây là một thư mục, cần tên một tệp",
                                  file=str(path), code="sai_loai_duong_dan",
                                  hint=f"ghi đủ tên tệp, ví dụ «{path / 'ten-tep.xlsx'}»"))
    if path.exists() and (_read_only_attribute(path) or _locked_attribute(path)
                          or not os.access(path, os.W_OK)):
        problem = os_problem(PermissionError(errno.EACCES, "", str(path)), path)
        raise ThiduaError(problem.with_place(message=problem.message.replace(
            "không ghi được", f"không ghi được {what}", 1)))
    try:
        tmp = _temp_path(path)
        with open(tmp, "xb"):
            pass
        tmp.unlink()
    except OSError as exc:
        problem = os_problem(exc, path)
        raise ThiduaError(problem.with_place(message=problem.message.replace(
            "không ghi được", f"không ghi được {what}", 1))) from None


# ---------------------------------------------------------------- several outputs, all or nothing
class Outputs:
    """Several output files prepared as temporary files, then put in place together.

    ::

        with fileio.Outputs() as out:
            save(out.file(master))                   # a temp beside the target
            staging = out.folder(templates_dir)      # a hidden folder inside the target folder
            ... write files into staging under their final names ...
            out.commit()                             # backups, then every rename

    Nothing the user has changes before ``commit``; an error before it (or
    leaving the ``with`` block without committing) removes every temporary
    file and turns an operating-system error into a coded message saying no
    file was changed. ``commit`` first makes every backup (a failure there
    still changes nothing), then renames each file over its target; if a
    rename fails, the error lists the files written and those not written, and
    running the same command again finishes the job.
    """

    def __init__(self, *, backup: bool = True, now: dt.datetime | None = None):
        self.backup = backup
        self.now = now
        self._files: list[tuple[Path, Path, bool]] = []  # staged, target, back up
        self._folders: list[tuple[Path, Path, bool]] = []  # staging folder, out folder, back up
        self.backups: dict[Path, Path] = {}  # target -> its backup
        self.written: list[Path] = []
        self.committed = False

    def file(self, target: str | os.PathLike, *, backup: bool | None = None) -> Path:
        """An empty temporary file beside ``target`` to write its new content into."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_path(target)
        with open(tmp, "xb"):
            pass
        self._files.append((tmp, target, self.backup if backup is None else backup))
        return tmp

    def write(self, target: str | os.PathLike, write: Callable[[Path], None], *,
              backup: bool | None = None) -> Path:
        """``write(tmp)`` into a temporary file for ``target``; returns the temporary path."""
        tmp = self.file(target, backup=backup)
        write(tmp)
        return tmp

    def folder(self, out_dir: str | os.PathLike, *, backup: bool | None = None) -> Path:
        """A hidden staging folder inside ``out_dir``: files written there under their final
        names replace ``out_dir/<name>`` at commit."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        sweep(out_dir)  # what a dead run left there
        staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        staging.mkdir()
        self._folders.append((staging, out_dir, self.backup if backup is None else backup))
        return staging

    def pending(self) -> list[tuple[Path, Path, bool]]:
        """(staged file, target, back up) of every output, in commit order."""
        pairs = list(self._files)
        for staging, out_dir, keep in self._folders:
            for item in sorted(staging.iterdir()):
                if item.is_file():
                    pairs.append((item, out_dir / item.name, keep))
        return pairs

    def commit(self) -> list[Path]:
        """Back up, then put every staged file in place; returns the targets written."""
        pairs = self.pending()
        made: list[Path] = []
        try:
            _sync_files([tmp for tmp, _target, _keep in pairs])  # one flush for them all
            for _tmp, target, keep in pairs:
                if keep:
                    copy = backup(target, self.now)
                    if copy is not None:
                        self.backups[target] = copy
                        made.append(copy)
        except OSError as exc:
            for copy in made:
                _remove(copy)
            self.backups.clear()
            self.discard()
            raise ThiduaError(_unchanged(os_problem(exc, exc.filename or pairs[0][1]))) from None
        done: list[Path] = []
        for k, (tmp, target, _keep) in enumerate(pairs):
            try:
                _keep_mode(target, tmp)
                os.replace(tmp, target)
            except OSError as exc:
                self.discard()
                self.written = done
                raise ThiduaError(_partial(exc, target, done, [t for _, t, _ in pairs[k:]],
                                           self.backups)) from None
            done.append(target)
        for folder in {t.parent for _, t, _ in pairs}:
            _fsync_dir(folder)
        for staging, _out, _keep in self._folders:
            _remove(staging)
        self.written = done
        self.committed = True
        return done

    def discard(self) -> None:
        """Remove every temporary file and staging folder (nothing the user has is touched)."""
        for tmp, _target, _keep in self._files:
            _remove(tmp)
        for staging, _out, _keep in self._folders:
            _remove(staging)

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if not self.committed:
            self.discard()
        if exc is None or isinstance(exc, ThiduaError):  # already says what was (not) written
            return False
        staged = [t for _, t, _ in self._files] + [o for _, o, _ in self._folders]
        os_error = as_os_error(exc, staged[-1] if staged else None)
        if os_error is not None and not self.committed:
            raise ThiduaError(_unchanged(os_problem(os_error))) from None
        return False


def _unchanged(problem: Problem) -> Problem:
    return problem.with_place(message=problem.message + " — chưa ghi tệp nào, các tệp cũ còn nguyên")


def _partial(exc: OSError, failed: Path, done: list[Path], missing: list[Path],
             backups: dict[Path, Path]) -> list[Problem]:
    cause = os_problem(exc, failed)
    written = "; ".join(str(p) for p in done) or "không có"
    not_written = "; ".join(str(p) for p in missing)
    kept = [f"{t} (bản cũ: {b.name})" for t, b in backups.items() if t in done]
    message = (f"chỉ ghi được một phần kết quả. Đã ghi: {written}. Chưa ghi (vẫn là bản cũ hoặc "
               f"chưa có): {not_written}."
               + (f" Bản sao lưu của tệp đã ghi: {'; '.join(kept)}." if kept else ""))
    return [cause, Problem(message, file=str(failed), code="ghi_do_dang",
                           hint="khắc phục lỗi ở dòng trên rồi chạy lại đúng lệnh này: lần chạy "
                                "lại ghi nốt phần còn thiếu")]


def make_reproducible(path: str | os.PathLike, when: dt.datetime) -> None:
    """Rewrite an .xlsx so its bytes depend only on its content and ``when``.

    openpyxl stamps the save time into docProps/core.xml and every zip entry;
    generated files the repository keeps (sample workbooks) must not change
    when nothing in them did. The rewrite is itself atomic.
    """
    import re
    import zipfile

    path = Path(path)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                  rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
                entry = zipfile.ZipInfo(info.filename, date_time=date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                dst.writestr(entry, data)

    atomic_write(path, write)
