"""DuckDB as the oracle for `tokenlens dashboard FILE --json`: the page's panels for a view.

The CLI prints exactly what the page's Engine.dashboard returns for a view (time zone,
bucket width, time range, model filter). Everything it reports beyond the summary is
recomputed here in SQL over the same JSONL and must agree (counts exactly, floats within
test_oracle.py's tolerances):

- series per bucket: requests, errors, tokens, cost, throughput and tokens per second of the
  bucket's own length, mean concurrency (each request's running time inside the bucket over
  the bucket's length), latency p50/p75/p90/p95/p99/p99.9/mean/max and TTFT p50/p95
  (quantile_cont); buckets are local days, weeks or hours of the view's time zone, found
  with DuckDB's ICU date_trunc in that zone (so a day across a DST change is 23 or 25 hours);
- the summary's tokens per second and concurrency (over the span from the first to the last
  request start; running time cut at the last start), users, cost per request;
- top users by cost (then requests), with their figures;
- the latency histogram: four bins per doubling from 1 ms (edges 2^e x 1, 1.25, 1.5, 1.75),
  one bin below 1 ms.

Run with `python3 -m pytest -q tests/oracle/test_dashboard.py` after
`cargo build --release --bin tokenlens` (or set TOKENLENS_BIN).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from test_oracle import (  # noqa: F401
    Diff,
    cli,
    generate,
    generated_100k,
    run,
    sql_str,
)

PCTS = {"p50_ms": 0.5, "p75_ms": 0.75, "p90_ms": 0.9, "p95_ms": 0.95, "p99_ms": 0.99, "p999_ms": 0.999}


def dashboard(cli: Path, path: Path, *args: str) -> dict:
    proc = run(cli, "dashboard", path, *args)
    assert proc.returncode == 0, f"tokenlens dashboard {' '.join(args)} exited {proc.returncode}\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def across_dst(tmp_path_factory) -> Path:
    """Five days around New York's fall-back (2026-11-01 06:00 UTC): article records with
    time to first token, users and costs, some without a latency or a cost (those of an
    unpriced model, so that the cost is the reported one throughout)."""
    rng = random.Random(7)
    start = datetime(2026, 10, 30, tzinfo=timezone.utc)
    lines = []
    for i in range(4000):
        ts = start + timedelta(seconds=rng.uniform(0, 5 * 86_400))
        rec = {
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "request_id": f"r{i}",
            "user_id": f"u{rng.randrange(60)}",
            "application": rng.choice(["chat", "search"]),
            "model_name": rng.choice(["gpt-4o", "claude-3-5-sonnet", "mistral-large"]),
            "status_code": rng.choice([200] * 30 + [429, 500]),
            "prompt_tokens": rng.randrange(10, 3000),
            "completion_tokens": rng.randrange(1, 800),
        }
        if rng.random() < 0.95:
            rec["latency_ms"] = round(rng.lognormvariate(6.5, 0.8), 3)
            rec["ttft_ms"] = round(rec["latency_ms"] * rng.uniform(0.05, 0.5), 3)
        if rng.random() < 0.9:
            rec["estimated_cost_usd"] = round(rng.uniform(0.0001, 0.05), 6)
        else:
            # No reported cost and no list price: its cost is unknown, in both engines.
            rec["model_name"] = "in-house-7b"
        lines.append(json.dumps(rec))
    path = tmp_path_factory.mktemp("dst") / "across-dst.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def connect(path: Path, tz: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = {sql_str(tz)}")
    columns = {
        "timestamp": "VARCHAR",
        "user_id": "VARCHAR",
        "model_name": "VARCHAR",
        "status_code": "BIGINT",
        "latency_ms": "DOUBLE",
        "ttft_ms": "DOUBLE",
        "prompt_tokens": "BIGINT",
        "completion_tokens": "BIGINT",
        "estimated_cost_usd": "DOUBLE",
        "error_message": "VARCHAR",
    }
    cols = "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in columns.items()) + "}"
    con.execute(
        f"""
        CREATE TABLE r0 AS
        SELECT *,
               -- ISO 8601, or epoch seconds (the generator's) rounded to the microsecond.
               coalesce(make_timestamptz(round(try_cast(timestamp AS DOUBLE) * 1e6)::BIGINT),
                        try_cast(timestamp AS TIMESTAMPTZ)) AS t,
               coalesce(status_code >= 400 OR status_code = 0, false)
                 OR coalesce(length(error_message) > 0, false) AS is_error
        FROM read_json({sql_str(str(path))}, format = 'newline_delimited', columns = {cols})
        """
    )
    con.execute("CREATE TABLE r AS SELECT *, epoch_us(t) AS ts_us FROM r0")
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def bucket_sql(unit: str) -> str:
    """The start of each record's bucket in the session's zone, µs since the epoch."""
    return f"epoch_us(date_trunc({sql_str(unit)}, t))"


def check_series(diff: Diff, con, series: dict, unit: str, where: str = "TRUE") -> None:
    """Every bucket of `series` against DuckDB's buckets of unit `unit` (day, week, hour)."""
    starts_us = [round(ms * 1000) for ms in series["start_ms"]]
    # Bucket edges: each start, and the next bucket's start (the last: one local unit on).
    last_end = rows(
        con, f"SELECT epoch_us(make_timestamptz({starts_us[-1]}) + INTERVAL '1 {unit}') AS e"
    )[0]["e"]
    ends = starts_us[1:] + [last_end]
    con.execute("CREATE OR REPLACE TEMP TABLE b (k INT, s BIGINT, e BIGINT)")
    con.executemany("INSERT INTO b VALUES (?, ?, ?)", list(zip(range(len(ends)), starts_us, ends)))
    pct = ", ".join(f"quantile_cont(latency_ms, {q}) AS {name}" for name, q in PCTS.items())
    got_rows = rows(
        con,
        f"""
        SELECT {bucket_sql(unit)} AS s, count(*) AS requests,
               count(*) FILTER (WHERE is_error) AS errors,
               sum(prompt_tokens) AS input_tokens, sum(completion_tokens) AS output_tokens,
               sum(estimated_cost_usd) AS cost_usd, {pct},
               avg(latency_ms) AS mean_ms, max(latency_ms) AS max_ms,
               quantile_cont(ttft_ms, 0.5) AS ttft_p50_ms, quantile_cont(ttft_ms, 0.95) AS ttft_p95_ms
        FROM r WHERE {where} GROUP BY ALL
        """,
    )
    want = {r["s"]: r for r in got_rows}
    busy = {
        r["k"]: r["busy"]
        for r in rows(
            con,
            f"""
            SELECT b.k, sum(greatest(0, least(r.ts_us + r.latency_ms * 1000, b.e) - greatest(r.ts_us, b.s))) AS busy
            FROM b JOIN r ON r.ts_us < b.e AND r.ts_us + r.latency_ms * 1000 > b.s
            WHERE r.latency_ms IS NOT NULL AND {where}
            GROUP BY ALL
            """,
        )
    }
    missing = set(want) - set(starts_us)
    if missing:
        diff.problems.append(f"series: DuckDB has buckets starting {sorted(missing)} that tokenlens lacks")
    for k, s in enumerate(starts_us):
        w = want.get(s)
        at = f"series[{k}] ({s})"
        width_s = (ends[k] - s) / 1e6
        n = int(w["requests"]) if w else 0
        diff.count(f"{at}.requests", series["requests"][k], n)
        diff.count(f"{at}.errors", series["errors"][k], int(w["errors"]) if w else 0)
        tokens = (int(w["input_tokens"] or 0) + int(w["output_tokens"] or 0)) if w else 0
        diff.count(f"{at}.input_tokens", series["input_tokens"][k], int(w["input_tokens"] or 0) if w else 0)
        diff.float(f"{at}.throughput_rps", series["throughput_rps"][k], n / width_s)
        diff.float(f"{at}.tokens_per_s", series["tokens_per_s"][k], tokens / width_s)
        diff.float(f"{at}.concurrency", series["concurrency"][k], busy.get(k, 0.0) / (width_s * 1e6))
        diff.float(f"{at}.cost_usd", series["cost_usd"][k], w["cost_usd"] if w else None)
        for name in [*PCTS, "mean_ms", "max_ms", "ttft_p50_ms", "ttft_p95_ms"]:
            diff.float(f"{at}.{name}", series[name][k], w[name] if w else None)


def test_local_days_across_a_dst_change_match_duckdb(cli: Path, across_dst: Path):
    tz = "America/New_York"
    d = dashboard(cli, across_dst, "--tz", tz, "--bucket", "1d")
    s = d["series"]
    assert (s["tz"], s["bucket_label"]) == (tz, "1d")
    con = connect(across_dst, tz)
    diff = Diff()
    check_series(diff, con, s, "day")
    # The fall-back day is 25 hours long, its neighbours 24.
    starts = [round(ms) for ms in s["start_ms"]]
    widths_h = [(b - a) / 3_600_000 for a, b in zip(starts, starts[1:])]
    assert 25.0 in widths_h and widths_h.count(25.0) == 1, widths_h
    assert s["offset_ms"][0] == -4 * 3_600_000 and s["offset_ms"][-1] == -5 * 3_600_000
    diff.check()


def test_hours_in_utc_with_a_time_range_and_a_model_filter(cli: Path, across_dst: Path):
    d = dashboard(
        cli, across_dst, "--bucket", "1h", "--from", "2026-10-31T10:00:00Z",
        "--to", "2026-11-01T10:00:00Z", "--only-model", "gpt-4o",
    )
    s = d["series"]
    assert len(s["start_ms"]) == 24
    con = connect(across_dst, "UTC")
    where = (
        "model_name = 'gpt-4o' AND t >= TIMESTAMPTZ '2026-10-31 10:00:00Z' "
        "AND t < TIMESTAMPTZ '2026-11-01 10:00:00Z'"
    )
    diff = Diff()
    check_series(diff, con, s, "hour", where)
    n = rows(con, f"SELECT count(*) AS n FROM r WHERE {where}")[0]["n"]
    diff.count("summary.requests", d["summary"]["requests"], n)
    diff.check()


def test_summary_throughput_users_top_spenders_and_histogram(cli: Path, generated_100k: Path):
    d = dashboard(cli, generated_100k)
    con = connect(generated_100k, "UTC")
    diff = Diff()
    w = rows(
        con,
        """
        SELECT count(*) AS requests, min(ts_us) AS first, max(ts_us) AS last,
               sum(prompt_tokens) + sum(completion_tokens) AS tokens,
               count(DISTINCT user_id) AS users,
               sum(estimated_cost_usd) / count(estimated_cost_usd) AS per_request
        FROM r
        """,
    )[0]
    span_s = (w["last"] - w["first"]) / 1e6
    busy_ms = rows(
        con, f"SELECT sum(least(latency_ms, ({w['last']} - ts_us) / 1000)) AS b FROM r WHERE latency_ms IS NOT NULL"
    )[0]["b"]
    summ = d["summary"]
    diff.float("summary.tokens_per_s", summ["tokens_per_s"], int(w["tokens"]) / span_s)
    diff.float("summary.concurrency", summ["concurrency"], busy_ms / 1000 / span_s)
    diff.count("summary.users", summ["users"], int(w["users"]))
    diff.float("summary.throughput_rps", summ["throughput_rps"], int(w["requests"]) / span_s)
    # The generator prices every request through the engine or reports it; either way the
    # mean is over the requests that have a cost, which the summary also counts.
    if summ["cost_count"] == summ["requests"] and summ["cost_computed_count"] == 0:
        diff.float("summary.cost_per_request", summ["cost_per_request"], w["per_request"])
    # Top spenders: by cost, then requests (computed cost included: the engine's cost_usd
    # column; so rank on what the CLI reports per user and check it against DuckDB's sums
    # of reported cost only where every request of the user reported one).
    top = rows(
        con,
        """
        SELECT user_id, count(*) AS requests, sum(estimated_cost_usd) AS cost,
               count(estimated_cost_usd) AS priced, quantile_cont(latency_ms, 0.95) AS p95
        FROM r WHERE user_id IS NOT NULL GROUP BY ALL
        """,
    )
    by_user = {t["user_id"]: t for t in top}
    got = d["top_users"]
    assert len(got) == 10
    for k, u in enumerate(got):
        t = by_user[u["user_id"]]
        diff.count(f"top_users[{k}].requests", u["requests"], int(t["requests"]))
        diff.float(f"top_users[{k}].latency_ms.p95", u["latency_ms"]["p95"], t["p95"])
        if t["priced"] == t["requests"]:
            diff.float(f"top_users[{k}].cost_usd", u["cost_usd"], t["cost"])
    costs = [u["cost_usd"] for u in got]
    assert costs == sorted(costs, reverse=True), costs
    # Nobody outside the list spent more than the last one in it (on reported cost alone a
    # user can only look cheaper, never dearer).
    listed = {u["user_id"] for u in got}
    dearer = [t for t in top if t["user_id"] not in listed and t["priced"] == t["requests"] and (t["cost"] or 0) > costs[-1] * (1 + 1e-9)]
    assert not dearer, dearer[:3]
    # Histograms: quarter-doubling bins, found in SQL from log2 and checked at the edges; of
    # latency, and of input and output tokens per request.
    for field, column in (
        ("latency_histogram", "latency_ms"),
        ("input_tokens_histogram", "prompt_tokens"),
        ("output_tokens_histogram", "completion_tokens"),
    ):
        hist = rows(
            con,
            f"""
            WITH e AS (SELECT {column}::DOUBLE AS x, floor(log2({column}))::INT AS e0 FROM r WHERE {column} >= 1),
            f AS (SELECT x, CASE WHEN x < 2.0 ** e0 THEN e0 - 1 WHEN x >= 2.0 ** (e0 + 1) THEN e0 + 1 ELSE e0 END AS e FROM e),
            g AS (SELECT 1 + e * 4 + floor((x / 2.0 ** e - 1) * 4)::INT AS bin FROM f
                  UNION ALL SELECT 0 FROM r WHERE {column} < 1)
            SELECT bin, count(*) AS n FROM g GROUP BY ALL ORDER BY bin
            """,
        )
        h = d[field]
        first = hist[0]["bin"]
        want_counts = [0] * (hist[-1]["bin"] - first + 1)
        for row in hist:
            want_counts[row["bin"] - first] = int(row["n"])
        assert h["counts"] == want_counts, (field, h["counts"][:10], want_counts[:10])
        e = (first - 1) // 4
        diff.float(f"{field}.edges_ms[0]", h["edges_ms"][0], 2.0**e * (1 + ((first - 1) % 4) / 4) if first else 0.0)
        assert len(h["edges_ms"]) == len(h["counts"]) + 1
    diff.check()
