"""Nothing lost, nothing cryptic (issue 12): the command line attacked on purpose.

Real runs of ``python -m thidua`` in child processes: killed with ``kill -9``
at random moments, run two and three at once on one master, pointed at
read-only and immutable files and folders and at a read-only file system, run
out of disk space (``RLIMIT_FSIZE``), and made to fail half-way. After each,
the files on disk are read back: the master is the old one or the new one,
never half of each; nothing a user had is lost; no temporary file or lock is
left for long; and the user gets a Vietnamese message naming the path and the
fix, with exit status 2, never a traceback.

Being root does not stop writing to a read-only (``chmod``) file or folder, so
those cases are made with what does stop root: the immutable attribute
(``chattr +i``) and a read-only bind mount in a private mount namespace
(``unshare -m``); each is skipped where the system does not offer it. Plain
permissions are tested when not root.
"""
from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.test_consolidate import send, setup_campaign
from thidua.cli import main
from thidua.consolidate.collect import consolidate
from thidua.consolidate.master_io import read_master
from thidua.lock import WriteLock, lock_path

PLAN = "nui-thanh-dvc-2023"
SAMPLES = Path(__file__).resolve().parent.parent / "thidua" / "samples"
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def cli(*args, env: dict | None = None, preexec_fn=None, prefix: list[str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m thidua ARGS`` in a child process (as a user types it)."""
    full_env = dict(os.environ, **(env or {}))
    command = (prefix or []) + [sys.executable, "-m", "thidua", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=full_env,
                          preexec_fn=preexec_fn, timeout=timeout)


def refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2 with a Vietnamese message containing ``words``; no traceback; the message."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr, proc.stderr
    message = proc.stderr
    for word in words:
        assert word in message, (word, message)
    return message


def leftovers(folder: Path) -> list[str]:
    """Our temporary files, staging folders and locks under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".~*"))


def backups_are_whole(folder: Path) -> None:
    for backup in folder.glob("*.bak-*.xlsx"):
        with zipfile.ZipFile(backup) as zf:
            assert zf.testzip() is None, backup


def unit_figure(master: Path, plan, code: str, key: str = "tre_han"):
    return read_master(master, plan).unit(code).get(key)


@pytest.fixture(autouse=True)
def log_in_tmp(tmp_path_factory, monkeypatch):
    """Technical logs of the runs go to a temporary folder, not the user's home."""
    monkeypatch.setenv("THIDUA_LOG", str(tmp_path_factory.mktemp("nhat-ky") / "loi.txt"))


@pytest.fixture
def filled(tmp_path):
    """A master holding the figures of every unit, the inbox they came from, and the campaign."""
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    send(templates, inbox, plan, figures, list(templates))
    consolidate(plan, inbox, master, backup=False)
    return plan, master, templates, inbox, figures


# ------------------------------------------------------------------ kill -9
def test_kill_9_at_random_moments_leaves_the_master_old_or_new_and_a_rerun_recovers(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    code = "XA02"
    report = tmp_path / "bao-cao" / "r.csv"
    command = [sys.executable, "-m", "thidua", "consolidate", PLAN, str(inbox), "--master", str(master),
               "--report", str(report)]
    # One uninterrupted run, watched: how long it takes, and when its temporary files exist
    # (the new master being written and put in place), so half the kills can aim there.
    send(templates, inbox, plan, figures, [code], **{code: {"tre_han": 99}})
    clock = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = []
    while proc.poll() is None:
        if any("tmp" in name for name in leftovers(tmp_path)):
            writing.append(time.monotonic() - clock)
        time.sleep(0.002)
    whole_run = time.monotonic() - clock
    assert proc.returncode == 0
    start, end = (writing[0] - 0.05, writing[-1] + 0.05) if writing else (0.5 * whole_run, whole_run)
    rng = random.Random(20240131)
    seen = {"cũ": 0, "mới": 0, "tệp tạm còn sót": 0}
    for trial in range(20):
        old, new = unit_figure(master, plan, code), 100 + trial
        send(templates, inbox, plan, figures, [code], **{code: {"tre_han": new}})
        # half the kills anywhere in the run, half while the new master is being written
        moment = rng.uniform(0, whole_run) if trial % 2 else rng.uniform(start, end)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment)
        proc.kill()
        proc.wait()
        value = unit_figure(master, plan, code)  # the master opens: never half-written
        assert value in (old, new), (trial, value)
        seen["cũ" if value == old else "mới"] += 1
        seen["tệp tạm còn sót"] += bool([n for n in leftovers(tmp_path) if "tmp" in n])
        backups_are_whole(tmp_path)
        if proc.returncode == -signal.SIGKILL:  # interrupted: the next run must finish the job
            rerun = cli(*command[3:])
            assert rerun.returncode == 0, rerun.stderr
        else:  # it had finished before the kill
            assert proc.returncode == 0
        assert unit_figure(master, plan, code) == new and report.is_file()
        assert leftovers(tmp_path) == []  # temp files and the dead run's lock are gone
    assert sum(seen.values()) >= 20, seen


