"""The list of units (danh sách đơn vị) taking part in a campaign.

``write_units_template(plan, path)`` writes an ``.xlsx`` form an office fills
with its units: code, name, group, level, e-mail and a note, with drop-down
lists for the group and the level (read from a hidden sheet through workbook
names, so labels holding commas are safe) and a sheet explaining each column.

``read_unit_list(path, plan)`` reads such a list back, from the filled form or
from any ``.csv``/``.xlsx`` with the same columns (the unit figures tables of
:mod:`thidua.table` qualify: their first four columns are the same). Headers,
groups and levels are matched tolerantly (codes or Vietnamese labels; case,
accents, NFC/NFD and spaces do not matter). Every problem is collected and
raised together in one :class:`~thidua.errors.InputError`, each naming the
file, sheet and cell and saying what to do.

The template has a single header row: :func:`thidua.table.read_units` reads
the first row holding a unit column as the header and every row below it as a
unit, so a second header line of machine codes would be read as a unit. The
column codes are listed on the «Hướng dẫn» sheet instead; a code line right
under the header is nevertheless skipped when reading, should someone add one.
"""
from __future__ import annotations

from thidua.units.form import write_units_template
from thidua.units.read import read_unit_list
from thidua.units.unit import (SHEET_GUIDE, SHEET_LISTS, SHEET_UNITS, TEMPLATE_ROWS,
                               UNIT_LIST_COLUMNS, Unit)

__all__ = ["Unit", "read_unit_list", "write_units_template", "UNIT_LIST_COLUMNS", "SHEET_UNITS",
           "SHEET_GUIDE", "SHEET_LISTS", "TEMPLATE_ROWS"]
