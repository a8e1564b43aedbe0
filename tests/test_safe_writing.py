"""The pieces behind «nothing lost»: OS errors in words, temporary files, backups, outputs, locks."""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from thidua import fileio
from thidua.errors import CODES, ThiduaError
from thidua.lock import WriteLock, lock_path, office_lock

ENGLISH = re.compile(r"No such file|Permission denied|No space|Read-only file system|File name too "
                     r"long|Errno|Error\b")


class WindowsError_(OSError):
    """An OSError as Windows raises it (``winerror`` set)."""

    def __init__(self, winerror: int, filename: str):
        super().__init__(errno.EINVAL, "Windows says no", filename)
        self.winerror = winerror


@pytest.mark.parametrize("error, code, words", [
    (PermissionError(errno.EACCES, "Permission denied", "D:/ThiDua/so.xlsx"), "khong_co_quyen",
     ["không có quyền"]),
    (OSError(errno.EROFS, "Read-only file system", "/mnt/usb/so.xlsx"), "o_dia_chi_doc",
     ["chỉ cho đọc"]),
    (OSError(errno.ENOSPC, "No space left on device", "so.xlsx"), "het_dung_luong", ["hết chỗ trống"]),
    (OSError(errno.EFBIG, "File too large", "so.xlsx"), "het_dung_luong", ["hết chỗ trống"]),
    (OSError(errno.ENAMETOOLONG, "File name too long", "a" * 300), "duong_dan_qua_dai",
     ["quá dài", "gần gốc ổ đĩa"]),
    (OSError(errno.ESTALE, "Stale file handle", "//may-chu/chung/so.xlsx"), "mat_ket_noi", ["ổ mạng"]),
    (WindowsError_(64, r"\\may-chu\chung\so.xlsx"), "mat_ket_noi", ["ổ mạng"]),
    (WindowsError_(32, r"C:\ThiDua\so.xlsx"), "tep_bi_giu", ["chương trình khác giữ"]),
    (WindowsError_(112, r"C:\ThiDua\so.xlsx"), "het_dung_luong", ["hết chỗ trống"]),
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "khong-co/so.xlsx"),
     "khong_tim_thay", ["không tìm thấy"]),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "ket-qua"), "sai_loai_duong_dan", ["thư mục"]),
    (OSError(errno.EIO, "Input/output error", "E:/so.xlsx"), "loi_he_thong", ["ổ đĩa"]),
    (OSError(errno.ELOOP, "Too many levels of symbolic links", "x.xlsx"), "loi_he_thong", ["ELOOP"]),
])
def test_every_os_error_becomes_a_coded_vietnamese_problem_with_the_path_and_fix(error, code, words):
    problem = fileio.os_problem(error)
    text = str(problem)
    assert problem.code == code and code in CODES and problem.is_error
    assert problem.file and problem.file in text and problem.hint
    assert not ENGLISH.search(problem.text()), text
    for word in words:
        assert word in text, text


def test_messages_name_the_users_file_not_our_temporary_names(tmp_path):
    temp = tmp_path / ".~so-tong-hop.xlsx.tmp-4242-0a1b2c3d.xlsx"
    assert fileio.target_of(temp) == tmp_path / "so-tong-hop.xlsx"
    nested = tmp_path / ".~.~so.xlsx.tmp-1-0a1b2c3d.xlsx.tmp-1-1a2b3c4d.xlsx"
    assert fileio.target_of(nested) == tmp_path / "so.xlsx"
    staged = tmp_path / ".~thidua-tmp-77-0a1b2c3d" / "to-trinh.docx"
    assert fileio.target_of(staged) == tmp_path / "to-trinh.docx"
    problem = fileio.os_problem(OSError(errno.ENOSPC, "No space", str(temp)))
    assert problem.file == str(tmp_path / "so-tong-hop.xlsx")


def test_lxml_reports_of_a_full_disk_are_os_errors():
    from lxml import etree
    try:
        raise etree.SerialisationError("IO_EFBIG")
    except etree.SerialisationError as exc:
        found = fileio.as_os_error(exc, "so.xlsx")
    assert found is not None and found.errno == errno.EFBIG and found.filename == "so.xlsx"
    assert fileio.as_os_error(ValueError("khác")) is None


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_what_dead_runs_left_and_spares_live_ones(tmp_path):
    target = tmp_path / "so.xlsx"
    target.write_bytes("sổ".encode())
    dead, alive = dead_pid(), os.getppid()
    stale = tmp_path / f".~so.xlsx.tmp-{dead}-0a1b2c3d.xlsx"
    busy = tmp_path / f".~so.xlsx.tmp-{alive}-0a1b2c3d.xlsx"
    mine = tmp_path / f".~so.xlsx.tmp-{os.getpid()}-0a1b2c3d.xlsx"
    other = tmp_path / f".~khac.xlsx.tmp-{dead}-0a1b2c3d.xlsx"
    staging = tmp_path / f".~thidua-tmp-{dead}-0a1b2c3d"
    for path in (stale, busy, mine, other):
        path.write_bytes(b"do dang")
    staging.mkdir()
    (staging / "a.docx").write_bytes(b"x")
    assert fileio.sweep(target) == [stale]
    assert fileio.sweep(target, owned=True) == [busy]  # we hold its lock: nobody else writes it
    assert mine.exists() and other.exists() and target.read_bytes() == "sổ".encode()
    assert sorted(fileio.sweep(tmp_path)) == sorted([other, staging])  # a folder: everything of ours


