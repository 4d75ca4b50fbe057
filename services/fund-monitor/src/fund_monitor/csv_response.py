"""CSV exports of the dashboard's tables: UTF-8 with a byte-order mark, so spreadsheet programs used in the
province's offices open the Chinese text correctly."""

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

CSV_DOC = {200: {"content": {"text/csv": {}}, "description": "CSV (UTF-8 with BOM)"}}


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
