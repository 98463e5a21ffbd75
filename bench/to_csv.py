"""CSV copy of a generated JSONL file for the CSV benchmarks: the same records, the article's
fourteen columns in the generator's order, a header row, the text columns (ids, names, the
long prompt and output, the error message) always quoted, absent values as empty fields.

    python3 bench/to_csv.py IN.jsonl OUT.csv

Written by DuckDB (COPY ... TO) from read_json with the columns declared, as bench/native.py
and the oracle declare them, except `timestamp`: the generator always writes epoch seconds,
so it is read and written as a DOUBLE (DuckDB prints the shortest text that reads back to
the same double, so no digit is lost).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "oracle"))
from test_oracle import ARTICLE_COLUMNS  # noqa: E402

COLUMNS = {**ARTICLE_COLUMNS, "timestamp": "DOUBLE"}
TEXT = [name for name, kind in COLUMNS.items() if kind == "VARCHAR"]


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def convert(src: Path, dst: Path) -> None:
    cols = "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in COLUMNS.items()) + "}"
    tmp = dst.with_name(dst.name + ".part")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(
        f"COPY (SELECT {', '.join(COLUMNS)} FROM read_json({sql_str(str(src))},"
        f" format='newline_delimited', columns={cols})) TO {sql_str(str(tmp))}"
        f" (FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"',"
        f" FORCE_QUOTE ({', '.join(TEXT)}))"
    )
    con.close()
    tmp.replace(dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 bench/to_csv.py IN.jsonl OUT.csv")
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
