"""Read a returned unit workbook safely and fast: never crash, never hang.

Units fill the template they were sent and return it by e-mail or Zalo, in
whatever state it reaches us: re-saved by Excel, LibreOffice or WPS, renamed,
converted to ``.xls`` or ``.ods``, truncated by a download, password
protected, or not a spreadsheet at all. :func:`read_returned` reads one such
file and either returns a :class:`ReturnedFile` (the hidden metadata, the
value typed into every input cell, the formulas left on the input sheet, the
unit name shown on the sheet) or raises :class:`ReadFailure` with a stable
``code`` and a Vietnamese ``message`` naming the file and saying what to do.
No other exception ever escapes.

Where each part lives:

* :mod:`.read` — one file start to end: its bytes, its container, the format's reader;
* :mod:`.safety` — size and regular-file checks, sniffing the container, zip
  directory and member checks (bombs), XML scans, the OLE2 directory;
* :mod:`.xlsx` — ``.xlsx``/``.xlsm`` straight from the package (the fast ``sheetData`` scan);
* :mod:`.xls_ods` — ``.xls`` and ``.ods`` through python-calamine in a child process;
* :mod:`.layout` — the template's layout: metadata, defined names, locating input
  cells, the unit typed on the input sheet;
* :mod:`.cells` — cell references and values; :mod:`.failures` — the messages;
  :mod:`.model` — :class:`Limits`, :class:`ReturnedFile`, :class:`ReadFailure`.
"""
from thidua.consolidate.reader.model import CODES, Limits, ReadFailure, ReturnedFile
from thidua.consolidate.reader.read import read_returned

__all__ = ["CODES", "Limits", "ReadFailure", "ReturnedFile", "read_returned"]