# ------------------------------------------------------------------ several writers
@pytest.mark.parametrize("writers", [2, 3])
def test_concurrent_writers_on_one_master_lose_nothing(tmp_path, writers):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    codes = list(templates)
    batches = [codes[i::writers] for i in range(writers)]
    boxes = []
    for i, batch in enumerate(batches):
        box = tmp_path / f"dot-{i}"
        send(templates, box, plan, figures, batch)
        boxes.append(box)
    procs = [subprocess.Popen([sys.executable, "-m", "thidua", "consolidate", PLAN, str(box),
                               "--master", str(master)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for box in boxes]
    results = [(p, *p.communicate(timeout=300)) for p in procs]
    data = read_master(master, plan)
    done = 0
    for (proc, out, err), batch in zip(results, batches):
        arrived = all(data.unit(c).get("tong_giai_quyet") is not None for c in batch)
        if proc.returncode == 0:  # «Đã cập nhật» means the batch is in the master
            assert arrived and "Đã cập nhật sổ tổng hợp" in out, err
            done += 1
        else:  # waited, then refused: said so, and named who holds the master
            assert proc.returncode == 2 and "đang được một lần chạy khác ghi" in err, err
            assert "Đã cập nhật" not in out
    assert done >= 1
    assert leftovers(tmp_path) == []


def test_a_second_writer_waits_then_refuses_naming_the_holder(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    before = master.read_bytes()
    with WriteLock(master, command="thidua consolidate"):
        proc = cli("consolidate", PLAN, inbox, "--master", master, env={"THIDUA_LOCK_WAIT": "0.3"})
    message = refused(proc, "đang được một lần chạy khác ghi", f"tiến trình {os.getpid()}",
                      "thidua consolidate", "đợi")
    assert "Đã cập nhật" not in proc.stdout and "so-tong-hop.xlsx" in message
    assert master.read_bytes() == before and leftovers(tmp_path) == []


def test_a_lock_left_by_a_killed_writer_is_taken_over_with_a_notice(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom thidua.lock import WriteLock\n"
         "WriteLock(sys.argv[1], command='thidua import-stats').acquire()\n"
         "print('ok', flush=True)\ntime.sleep(120)", str(master)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    holder.kill()
    holder.wait()
    assert lock_path(master).exists()  # kill -9 left its lock file (with its details) behind
    send(templates, inbox, plan, figures, ["XA02"], XA02={"tre_han": 77})
    proc = cli("consolidate", PLAN, inbox, "--master", master, env={"THIDUA_LOCK_WAIT": "0.3"})
    assert proc.returncode == 0, proc.stderr
    assert "Lưu ý:" in proc.stderr and "còn sót lại" in proc.stderr and str(holder.pid) in proc.stderr
    assert unit_figure(master, plan, "XA02") == 77 and leftovers(tmp_path) == []


# ------------------------------------------------------------------ open in Excel / LibreOffice
def excel_owner_file(path: Path, user: str) -> Path:
    """``~$name`` as Excel writes it: the user's name in ANSI, then in UTF-16 at offset 56."""
    n = len(user)
    data = bytes([n]) + user.encode("cp1252", "replace").ljust(53, b" ")
    data += bytes([n, 0]) + user.encode("utf-16-le")
    owner = path.with_name("~$" + path.name)
    owner.write_bytes(data.ljust(165, b" "))
    return owner


def libreoffice_lock_file(path: Path, user: str, host: str) -> Path:
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text(f"{user},an,{host},29.11.2026 20:00,file:///home/an/.config/libreoffice/4;",
                    encoding="utf-8")
    return lock


@pytest.mark.parametrize("program", ["Excel", "LibreOffice"])
def test_a_master_open_in_excel_or_libreoffice_is_refused_unless_force(filled, tmp_path, program):
    plan, master, templates, inbox, figures = filled
    send(templates, inbox, plan, figures, ["XA02"], XA02={"tre_han": 55})
    before = master.read_bytes()
    if program == "Excel":
        owner = excel_owner_file(master, "Nguyễn Văn An")
    else:
        owner = libreoffice_lock_file(master, "Nguyễn Văn An", "PC-KETOAN")
    proc = cli("consolidate", PLAN, inbox, "--master", master)
    refused(proc, f"đang mở trong {program}", "Nguyễn Văn An", owner.name, "--force")
    assert master.read_bytes() == before
    proc = cli("import-stats", PLAN, SAMPLES / "nui-thanh-thong-ke.xlsx", "--master", master)
    refused(proc, f"đang mở trong {program}")
    forced = cli("consolidate", PLAN, inbox, "--master", master, "--force")
    assert forced.returncode == 0, forced.stderr
    assert unit_figure(master, plan, "XA02") == 55


# ------------------------------------------------------------------ read-only, immutable
def chattr(flag: str, *paths: Path) -> bool:
    exe = shutil.which("chattr")
    if exe is None:
        return False
    return subprocess.run([exe, flag, *map(str, paths)], capture_output=True).returncode == 0


@pytest.fixture
def immutable():
    """Make paths immutable (``chattr +i``: even root cannot change them); undone afterwards."""
    made: list[Path] = []

    def make(*paths: Path) -> None:
        if not chattr("+i", *paths):
            pytest.skip("chattr +i không dùng được trên hệ thống tệp này")
        made.extend(paths)

    yield make
    if made:
        chattr("-i", *made)


def test_a_read_only_master_is_refused_before_any_work(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    before = master.read_bytes()
    master.chmod(0o444)
    try:
        proc = cli("consolidate", PLAN, inbox, "--master", master)
    finally:
        master.chmod(0o644)
    refused(proc, "so-tong-hop.xlsx", "chỉ đọc (Read-only)", "Cách sửa:")
    assert master.read_bytes() == before and leftovers(tmp_path) == []


def test_immutable_master_and_folders_are_refused_with_the_fix(filled, tmp_path, immutable):
    plan, master, templates, inbox, figures = filled
    before = master.read_bytes()
    kept = tmp_path / "so-khoa.xlsx"
    shutil.copy(master, kept)
    locked = tmp_path / "khoa"
    locked.mkdir()
    inside = locked / "so.xlsx"
    shutil.copy(master, inside)
    immutable(kept, locked)
    refused(cli("consolidate", PLAN, inbox, "--master", kept),
            "sổ tổng hợp", "immutable", "chattr -i", str(kept))
    assert kept.read_bytes() == before
    refused(cli("consolidate", PLAN, inbox, "--master", inside),
            "khóa ghi của sổ tổng hợp", "thư mục", "immutable", str(locked))
    assert inside.read_bytes() == before
    refused(cli("consolidate", PLAN, inbox, "--master", master, "--report", locked / "r.csv"),
            "immutable", str(locked))
    refused(cli("score", PLAN, SAMPLES / f"{PLAN}.csv", "--out", locked / "kq.xlsx"),
            "sổ kết quả", "immutable")
    refused(cli("units-template", PLAN, "--out", locked / "moi" / "ds.xlsx"), "immutable")
    refused(cli("documents", PLAN, "--data", SAMPLES / f"{PLAN}.csv", "--out", locked / "vb",
                "--no-pdf"), "immutable")
    refused(cli("generate", PLAN, "--units", SAMPLES / f"{PLAN}.csv", "--out", locked / "mau"),
            "immutable")
    assert master.read_bytes() == before and [p.name for p in locked.iterdir()] == ["so.xlsx"]
    assert leftovers(tmp_path) == []


def read_only_mount_or_skip(folder: Path) -> list[str]:
    """A command prefix running the child in a private mount namespace where ``folder`` is
    mounted read-only (even root gets «read-only file system»)."""
    exe = shutil.which("unshare")
    if not ROOT_USER or exe is None:
        pytest.skip("cần quyền root và lệnh unshare để gắn thư mục chỉ đọc")
    script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && shift 0 && exec "$@"')
    probe = subprocess.run([exe, "-m", "sh", "-c", script, str(folder), "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("không gắn được thư mục chỉ đọc (unshare/mount bị chặn)")
    return [exe, "-m", "sh", "-c", script, str(folder)]


def test_a_read_only_file_system_is_named_as_such(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    before = master.read_bytes()
    prefix = read_only_mount_or_skip(tmp_path)
    proc = cli("consolidate", PLAN, inbox, "--master", master, prefix=prefix)
    refused(proc, "chỉ cho đọc", "Cách sửa:")
    proc = cli("score", PLAN, SAMPLES / f"{PLAN}.csv", "--out", tmp_path / "kq.xlsx", prefix=prefix)
    refused(proc, "chỉ cho đọc", "kq.xlsx")
    assert master.read_bytes() == before


@pytest.mark.skipif(ROOT_USER or os.name == "nt", reason="quyền thư mục không chặn được root")
def test_a_folder_without_write_permission_is_named_with_the_fix(filled, tmp_path):
    plan, master, templates, inbox, figures = filled
    locked = tmp_path / "khong-quyen"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        refused(cli("score", PLAN, SAMPLES / f"{PLAN}.csv", "--out", locked / "kq.xlsx"),
                "không có quyền", "Cách sửa:")
    finally:
        locked.chmod(0o755)


# ------------------------------------------------------------------ disk full
def file_size_limit(limit: int):
    """For ``preexec_fn``: files may not grow past ``limit`` bytes, as on a full disk."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_while_writing_the_master_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("THIDUA_LOG", str(tmp_path / "loi.txt"))
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    send(templates, inbox, plan, figures, list(templates))
    trial = tmp_path / "thu"
    trial.mkdir()
    shutil.copy(master, trial / master.name)
    assert cli("consolidate", PLAN, inbox, "--master", trial / master.name).returncode == 0
    old_size, new_size = master.stat().st_size, (trial / master.name).stat().st_size
    assert new_size > old_size + 2000
    shutil.rmtree(trial)
    before = master.read_bytes()
    limit = (old_size + new_size) // 2  # room for a backup of the old master, not for the new one
    proc = cli("consolidate", PLAN, inbox, "--master", master, "--report", tmp_path / "r.csv",
               preexec_fn=file_size_limit(limit))
    refused(proc, "hết chỗ trống", "chưa ghi tệp nào", "so-tong-hop.xlsx")
    assert master.read_bytes() == before
    assert leftovers(tmp_path) == [] and not list(tmp_path.glob("*.bak-*"))
    assert not (tmp_path / "r.csv").exists()
    assert cli("consolidate", PLAN, inbox, "--master", master).returncode == 0  # room again


def test_generate_on_a_full_disk_writes_no_template_and_no_master(tmp_path):
    out, master = tmp_path / "mau", tmp_path / "so.xlsx"
    proc = cli("generate", PLAN, "--units", SAMPLES / f"{PLAN}.csv", "--out", out, "--master", master,
               preexec_fn=file_size_limit(20_000))  # templates (~12 KB) fit, the master does not
    refused(proc, "hết chỗ trống")
    assert not master.exists() and (not out.exists() or list(out.iterdir()) == [])
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ folders, half-way failures
def test_missing_output_folders_are_created(tmp_path):
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    send(templates, inbox, plan, figures, list(templates)[:3])
    for args, made in [
        (["units-template", PLAN, "--out", tmp_path / "moi" / "ds.xlsx"], tmp_path / "moi" / "ds.xlsx"),
        (["generate", PLAN, "--units", SAMPLES / f"{PLAN}.csv", "--master", tmp_path / "a" / "so.xlsx",
          "--out", tmp_path / "b" / "mau"], tmp_path / "a" / "so.xlsx"),
        (["score", PLAN, SAMPLES / f"{PLAN}.csv", "--out", tmp_path / "c" / "kq.xlsx"],
         tmp_path / "c" / "kq.xlsx"),
        (["consolidate", PLAN, inbox, "--master", master, "--report", tmp_path / "d" / "r.csv"],
         tmp_path / "d" / "r.csv"),
    ]:
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr
        assert made.is_file()
    assert len(list((tmp_path / "b" / "mau").glob("*.xlsx"))) == len(units)


def test_a_failure_at_the_last_step_says_what_was_written_and_a_rerun_finishes(filled, tmp_path,
                                                                                monkeypatch, capsys):
    plan, master, templates, inbox, figures = filled
    send(templates, inbox, plan, figures, ["XA02"], XA02={"tre_han": 66})
    report = tmp_path / "bao-cao.csv"
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == report:
            raise OSError(28, "No space left on device", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code = main(["consolidate", PLAN, str(inbox), "--master", str(master), "--report", str(report)])
    monkeypatch.setattr(os, "replace", real_replace)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "chỉ ghi được một phần" in err and f"Đã ghi: {master}" in err
    assert f"Chưa ghi (vẫn là bản cũ hoặc chưa có): {report}" in err and "chạy lại" in err
    assert "hết chỗ trống" in err
    assert unit_figure(master, plan, "XA02") == 66 and not report.exists()
    assert leftovers(tmp_path) == []
    assert main(["consolidate", PLAN, str(inbox), "--master", str(master), "--report", str(report)]) == 0
    assert report.is_file() and "không có gì thay đổi" in capsys.readouterr().out


def test_an_unexpected_error_shows_words_not_a_traceback_and_logs_it(tmp_path, monkeypatch, capsys):
    log = tmp_path / "loi.txt"
    monkeypatch.setenv("THIDUA_LOG", str(log))

    def broken(args):
        raise RuntimeError("boom: lỗi lập trình")

    monkeypatch.setattr("thidua.cli.cmd_plans", broken)
    assert main(["plans"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "boom" not in err
    assert "lỗi ngoài dự kiến" in err and str(log) in err and "--debug" not in err
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")
    assert main(["plans", "--debug"]) == 2  # --debug anywhere on the line
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err and str(log) in err


def test_os_errors_in_any_command_become_messages_with_exit_2(tmp_path, capsys):
    folder = tmp_path / "la-tep"
    folder.write_text("tệp, không phải thư mục")
    assert main(["score", PLAN, str(SAMPLES / f"{PLAN}.csv"), "--out", str(folder / "kq.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "la-tep" in err and "Cách sửa:" in err
    assert "không tạo được thư mục" in err and "là tệp chứ không phải thư mục" in err
    long = tmp_path / ("a" * 300 + ".xlsx")
    assert main(["units-template", PLAN, "--out", str(long)]) == 2
    err = capsys.readouterr().err
    assert "đường dẫn quá dài" in err and "Traceback" not in err


# ------------------------------------------------------------------ documents
def test_documents_no_pdf_moves_the_old_pdfs_aside_and_says_so(tmp_path):
    out = tmp_path / "van-ban"
    first = cli("documents", PLAN, "--data", SAMPLES / f"{PLAN}.csv", "--out", out, "--no-pdf")
    assert first.returncode == 0, first.stderr
    for doc in out.glob("*.docx"):  # PDFs a run with LibreOffice made earlier
        doc.with_suffix(".pdf").write_bytes(b"%PDF-1.4 So: ...")
    (out / "ghi-chu-rieng.pdf").write_bytes("%PDF-1.4 của cơ quan".encode())
    again = cli("documents", PLAN, "--data", SAMPLES / f"{PLAN}.csv", "--out", out, "--no-pdf")
    assert again.returncode == 0, again.stderr
    docs = sorted(p.stem for p in out.glob("*.docx") if ".bak-" not in p.name)
    assert docs and not any((out / f"{d}.pdf").exists() for d in docs)
    moved = sorted(out.glob("*.bak-*.pdf"))
    assert [p.name.split(".bak-")[0] for p in moved] == docs
    for pdf in moved:  # beside the backup of the .docx it was made from, with the same stamp
        assert (out / pdf.name.replace(".pdf", ".docx")).exists()
        assert pdf.name in again.stderr and "không còn đúng" in again.stderr
    assert (out / "ghi-chu-rieng.pdf").exists()  # not ours: untouched
    assert leftovers(out) == []


def test_documents_open_in_word_or_written_by_another_run_are_refused(tmp_path):
    out = tmp_path / "van-ban"
    assert cli("documents", PLAN, "--data", SAMPLES / f"{PLAN}.csv", "--out", out,
               "--no-pdf").returncode == 0
    owner = out / "~$-trinh-khen-thuong.docx"  # Word shortens long names
    owner.write_bytes(bytes([2]) + b"An".ljust(53) + bytes([2, 0]) + "An".encode("utf-16-le"))
    args = ["documents", PLAN, "--data", SAMPLES / f"{PLAN}.csv", "--out", out, "--no-pdf"]
    refused(cli(*args), "đang mở trong Word", "to-trinh-khen-thuong.docx", "--force")
    assert cli(*args, "--force").returncode == 0
    owner.unlink()
    with WriteLock(out, folder=True, what="thư mục văn bản"):
        refused(cli(*args, env={"THIDUA_LOCK_WAIT": "0.2"}), "thư mục văn bản",
                "đang được một lần chạy khác ghi")


# ------------------------------------------------------------------ the add-in
def test_an_addin_button_on_a_master_another_run_is_writing_says_so(tmp_path, monkeypatch):
    from tests.test_addin import click, master_copy
    master = master_copy(tmp_path, PLAN)
    before = openpyxl.load_workbook(master)["Tổng hợp"]["A1"].value
    monkeypatch.setenv("THIDUA_LOCK_WAIT", "0.2")
    with WriteLock(master, command="thidua consolidate"):
        shown = click(master, "tinh_diem", master_path=master)
    assert len(shown) == 1 and shown[0]["mode"] == "critical"
    assert "đang được một lần chạy khác ghi" in shown[0]["prompt"]
    assert "thidua consolidate" in shown[0]["prompt"]
    assert openpyxl.load_workbook(master)["Tổng hợp"]["A1"].value == before
    shown = click(master, "tinh_diem", master_path=master)  # free again: it works
    assert shown and "đang được" not in shown[0]["prompt"]
    assert not lock_path(master).exists()


def test_a_subfolder_that_cannot_be_read_is_reported_not_skipped(tmp_path, monkeypatch):
    from tests.test_consolidate import issues_by_code
    plan, units, master, templates, inbox, figures = setup_campaign(tmp_path, PLAN)
    send(templates, inbox / "xa", plan, figures, ["XA02"])
    send(templates, inbox / "co-quan", plan, figures, ["CQ01"])
    real_scandir = os.scandir

    def scandir(path="."):  # as a folder without read permission answers
        if Path(path).name == "co-quan":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    outcome = consolidate(plan, inbox, master)
    problem = issues_by_code(outcome)["khong_co_quyen"][0]
    assert problem.file.endswith("co-quan") and "không đọc được thư mục" in problem.message
    assert "chưa được tổng hợp" in problem.message and outcome.received == 1
