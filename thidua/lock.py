"""One writer at a time: the write lock of a master workbook or a documents folder.

Every command and add-in button that writes a master (``consolidate``,
``import-stats``, ``generate --master``, the add-in's Tổng hợp, Kiểm tra dữ
liệu, Tính điểm, Xét khen thưởng) and every run that writes the documents
folder holds its lock while it reads, computes and writes, so two writers can
never lose each other's work::

    with write_lock(master, what="sổ tổng hợp", force=args.force) as lock:
        ...read, compute, write...
    for notice in lock.notices: ...

How it works:

* The lock is a small file beside the master (``.~so-tong-hop.xlsx.thidua-lock``)
  or inside the documents folder (``.~thidua-lock``) saying who holds it: user,
  machine, process, start time, command. The holder keeps an operating-system
  lock on it (``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the
  system releases when the process ends in any way, ``kill -9`` included.
* A second writer waits a few seconds (:data:`WAIT`, or the ``THIDUA_LOCK_WAIT``
  environment variable), then refuses with who holds the lock (code
  ``dang_co_nguoi_ghi``).
* A lock file left by a process that died is taken over, with a notice (code
  ``khoa_con_sot``); so are the temporary files that run left behind. A lock
  file written on *another* machine less than :data:`FOREIGN_STALE` ago is
  respected (a network share may not pass operating-system locks between
  machines): the message says who and how to remove it if that run is gone.
* A master open in Excel (``~$so-tong-hop.xlsx``) or LibreOffice
  (``.~lock.so-tong-hop.xlsx#``) is refused with that explanation (code
  ``dang_mo``) unless ``force``: saving there later would overwrite what we
  write, and Windows cannot replace a file Excel holds. The add-in, which runs
  inside the Excel holding the book, passes ``office=False``.
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path

from thidua import fileio
from thidua.errors import Problem, ThiduaError
from thidua.text import nfc

__all__ = ["WAIT", "FOREIGN_STALE", "LockHolder", "WriteLock", "write_lock", "lock_path",
           "office_lock"]

#: Seconds a second writer waits for the lock before refusing.
WAIT = 5.0
#: A lock file from another machine older than this is taken as abandoned.
FOREIGN_STALE = dt.timedelta(hours=1)
_POLL = 0.1
_WIN_OFFSET = 1 << 30  # Windows: the locked byte, far past the holder's details (readable by all)


def lock_path(target: str | os.PathLike, *, folder: bool | None = None) -> Path:
    """The lock file of a file (beside it) or of a folder (inside it)."""
    target = Path(target)
    if folder if folder is not None else target.is_dir():
        return target / ".~thidua-lock"
    return target.with_name(f".~{target.name}.thidua-lock")


# ------------------------------------------------------------------ who holds it
class LockHolder(dict):
    """The details written into a lock file (user, host, pid, started, command)."""

    @classmethod
    def me(cls, command: str = "") -> "LockHolder":
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name available
            user = ""
        if not command:
            command = _command_line()
        return cls(user=user, host=socket.gethostname(), pid=os.getpid(),
                   started=dt.datetime.now().isoformat(timespec="seconds"), command=command)

    @classmethod
    def parse(cls, data: bytes) -> "LockHolder | None":
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return cls(value) if isinstance(value, dict) else None

    def text(self) -> str:
        """«người dùng an trên máy PC-01 (tiến trình 4242), từ 31/01/2024 15:45:00, lệnh …»."""
        parts = []
        if self.get("user"):
            parts.append(f"người dùng «{self['user']}»")
        if self.get("host"):
            parts.append(f"máy «{self['host']}»")
        if self.get("pid"):
            parts.append(f"tiến trình {self['pid']}")
        started = self.started()
        if started:
            parts.append(f"bắt đầu lúc {started:%H:%M:%S} ngày {started:%d/%m/%Y}")
        if self.get("command"):
            parts.append(f"lệnh «{self['command']}»")
        return ", ".join(parts) or "không rõ"

    def started(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(str(self.get("started")))
        except ValueError:
            return None

    def same_host(self) -> bool:
        return self.get("host") in (None, "", socket.gethostname())


def _command_line() -> str:
    """«thidua consolidate» for this process when it is the command line, else the program."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if program in ("__main__.py", "-c", "-m") or program.lower().startswith("thidua"):
        words = [a for a in sys.argv[1:] if not a.startswith("-")][:1]
        return " ".join(["thidua", *words])
    return program


