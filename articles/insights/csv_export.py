"""Reports as CSV files for spreadsheets. Cells hold what readers typed, so a cell that
a spreadsheet would take for a formula (=, +, -, @, or a tab or carriage return first)
is written with a leading apostrophe: it shows as text and never runs."""

import csv

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename, header, rows):
    """A CSV download: a header row, then `rows` (sequences of cells). UTF-8 with a byte
    order mark, which spreadsheet programs need to read accents right."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
