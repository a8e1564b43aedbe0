"""The built-in Word templates of the award documents (package data).

The ``.docx`` files here are made by ``build.py`` from the text in it
(``python -m thidua.documents.templates.build`` rewrites them); ``DIR`` is
where they are, wherever the package is installed.
"""
from __future__ import annotations

from pathlib import Path

#: The folder holding the built-in templates (inside the installed package).
DIR = Path(__file__).resolve().parent
