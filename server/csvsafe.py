"""CSV that a spreadsheet cannot turn into a formula (CSV injection, OWASP).

A text cell starting with =, +, -, @, tab or carriage return may run as a formula when the file is
opened in a spreadsheet: such a cell gets a leading apostrophe, which spreadsheets show as text and
readers of the CSV can strip. Numbers are left alone (a negative number is not text a person typed).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


class SafeWriter:
    """csv.writer with every cell neutralised; same writerow/writerows."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
