"""CSV exports, with every cell defused against spreadsheet formula injection."""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable

from flask import Response

# OWASP's CSV Injection list (= + - @, tab, CR, LF), the fullwidth forms spreadsheets also
# read as operators (＝ ＋ － ＠), and any of those behind leading whitespace or quotes, which
# some spreadsheets skip before deciding that a cell is a formula.
FORMULA_START = re.compile(r"[\t\r\n]|[\s'\"]*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def csv_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and FORMULA_START.match(value):
        return "'" + value
    return value


def to_csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def csv_download(header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """A defused CSV the browser saves as `filename`."""
    return Response(to_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
