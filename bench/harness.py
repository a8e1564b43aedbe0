"""What every benchmark shares: whole processes timed, their memory, a results file.

``measure(cmd)`` runs a command as a fresh process (``python -m thidua …``, or
a peer's script) several times and keeps, per run, the wall time, the CPU
time of the process and every process it waited for (``wait4``), and the peak
resident memory of the whole process tree: a thread polls ``/proc`` every few
milliseconds, remembers each process's own peak (``VmHWM``) and adds them up —
a pool of two workers counts three processes, not the largest one. Medians are
reported. The run before the timed ones is a warm-up (disk cache, ``.pyc``),
and is not counted.

The commands run with ``PYTHONDONTWRITEBYTECODE`` unset, as on a user's
machine, where Python keeps its compiled modules (``pip install`` writes them).

Each benchmark writes ``bench/results/<name>.json``; ``python3 tasks.py
bench`` gathers them into ``bench/RESULTS.md`` (:func:`write_report`).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("THIDUA_BENCH_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "thidua-bench")
PYTHON = sys.executable


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    out.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    return out


# ------------------------------------------------------------------ one process tree
def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    out += [int(x) for x in fh.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _peak_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class _TreeWatch(threading.Thread):
    """Polls the process tree of ``pid``: each process's peak resident memory.

    Every 5 ms for the first 2 seconds (a short command is measured closely), then every
    20 ms: ``VmHWM`` is the kernel's own high-water mark, so a slower poll loses nothing of a
    process still running, and polling a busy tree every 5 ms took 5–8 % of a core from the
    command measured (1.9 s of CPU over a 25-second consolidation on 2 cores)."""

    def __init__(self, pid: int, every: float = 0.005, later: float = 0.02, after: float = 2.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.later, self.after = pid, every, later, after
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.done.is_set():
            stack, seen = [self.pid], set()
            while stack:
                pid = stack.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                kb = _peak_kb(pid)
                if kb is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
                stack += _children(pid)
            self.done.wait(self.every if time.perf_counter() - start < self.after
                           else self.later)


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the processes it waited for
    peak_mb: float  # sum over the process tree of each process's peak resident memory
    processes: int
    code: int


def run_once(cmd: list[str], *, cwd: Path | None = None, stdout=subprocess.DEVNULL,
             timeout: float = 3600) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd or ROOT, env=env(), stdout=stdout,
                            stderr=subprocess.PIPE)
    watch = _TreeWatch(proc.pid)
    watch.start()
    late = threading.Timer(timeout, proc.kill)  # waiting blocks: no polling loop here
    late.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        late.cancel()
    wall = time.perf_counter() - start
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9 and wall >= timeout:
        raise TimeoutError(" ".join(map(str, cmd)))
    watch.done.set()
    watch.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} → {proc.returncode}\n{err[-3000:]}")
    # Only the polled peaks (each process's VmHWM, which starts afresh at exec). Not
    # ``ru_maxrss``: Linux carries the parent's high-water mark over fork (or vfork) and exec
    # into it, so a short command started by a bench holding a gigabyte reported a gigabyte.
    peaks = dict(watch.peaks)
    return Run(wall, usage.ru_utime + usage.ru_stime, sum(peaks.values()) / 1024, len(peaks),
               proc.returncode)


@dataclass
class Measure:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)

    def as_dict(self) -> dict:
        return {"label": self.label, "wall": self.wall, "cpu": self.cpu, "peak_mb": self.peak_mb,
                "runs": [asdict(r) for r in self.runs]}


def measure(label: str, cmd: list[str], *, repeat: int = 5, warmup: int = 1, before=None,
            cwd: Path | None = None, timeout: float = 3600) -> Measure:
    """Median of ``repeat`` runs of ``cmd`` (``before()`` is called before each run)."""
    out = Measure(label)
    for k in range(warmup + repeat):
        if before is not None:
            before()
        result = run_once([str(c) for c in cmd], cwd=cwd, timeout=timeout)
        if k >= warmup:
            out.runs.append(result)
    print(f"  {label:<58} {out.wall:8.3f} s  (CPU {out.cpu:7.3f} s)  {out.peak_mb:7.0f} MB",
          flush=True)
    return out


def thidua(*args) -> list[str]:
    return [PYTHON, "-m", "thidua", *map(str, args)]


def script(name: str, *args) -> list[str]:
    return [PYTHON, str(ROOT / "bench" / "peers" / name), *map(str, args)]


# ------------------------------------------------------------------ results
def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib import metadata

    versions = {}
    for name in ("numpy", "pandas", "openpyxl", "python-calamine", "xlsxwriter", "xlwings"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "—"
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "load": os.getloadavg(), "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "versions": versions}


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = dict(data, machine=machine())
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "—"