def test_a_backup_is_complete_or_absent(tmp_path, monkeypatch):
    path = tmp_path / "so.xlsx"
    path.write_bytes(b"x" * 100_000)

    def broken(src, dst, length=0):
        dst.write(src.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", broken)
    with pytest.raises(OSError):
        fileio.backup(path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["so.xlsx"]
    made = fileio.backup(path, dt.datetime(2024, 1, 31, 15, 45))
    assert made.name == "so.bak-20240131-154500.xlsx" and made.read_bytes() == path.read_bytes()


def test_outputs_are_put_in_place_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "con" / "b.txt"
    a.write_text("cũ", encoding="utf-8")
    with pytest.raises(ThiduaError) as caught:
        with fileio.Outputs() as out:
            out.write(a, lambda tmp: tmp.write_text("mới", encoding="utf-8"))
            out.write(b, lambda tmp: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full", str(tmp))))
    assert caught.value.problems[0].code == "het_dung_luong"
    assert "chưa ghi tệp nào" in str(caught.value.problems[0])
    assert caught.value.problems[0].file == str(b)
    assert a.read_text(encoding="utf-8") == "cũ" and not b.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.txt"]
    with fileio.Outputs(now=dt.datetime(2024, 1, 31)) as out:
        out.write(a, lambda tmp: tmp.write_text("mới", encoding="utf-8"))
        folder = out.folder(tmp_path / "mau")
        (folder / "x.xlsx").write_text("x")
        assert not (tmp_path / "mau" / "x.xlsx").exists()
        assert out.commit() == [a, tmp_path / "mau" / "x.xlsx"]
    assert a.read_text(encoding="utf-8") == "mới"
    assert out.backups[a].name == "a.bak-20240131-000000.txt"
    assert sorted(p.name for p in (tmp_path / "mau").iterdir()) == ["x.xlsx"]


def test_check_writable_refuses_a_folder_or_a_read_only_file_and_creates_folders(tmp_path):
    fileio.check_writable(tmp_path / "moi" / "sau" / "a.xlsx")
    assert (tmp_path / "moi" / "sau").is_dir() and list((tmp_path / "moi" / "sau").iterdir()) == []
    with pytest.raises(ThiduaError) as caught:
        fileio.check_writable(tmp_path / "moi", what="sổ kết quả")
    assert caught.value.problems[0].code == "sai_loai_duong_dan"
    ro = tmp_path / "ro.xlsx"
    ro.write_bytes(b"x")
    ro.chmod(0o444)
    with pytest.raises(ThiduaError) as caught:
        fileio.check_writable(ro, what="sổ tổng hợp")
    assert "không ghi được sổ tổng hợp" in str(caught.value) and "Read-only" in str(caught.value)


# ------------------------------------------------------------------ the lock
def test_one_lock_at_a_time_even_within_one_process(tmp_path):
    master = tmp_path / "so.xlsx"
    master.write_bytes(b"x")
    with WriteLock(master, command="thidua consolidate") as first:
        details = json.loads(lock_path(master).read_text(encoding="utf-8"))
        assert details["pid"] == os.getpid() and details["command"] == "thidua consolidate"
        with pytest.raises(ThiduaError) as caught:
            WriteLock(master, wait=0).acquire()
        problem = caught.value.problems[0]
        assert problem.code == "dang_co_nguoi_ghi" and "thidua consolidate" in problem.message
        assert first.notices == []
    assert not lock_path(master).exists()
    with WriteLock(master, wait=0):
        pass


def write_foreign_lock(master: Path, started: dt.datetime) -> None:
    lock_path(master).write_text(json.dumps({
        "user": "ke-toan", "host": "may-khac-" + socket.gethostname(), "pid": 4242,
        "started": started.isoformat(timespec="seconds"), "command": "thidua consolidate"}),
        encoding="utf-8")


def test_a_lock_written_on_another_machine_is_respected_then_expires(tmp_path):
    master = tmp_path / "so.xlsx"
    master.write_bytes(b"x")
    write_foreign_lock(master, dt.datetime.now())
    with pytest.raises(ThiduaError) as caught:
        WriteLock(master, wait=0.1).acquire()
    problem = caught.value.problems[0]
    assert "máy «may-khac-" in problem.message and str(lock_path(master)) in problem.hint
    write_foreign_lock(master, dt.datetime.now() - dt.timedelta(hours=3))
    with WriteLock(master, wait=0) as lock:
        assert [n.code for n in lock.notices] == ["khoa_con_sot"]
        assert "ke-toan" in lock.notices[0].message


def test_office_owner_files_name_the_program_and_user(tmp_path):
    doc = tmp_path / "quyet-dinh-khen-thuong.docx"
    assert office_lock(doc) is None
    (tmp_path / "~$yet-dinh-khen-thuong.docx").write_bytes(
        bytes([3]) + b"Lan".ljust(53) + bytes([3, 0]) + "Lan".encode("utf-16-le"))
    owner, program, user = office_lock(doc)
    assert (owner.name, program, user) == ("~$yet-dinh-khen-thuong.docx", "Word", "Lan")
    book = tmp_path / "so.xlsx"
    (tmp_path / ".~lock.so.xlsx#").write_text(",an,PC-01,29.11.2026 20:00,file:///x;", encoding="utf-8")
    assert office_lock(book)[1:] == ("LibreOffice", "an (máy PC-01)")