# ------------------------------------------------------------------ Excel / LibreOffice / Word
def office_lock(path: str | os.PathLike) -> tuple[Path, str, str] | None:
    """(lock file, program, user) when ``path`` is open in Excel, Word or LibreOffice, else None.

    Excel and Word keep an owner file ``~$name`` beside the document (Word cuts
    the first one or two letters of long names); LibreOffice keeps
    ``.~lock.name#``. A crash leaves them behind, hence ``force``.
    """
    path = Path(path)
    name = path.name
    excel = path.suffix.lower() in (".xlsx", ".xlsm", ".xls")
    program = "Excel" if excel else "Word"
    for candidate in dict.fromkeys((f"~${name}", f"~${name[1:]}", f"~${name[2:]}")):
        owner = path.with_name(candidate)
        if len(candidate) > 2 and owner.is_file():
            return owner, program, _office_owner(owner)
    libre = path.with_name(f".~lock.{name}#")
    if libre.is_file():
        return libre, "LibreOffice", _libreoffice_owner(libre)
    return None


def _office_owner(owner: Path) -> str:
    """The user name Excel/Word write into ``~$`` owner files (best effort).

    Byte 0: the name's length; then the name in the ANSI code page (lossy for
    Vietnamese), padded to 54 bytes; then the length again (2 bytes) and the
    name in UTF-16 from byte 56.
    """
    try:
        data = owner.read_bytes()[:200]
    except OSError:
        return ""
    if not data:
        return ""
    n = data[0]
    candidates = [(data[56:56 + 2 * n], "utf-16-le"), (data[1:1 + n], "cp1252")]
    for raw, encoding in candidates:
        try:
            text = raw.decode(encoding).strip("\x00 ").strip()
        except UnicodeDecodeError:
            continue
        if text and len(text) <= n and text.isprintable():
            return nfc(text)
    return ""


def _libreoffice_owner(lock: Path) -> str:
    """``Nguyễn Văn An,an,PC-01,…`` (name from the options, system user, machine) → «Nguyễn
    Văn An (máy PC-01)»."""
    try:
        fields = lock.read_text(encoding="utf-8", errors="replace").split(",")
    except OSError:
        return ""
    fields = [f.strip() for f in fields] + ["", "", ""]
    user, host = fields[0] or fields[1], fields[2]
    return nfc(f"{user} (máy {host})" if user and host else user or host)


def _office_problem(path: Path, what: str, found: tuple[Path, str, str]) -> Problem:
    owner, program, user = found
    who = f" (người mở: {user})" if user else ""
    return Problem(
        f"{what} đang mở trong {program}{who}: có tệp khóa «{owner.name}» bên cạnh. Nếu ghi bây "
        f"giờ, lần lưu sau trong {program} sẽ xóa mất những gì vừa ghi", file=str(path),
        code="dang_mo",
        hint=f"đóng tệp trong {program} rồi chạy lại; nếu chắc chắn tệp không còn mở ở đâu (tệp "
             f"khóa còn sót lại sau khi {program} bị tắt đột ngột), chạy lại với --force")


