"""One click of «Tính điểm» as the add-in's payload path runs it, in a fresh process.

``python tinh_diem_click.py PAYLOAD.json ACTIONS.json [--repeat K]``

Reads the JSON xlwings' VBA client sends (every sheet's values), builds the
book with xlwings' remote engine (``with xlwings.Book(json=…) as book``, as an
xlwings Server request handler does: the engine lets go of the book when it
is closed), runs ``thidua.addin.run_button("tinh_diem", book)`` and writes the
actions it returns (what Excel replays). Prints, as JSON, the seconds from the payload
text to the actions text for each of ``K`` clicks in this process (the first
includes importing thidua's modules) and the number of actions by kind.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # remote engine (PolyForm NC)

import xlwings as xw  # noqa: E402


def click(text: str) -> tuple[float, list]:
    from thidua.addin import run_button

    start = time.perf_counter()
    with xw.Book(json=json.loads(text)) as book:  # as xlwings Server handles a request
        run_button("tinh_diem", book)
        actions = book.json()["actions"]
        out = json.dumps({"actions": actions}, ensure_ascii=False)
    return time.perf_counter() - start, actions, out


def main(argv: list[str]) -> int:
    text = open(argv[0], encoding="utf-8").read()
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    times = []
    for _ in range(repeat):
        seconds, actions, out = click(text)
        times.append(seconds)
    with open(argv[1], "w", encoding="utf-8") as fh:
        fh.write(out)
    kinds = Counter(a["func"] for a in actions)
    cells = sum((a.get("row_count") or 0) * (a.get("column_count") or 0)
                for a in actions if a["func"] == "setValues")
    print(json.dumps({"seconds": times, "actions": dict(kinds), "value_cells": cells,
                      "alert": next((a["args"][0] for a in actions if a["func"] == "alert"), "")},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
