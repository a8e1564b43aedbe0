"""Replay «Tính điểm»'s returned writes in a spreadsheet program, over its automation bridge.

``/usr/bin/python3 office_apply.py ACTIONS.json MASTER.xlsx``
(the system Python, which has LibreOffice's ``uno`` module: apt package ``python3-uno``).

Excel is not available here; this is the nearest measurement: LibreOffice Calc,
started headless, driven from another process over UNO — the same shape as the
add-in on Windows, where ``python.exe`` drives Excel over COM (xlwings
``RunPython``): one cross-process call per property set. The master is opened,
then each action the handler returned is applied as the add-in's writer applies
it on the desktop: a block of values in one call (``setDataArray``), a fill
colour on a block of cells in one call (``CellBackColor``). Prints, as JSON,
the seconds by kind of action and per action.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno  # noqa: F401  (LibreOffice's bridge)
from com.sun.star.beans import PropertyValue  # type: ignore
from com.sun.star.connection import NoConnectException  # type: ignore


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(port: int):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(200):
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;"
                                   "StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            time.sleep(0.1)
    raise RuntimeError("LibreOffice did not answer")


def main(argv: list[str]) -> int:
    actions = json.load(open(argv[0], encoding="utf-8"))["actions"]
    master = os.path.abspath(argv[1])
    profile = tempfile.mkdtemp(prefix="thidua-uno-")
    port = 20000 + os.getpid() % 20000
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                               "--norestore", "--nologo", "--nodefault",
                               f"--accept=socket,host=127.0.0.1,port={port};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        desktop = connect(port)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(master), "_blank", 0,
                                           (prop("Hidden", True),))
        sheets = doc.Sheets
        doc.lockControllers()
        doc.addActionLock()
        spent: dict[str, float] = {}
        counts: dict[str, int] = {}
        cells = 0
        start = time.perf_counter()
        for a in actions:
            kind = a["func"]
            t = time.perf_counter()
            if kind in ("setValues", "setRangeColor"):
                sheet = sheets.getByIndex(a["sheet_position"])
                r, c = a["start_row"], a["start_column"]
                rng = sheet.getCellRangeByPosition(c, r, c + a["column_count"] - 1,
                                                   r + a["row_count"] - 1)
                if kind == "setValues":
                    rng.setDataArray(tuple(tuple("" if v is None else v for v in row)
                                           for row in a["values"]))
                    cells += a["row_count"] * a["column_count"]
                else:
                    rng.CellBackColor = int(a["args"][0].lstrip("#"), 16)
            else:
                continue  # clears, formats, names, the message box: a handful of calls
            spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - t
            counts[kind] = counts.get(kind, 0) + 1
        total = time.perf_counter() - start
        doc.removeActionLock()
        doc.unlockControllers()
        doc.close(True)
        colour_cells = sum(a["row_count"] * a["column_count"] for a in actions
                           if a["func"] == "setRangeColor")
        print(json.dumps({"seconds": total, "by_kind": spent, "counts": counts,
                          "value_cells": cells, "colour_cells": colour_cells,
                          "per_action_ms": {k: 1000 * spent[k] / counts[k] for k in counts}}))
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001
            pass
        office.terminate()
        try:
            office.wait(10)
        except subprocess.TimeoutExpired:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