# ------------------------------------------------------------------ the lock
class WriteLock:
    """The write lock of ``target`` (see the module docstring); use as a context manager."""

    def __init__(self, target: str | os.PathLike, *, what: str = "sổ tổng hợp",
                 force: bool = False, office: bool = True, folder: bool = False,
                 files: list[Path] | None = None, wait: float | None = None,
                 command: str = ""):
        self.target = Path(target)
        self.folder = folder  # a folder (documents) rather than one file (a master)
        self.command = command
        self.what = what
        self.force = force
        self.office = office
        self.files = files  # folder locks: the files to check for Excel/Word/LibreOffice locks
        if wait is None:
            try:
                wait = float(os.environ.get("THIDUA_LOCK_WAIT", WAIT))
            except ValueError:
                wait = WAIT
        self.wait = max(0.0, wait)
        self.path = lock_path(self.target, folder=folder)
        self.notices: list[Problem] = []
        self._fd: int | None = None

    # -- public
    def acquire(self) -> "WriteLock":
        if self.office and not self.force:
            for item in (self.files if self.files is not None else [self.target]):
                found = office_lock(item)
                if found:
                    raise ThiduaError(_office_problem(item, self.what if item == self.target
                                                      else f"tệp «{item.name}»", found))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ThiduaError(fileio.os_problem(exc, self.path.parent,
                                                action="tạo thư mục")) from None
        deadline = time.monotonic() + self.wait
        holder: LockHolder | None = None
        while True:
            got, holder = self._try()
            if got:
                break
            if time.monotonic() >= deadline:
                raise ThiduaError(self._held_problem(holder))
            time.sleep(_POLL)
        removed = fileio.sweep(self.target, owned=True)
        if removed:
            self.notices.append(Problem(
                f"đã xóa {len(removed)} tệp tạm của một lần chạy trước bị ngắt giữa chừng "
                f"({', '.join(p.name for p in removed[:3])}{'…' if len(removed) > 3 else ''})",
                file=str(self.target), code="khoa_con_sot"))
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if os.name == "nt":
            try:  # emptied first: if another writer keeps it open, no stale details are left
                os.ftruncate(fd, 0)
                import msvcrt
                os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            except OSError:
                pass
            os.close(fd)
            try:
                self.path.unlink()
            except OSError:
                pass  # another writer opened it meanwhile: it is theirs now
            return
        try:
            self.path.unlink()  # still holding it: a waiter then sees a new file (inode check)
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> "WriteLock":
        return self.acquire()

    def __exit__(self, *exc) -> bool:
        self.release()
        return False

    # -- internals
    def _try(self) -> tuple[bool, LockHolder | None]:
        """(True, None) when the lock is ours now; (False, holder) when someone holds it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            problem = fileio.os_problem(exc, self.path)
            raise ThiduaError(problem.with_place(
                message=f"không tạo được tệp khóa ghi của {self.what}: {problem.message}")) from None
        locked = _os_lock(fd)
        if locked is False:
            holder = _read_holder(fd)
            os.close(fd)
            return False, holder
        try:
            same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except OSError:
            same = False
        if not same:  # the holder removed it while we waited: try the new file
            os.close(fd)
            return False, None
        previous = _read_holder(fd)
        if previous is not None and _still_held(previous, os_locks=locked is True):
            _os_unlock(fd)
            os.close(fd)
            return False, previous
        if previous is not None:
            self.notices.append(Problem(
                f"khóa ghi của một lần chạy trước ({previous.text()}) còn sót lại vì lần chạy đó "
                "dừng đột ngột; đã thu hồi khóa và tiếp tục", file=str(self.target),
                code="khoa_con_sot"))
        data = json.dumps(LockHolder.me(self.command), ensure_ascii=False).encode("utf-8")
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
            os.fsync(fd)
        except OSError as exc:
            _os_unlock(fd)
            os.close(fd)
            try:
                self.path.unlink()
            except OSError:
                pass
            raise ThiduaError(fileio.os_problem(exc, self.path)) from None
        self._fd = fd
        return True, None

    def _held_problem(self, holder: LockHolder | None) -> Problem:
        who = holder.text() if holder else "không rõ"
        foreign = holder is not None and not holder.same_host()
        hint = (f"đợi lần chạy kia xong rồi chạy lại. Nếu chắc chắn không còn ai đang ghi (máy kia "
                f"đã tắt hoặc lệnh đã dừng), xóa tệp khóa «{self.path}» rồi chạy lại"
                if foreign else "đợi lần chạy kia xong (thường chỉ vài giây đến vài phút) rồi chạy lại")
        return Problem(f"{self.what} đang được một lần chạy khác ghi ({who}); đã đợi "
                       f"{self.wait:g} giây nhưng chưa xong, nên không ghi để khỏi mất số liệu của "
                       "nhau", file=str(self.target), code="dang_co_nguoi_ghi", hint=hint)


def write_lock(target: str | os.PathLike, **options) -> WriteLock:
    """``WriteLock(target, **options)``: ``with write_lock(master) as lock: …``."""
    return WriteLock(target, **options)


def _read_holder(fd: int) -> LockHolder | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
    except OSError:
        return None
    return LockHolder.parse(data) if data.strip() else None


def _still_held(holder: LockHolder, *, os_locks: bool) -> bool:
    """Whether the details left in a lock file we could lock still mean a live writer.

    Same machine: no, when operating-system locks work (the holder's ended with
    it); else only if its process still runs. Another machine (network share,
    where such locks may not cross): yes, for :data:`FOREIGN_STALE`.
    """
    if holder.same_host():
        if os_locks:
            return False
        try:
            pid = int(holder.get("pid") or 0)
        except (TypeError, ValueError):
            return False
        return pid > 0 and pid != os.getpid() and fileio._alive(pid)
    started = holder.started()
    return started is None or dt.datetime.now() - started < FOREIGN_STALE


def _os_lock(fd: int) -> bool | None:
    """True: locked; False: another process holds it; None: this file system has no locks."""
    if os.name == "nt":
        import msvcrt
        try:
            os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: rely on the details in the file
        return None


def _os_unlock(fd: int) -> None:
    try:
        if os.name == "nt":
            import msvcrt
            os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass
