"""DuckDB as the correctness oracle for `tokenlens summary --json`.

Every figure the CLI reports is computed a second time, independently, with DuckDB over the
same JSONL file, and the two must agree: counts exactly, floats within 1e-9 relative.
Metric definitions are the ones in the repo's contract (see README.md, "Metric definitions"):

- error: status_code >= 400, or status_code = 0, or a non-empty error_message
- latency percentiles: DuckDB quantile_cont (linear interpolation) over records with latency_ms
- input_tokens / output_tokens: sums of prompt_tokens / completion_tokens; a record with
  total_tokens but neither part counts its total as input (the engine's rule, src/ingest/jsonl.rs)
- cost (DESIGN.md, "Metric definitions": Cost): per record the reported cost
  (estimated_cost_usd) when it has one, else computed here from src/pricing/prices.csv, read
  with DuckDB and matched to the model by SQL written from the rules, never by the engine's
  code (see `load_prices` and `add_costs`). cost_usd sums it (null when no record has one);
  cost_count / cost_computed_count / cost_mismatch_count / cost_mismatch_usd /
  unpriced_requests count and sum as the engine's Totals; unpriced_models lists the models
  (in by_model order) with unpriced requests
- timestamp: an epoch number (unit from its magnitude) or an ISO 8601 string (no zone = UTC)
- a missing model_name / application is grouped as "(none)"
- first_ts / last_ts: ISO 8601 UTC with microseconds, compared as microseconds since the epoch

Run with `python3 -m pytest -q tests/oracle` after `cargo build --release --bin tokenlens`
(or set TOKENLENS_BIN to another binary).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TOKENLENS_BIN", ROOT / "target" / "release" / "tokenlens"))
FIXTURES = ROOT / "tests" / "fixtures"

REL_TOL = 1e-9
# Only for figures whose true value is 0: relative tolerance alone would demand bit equality.
ABS_TOL = 1e-12

# The source article's log record, with explicit types so DuckDB guesses nothing. The
# timestamp stays JSON: it may be an epoch number or an ISO 8601 string (see TS_US below).
ARTICLE_COLUMNS = {
    "timestamp": "JSON",
    "request_id": "VARCHAR",
    "user_id": "VARCHAR",
    "application": "VARCHAR",
    "model_name": "VARCHAR",
    "input_prompt": "VARCHAR",
    "llm_output": "VARCHAR",
    "latency_ms": "DOUBLE",
    "status_code": "BIGINT",
    "error_message": "VARCHAR",
    "prompt_tokens": "BIGINT",
    "completion_tokens": "BIGINT",
    "total_tokens": "BIGINT",
    "estimated_cost_usd": "DOUBLE",
}

# Fields outside the article's record that the engine also reads from a JSONL line and that
# cost depends on (src/ingest/fields.rs, ARTICLE): the host, for the provider-qualified price
# name, and the prompt tokens read from the cache.
EXTRA_COLUMNS = {
    "provider": "VARCHAR",
    "cached_input_tokens": "BIGINT",
}

# Fields beyond the article's record that `generate --labels` also writes: a feature name
# and a list of tags, which the dashboard breaks cost down by (the article's "cost per
# feature"), and for some requests thumbs-up feedback and a hallucination verdict.
LABEL_COLUMNS = {
    "feature": "VARCHAR",
    "tags": "VARCHAR[]",
    "feedback": "BOOLEAN",
    "hallucination": "DOUBLE",
}

LATENCY_KEYS = ("p50", "p75", "p90", "p95", "p99", "p999", "max", "mean")
# Cost figures of every group, counts and USD amounts.
COST_COUNTS = ("cost_count", "cost_computed_count", "cost_mismatch_count", "unpriced_requests")
COST_FLOATS = ("cost_usd", "cost_mismatch_usd")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
GENERATOR_START = datetime(2026, 11, 9, tzinfo=timezone.utc)


# --- running the CLI ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cli() -> Path:
    if not BIN.is_file():
        pytest.fail(
            f"tokenlens binary not found at {BIN}. Build it first: "
            "cargo build --release --bin tokenlens (or set TOKENLENS_BIN)",
            pytrace=False,
        )
    return BIN


def run(cli: Path, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(cli), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def summary(cli: Path, *paths: Path) -> dict:
    proc = run(cli, "summary", *paths, "--json")
    assert proc.returncode == 0, (
        f"tokenlens summary {' '.join(map(str, paths))} --json exited {proc.returncode}\n"
        f"stderr: {proc.stderr}"
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"summary --json did not print JSON ({e}):\n{proc.stdout[:2000]}")


def generate(cli: Path, records: int, seed: int, out: Path, *, labels: bool = False) -> Path:
    labels_arg = ("--labels",) if labels else ()
    proc = run(cli, "generate", "--records", str(records), "--seed", str(seed), *labels_arg, "--out", out)
    assert proc.returncode == 0, f"tokenlens generate exited {proc.returncode}\nstderr: {proc.stderr}"
    assert out.is_file(), f"tokenlens generate exited 0 but wrote no {out}"
    return out


@pytest.fixture(scope="session")
def generated_100k(cli: Path, tmp_path_factory) -> Path:
    # With the feature and tags labels, so that the per-feature and per-tag costs are checked.
    return generate(cli, 100_000, 42, tmp_path_factory.mktemp("gen") / "gen-100k-seed42.jsonl", labels=True)


# --- cost: the price table and model matching, in DuckDB ------------------------------------

PRICES_CSV = ROOT / "src" / "pricing" / "prices.csv"
PRICE_COLUMNS = {
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "input_usd_per_mtok": "DOUBLE",
    "cached_input_usd_per_mtok": "DOUBLE",
    "output_usd_per_mtok": "DOUBLE",
    "min_context_tokens": "BIGINT",
    "as_of": "DATE",
    "aliases": "VARCHAR",
}
# A reported cost is flagged when it is more than 1% (of the larger) and more than a
# millionth of a dollar away from the price table's (DESIGN.md: "a difference ... is flagged").
MISMATCH_REL = 0.01
MISMATCH_ABS = 1e-6


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def load_prices(con: duckdb.DuckDBPyConnection, path: Path = PRICES_CSV) -> None:
    """prices.csv as DuckDB tables: `price_rows` (one per model and context tier, as written)
    and `price_names` (every case-folded name a model answers to -> its entry, the
    case-folded name of its base row)."""
    # `#` lines are comments; no quoting in this file. The sniffer trips over the comment
    # block, so the dialect is given in full.
    con.execute(
        f"""
        CREATE TABLE price_rows AS
        SELECT * FROM read_csv({sql_str(str(path))}, header = true, auto_detect = false,
                               comment = '#', delim = ',', quote = '', escape = '',
                               columns = {{{", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in PRICE_COLUMNS.items())}}})
        """
    )
    con.execute(
        """
        CREATE TABLE price_names AS
        SELECT DISTINCT name, entry FROM (
            -- A model's own name (its base row: no min_context_tokens) ...
            SELECT lower(trim(model)) AS name, lower(trim(model)) AS entry
            FROM price_rows WHERE min_context_tokens IS NULL
            UNION ALL
            -- ... and each of its |-separated aliases.
            SELECT lower(trim(alias)), lower(trim(model))
            FROM (SELECT model, unnest(string_split(aliases, '|')) AS alias
                  FROM price_rows WHERE min_context_tokens IS NULL AND aliases IS NOT NULL)
            WHERE trim(alias) <> ''
        )
        """
    )
    # The oracle's own check of the file: no name may point at two models, and every tier
    # row belongs to a model with a base row.
    dup = con.execute("SELECT name FROM price_names GROUP BY name HAVING count(*) > 1").fetchall()
    assert not dup, f"prices.csv: names of two models: {dup}"
    orphan = con.execute(
        """SELECT model FROM price_rows WHERE min_context_tokens IS NOT NULL
           AND lower(trim(model)) NOT IN (SELECT entry FROM price_names)"""
    ).fetchall()
    assert not orphan, f"prices.csv: context tiers without a base row: {orphan}"


# A trailing snapshot date: -YYYY-MM-DD or -YYYYMMDD.
DATE_SUFFIX = r"-(\d{4}-\d{2}-\d{2}|\d{8})$"
# Added after comparing with the engine on tests/fixtures/cost_20_models.jsonl, whose
# `us.anthropic.claude-3-7-sonnet-20250219-v1:0` the engine prices and the rules above did not:
# Bedrock's cross-region inference profiles put a geography before the model id, and the id
# without it is a name in the table (an alias of claude-3-7-sonnet-20250219).
BEDROCK_REGION_PREFIX = r"^(us|us-gov|eu|apac|jp|au|ca|global)\."
# Added for the same reason, for the fixture's `mistral-small-latest`: Mistral's (and
# Anthropic's, Google's, xAI's) API names a model's newest version `<name>-latest`, and
# `<name>` is in the table (`mistral-small`, an alias of mistral-small-2506).
LATEST_SUFFIX = r"-latest$"


def match_prices(con: duckdb.DuckDBPyConnection, records: str) -> None:
    """`model_prices`: each distinct (model, provider) of `records` -> the price entry its name
    resolves to, and the rule that found it (`rule`: the lowest rank that hit).

    The rules, in the order they are tried (first hit wins), all case-insensitive; each names a
    form of the model name that must be a model's name or one of its aliases:
      0   `provider/model`, when the record names a provider (a host's own price row, e.g.
          Groq's `groq/meta-llama/llama-4-scout-17b-16e-instruct`)
      10  the name itself
      15  ... without a Bedrock cross-region prefix: `us.anthropic.x` -> `anthropic.x`
      20  the name without a `provider/` routing prefix: `openai/gpt-4o` -> `gpt-4o`
      25  ... and then without a Bedrock cross-region prefix
      1xx any form of 10-25 without a trailing snapshot date: `gpt-4o-2024-08-06` -> `gpt-4o`
      2xx any form of 10-25 without a trailing `-latest`: `mistral-small-latest` -> `mistral-small`
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE model_prices AS
        WITH m AS (
            SELECT DISTINCT model, provider,
                   lower(trim(model)) AS folded,
                   nullif(lower(trim(provider)), '') AS host
            FROM {records}
            WHERE nullif(trim(model), '') IS NOT NULL
        ),
        prefixed AS (
            SELECT model, provider, 0 AS rank, host || '/' || folded AS name FROM m WHERE host IS NOT NULL
            UNION ALL
            SELECT model, provider, 10, folded FROM m
            UNION ALL
            SELECT model, provider, 20, regexp_replace(folded, '^[^/]*/', '') FROM m WHERE folded LIKE '%/%'
        ),
        forms AS (
            SELECT * FROM prefixed
            UNION ALL
            SELECT model, provider, rank + 5, regexp_replace(name, {sql_str(BEDROCK_REGION_PREFIX)}, '')
            FROM prefixed WHERE rank > 0 AND regexp_matches(name, {sql_str(BEDROCK_REGION_PREFIX)})
        ),
        suffixed AS (
            SELECT model, provider, rank + 100 AS rank, regexp_replace(name, {sql_str(DATE_SUFFIX)}, '') AS name
            FROM forms WHERE rank > 0 AND regexp_matches(name, {sql_str(DATE_SUFFIX)})
            UNION ALL
            SELECT model, provider, rank + 200, regexp_replace(name, {sql_str(LATEST_SUFFIX)}, '')
            FROM forms WHERE rank > 0 AND regexp_matches(name, {sql_str(LATEST_SUFFIX)})
        )
        SELECT model, provider, arg_min(entry, rank) AS entry, min(rank) AS rule
        FROM (SELECT * FROM forms UNION ALL SELECT * FROM suffixed) JOIN price_names USING (name)
        GROUP BY model, provider
        """
    )


def add_costs(con: duckdb.DuckDBPyConnection, records: str, out: str) -> None:
    """View `out`: `records` plus each record's cost. `records` has the columns model, provider,
    input_counted (prompt tokens, cached ones included), output_tokens (reasoning included),
    cached_input_tokens and reported_cost_usd (the log's own cost, USD)."""
    match_prices(con, records)
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {out} AS
        WITH priced AS (
            SELECT r.*, p.entry AS price_entry, p.rule AS price_rule,
                   -- The context tier: the row with the highest min_context_tokens that the
                   -- prompt exceeds, else the base row. No cache price: cached tokens cost
                   -- the input price.
                   (SELECT arg_max({{'input': t.input_usd_per_mtok,
                                     'cached': coalesce(t.cached_input_usd_per_mtok, t.input_usd_per_mtok),
                                     'output': t.output_usd_per_mtok}},
                                   coalesce(t.min_context_tokens, 0))
                    FROM price_rows t
                    WHERE lower(trim(t.model)) = p.entry
                      AND (t.min_context_tokens IS NULL
                           OR coalesce(r.input_counted, 0) > t.min_context_tokens)) AS rate,
                   -- More cached than prompt tokens: all of the prompt was cached.
                   least(coalesce(r.cached_input_tokens, 0), coalesce(r.input_counted, 0)) AS cached_counted
            FROM {records} r
            LEFT JOIN model_prices p
              ON r.model = p.model AND r.provider IS NOT DISTINCT FROM p.provider
        ),
        computed AS (
            SELECT *,
                   -- Prices are USD per 1M tokens. Nothing to compute without any token count.
                   CASE WHEN rate IS NOT NULL AND (input_counted IS NOT NULL OR output_tokens IS NOT NULL)
                        THEN ((coalesce(input_counted, 0) - cached_counted) * rate.input
                              + cached_counted * rate.cached
                              + coalesce(output_tokens, 0) * rate.output) / 1e6
                   END AS computed_cost_usd
            FROM priced
        )
        SELECT *,
               coalesce(reported_cost_usd, computed_cost_usd) AS cost_usd,
               reported_cost_usd IS NULL AND computed_cost_usd IS NOT NULL AS cost_is_computed,
               coalesce(abs(reported_cost_usd - computed_cost_usd) > {MISMATCH_ABS}
                        AND abs(reported_cost_usd - computed_cost_usd)
                            > {MISMATCH_REL} * greatest(abs(reported_cost_usd), abs(computed_cost_usd)),
                        false) AS cost_mismatch,
               -- Tokens to pay for, no reported cost and no price: unknown, never zero.
               reported_cost_usd IS NULL AND computed_cost_usd IS NULL
                 AND coalesce(input_counted, 0) + coalesce(output_tokens, 0) > 0 AS cost_unpriced
        FROM computed
        """
    )


# The cost aggregates of a group (over a view made by add_costs).
COST_AGGREGATES = """
    sum(cost_usd) AS cost_usd,
    count(cost_usd) AS cost_count,
    count(*) FILTER (WHERE cost_is_computed) AS cost_computed_count,
    count(*) FILTER (WHERE cost_mismatch) AS cost_mismatch_count,
    coalesce(sum(reported_cost_usd - computed_cost_usd) FILTER (WHERE cost_mismatch), 0) AS cost_mismatch_usd,
    count(*) FILTER (WHERE cost_unpriced) AS unpriced_requests
"""


def unpriced_models(by_model: list[dict]) -> list[dict]:
    """The summary's unpriced_models: the groups with unpriced requests, in by_model order."""
    return [{"model": g["model"], "requests": g["unpriced_requests"]} for g in by_model if g["unpriced_requests"]]


# --- the oracle -----------------------------------------------------------------------------


def oracle(path: Path) -> dict:
    """The summary of `path` as DuckDB computes it, shaped like the CLI's JSON."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # An ISO timestamp without a zone is UTC.
    # An epoch number's unit follows from its magnitude (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns),
    # rounded to the microsecond, as DuckDB's to_timestamp(double) rounds.
    con.execute(
        """
        CREATE MACRO epoch_to_us(x) AS round(CASE
            WHEN abs(x) < 1e11 THEN x * 1e6
            WHEN abs(x) < 1e14 THEN x * 1e3
            WHEN abs(x) < 1e17 THEN x
            ELSE x / 1e3 END)::BIGINT
        """
    )
    all_columns = {**ARTICLE_COLUMNS, **EXTRA_COLUMNS, **LABEL_COLUMNS}
    columns = "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in all_columns.items()) + "}"
    load_prices(con)
    con.execute(
        f"""
        CREATE VIEW records AS
        SELECT *,
               CASE
                 WHEN json_type(timestamp) = 'VARCHAR' THEN coalesce(
                   epoch_to_us(try_cast(timestamp ->> '$' AS DOUBLE)),
                   epoch_us(CAST(timestamp ->> '$' AS TIMESTAMPTZ)))
                 WHEN json_type(timestamp) IN ('BIGINT', 'UBIGINT', 'DOUBLE')
                   THEN epoch_to_us(timestamp::DOUBLE)
               END AS ts_us,
               coalesce(status_code >= 400 OR status_code = 0, false)
                 OR coalesce(length(error_message) > 0, false) AS is_error,
               -- Only a total and no parts: the engine counts the total as input tokens.
               CASE WHEN prompt_tokens IS NULL AND completion_tokens IS NULL
                    THEN total_tokens ELSE prompt_tokens END AS input_tokens,
               coalesce(model_name, '(none)') AS model_key,
               coalesce(application, '(none)') AS application_key
        FROM read_json({sql_str(str(path))}, format = 'newline_delimited', columns = {columns})
        """
    )
    con.execute(
        """
        CREATE VIEW cost_input AS
        SELECT *, model_name AS model, input_tokens AS input_counted, completion_tokens AS output_tokens,
               estimated_cost_usd AS reported_cost_usd                 -- USD as written
        FROM records
        """
    )
    add_costs(con, "cost_input", "r")
    aggregates = """
        count(*) AS requests,
        count(*) FILTER (WHERE is_error) AS errors,
        quantile_cont(latency_ms, 0.50) AS p50,
        quantile_cont(latency_ms, 0.75) AS p75,
        quantile_cont(latency_ms, 0.90) AS p90,
        quantile_cont(latency_ms, 0.95) AS p95,
        quantile_cont(latency_ms, 0.99) AS p99,
        quantile_cont(latency_ms, 0.999) AS p999,
        max(latency_ms) AS max,
        avg(latency_ms) AS mean,
        coalesce(sum(input_tokens), 0) AS input_tokens,
        coalesce(sum(completion_tokens), 0) AS output_tokens,
        min(ts_us) AS first_us,
        max(ts_us) AS last_us,
    """ + COST_AGGREGATES

    def rows(sql: str) -> list[dict]:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def shape(row: dict) -> dict:
        out = {
            "requests": int(row["requests"]),
            "errors": int(row["errors"]),
            "error_rate": row["errors"] / row["requests"] if row["requests"] else None,
            "latency_ms": {k: row[k] for k in LATENCY_KEYS},
            "input_tokens": int(row["input_tokens"]),
            "output_tokens": int(row["output_tokens"]),
            **{k: int(row[k]) for k in COST_COUNTS},
            **{k: row[k] for k in COST_FLOATS},
            "first_us": row["first_us"],
            "last_us": row["last_us"],
        }
        for key in ("model_key", "application_key", "feature_key", "tag_key"):
            if key in row:
                out[key.removesuffix("_key")] = row[key]
        return out

    total = shape(rows(f"SELECT {aggregates} FROM r")[0])
    by_model = [shape(r) for r in rows(f"SELECT model_key, {aggregates} FROM r GROUP BY ALL")]
    by_app = [shape(r) for r in rows(f"SELECT application_key, {aggregates} FROM r GROUP BY ALL")]
    by_feature = [
        shape(r) for r in rows(f"SELECT coalesce(feature, '(none)') AS feature_key, {aggregates} FROM r GROUP BY ALL")
    ]
    # A request counts in each of its tags: trimmed, empty ones dropped, each once.
    by_tag = [
        shape(r)
        for r in rows(
            f"""
            WITH t AS (
              SELECT *, list_distinct(list_filter(list_transform(coalesce(tags, []), lambda x: trim(x)), lambda x: x <> '')) AS tl
              FROM r)
            SELECT tag_key, {aggregates}
            FROM (SELECT *, unnest(CASE WHEN len(tl) = 0 THEN ['(none)'] ELSE tl END) AS tag_key FROM t)
            GROUP BY ALL
            """
        )
    ]
    by_model.sort(key=lambda g: (-g["requests"], g["model"]))
    by_app.sort(key=lambda g: (-g["requests"], g["application"]))
    # Costliest first (no cost last), then requests, then name.
    for groups, key in ((by_feature, "feature"), (by_tag, "tag")):
        groups.sort(key=lambda g: (-(g["cost_usd"] if g["cost_usd"] is not None else float("-inf")), -g["requests"], g[key]))
    total["unpriced_models"] = unpriced_models(by_model)
    return {"summary": total, "by_model": by_model, "by_application": by_app, "by_feature": by_feature, "by_tag": by_tag}


# --- comparing ------------------------------------------------------------------------------


def iso_to_us(value: str) -> int:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (dt - EPOCH) // timedelta(microseconds=1)


def us_to_iso(us: int) -> str:
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Diff:
    """Collects every mismatch so that one run reports all of them, not just the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def count(self, where: str, got, want: int) -> None:
        if not (isinstance(got, int) and not isinstance(got, bool) and got == want):
            self.problems.append(f"{where}: expected {want!r} (DuckDB), got {got!r}")

    def float(self, where: str, got, want) -> None:
        if want is None:
            if got is not None:
                self.problems.append(f"{where}: expected null (no data), got {got!r}")
            return
        ok = (
            isinstance(got, (int, float))
            and not isinstance(got, bool)
            and math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        )
        if not ok:
            rel = ""
            if isinstance(got, (int, float)) and want:
                rel = f" (relative difference {abs(got - want) / abs(want):.3g})"
            self.problems.append(f"{where}: expected {want!r} (DuckDB), got {got!r}{rel}")

    def ts(self, where: str, got, want_us) -> None:
        if want_us is None:
            if got is not None:
                self.problems.append(f"{where}: expected null (no timestamps), got {got!r}")
            return
        if not isinstance(got, str) or not ISO_RE.match(got):
            self.problems.append(
                f"{where}: expected ISO 8601 UTC with microseconds like {us_to_iso(want_us)!r}, got {got!r}"
            )
            return
        got_us = iso_to_us(got)
        if got_us != want_us:
            self.problems.append(
                f"{where}: expected {us_to_iso(want_us)} ({want_us} us), got {got} ({got_us} us), "
                f"off by {got_us - want_us} us"
            )

    def check(self) -> None:
        assert not self.problems, f"{len(self.problems)} mismatch(es):\n  " + "\n  ".join(self.problems)


def latency_of(obj: dict, key: str):
    lat = obj.get("latency_ms")
    # Either `latency_ms: null` or every field null is fine when no record has a latency.
    return None if lat is None else lat.get(key, "<missing>")


def compare_group(diff: Diff, where: str, got: dict, want: dict) -> None:
    diff.count(f"{where}.requests", got.get("requests"), want["requests"])
    diff.count(f"{where}.errors", got.get("errors"), want["errors"])
    diff.float(f"{where}.error_rate", got.get("error_rate"), want["error_rate"])
    for key in LATENCY_KEYS:
        diff.float(f"{where}.latency_ms.{key}", latency_of(got, key), want["latency_ms"][key])
    diff.count(f"{where}.input_tokens", got.get("input_tokens"), want["input_tokens"])
    diff.count(f"{where}.output_tokens", got.get("output_tokens"), want["output_tokens"])
    compare_cost(diff, where, got, want)


def compare_cost(diff: Diff, where: str, got: dict, want: dict) -> None:
    for key in COST_FLOATS:
        diff.float(f"{where}.{key}", got.get(key), want[key])
    for key in COST_COUNTS:
        diff.count(f"{where}.{key}", got.get(key), want[key])


def compare_unpriced_models(diff: Diff, got, want: list[dict]) -> None:
    """The summary's unpriced models: the same models, in by_model order, with their counts."""
    if not isinstance(got, list):
        diff.problems.append(f"unpriced_models: expected a list, got {got!r}")
    elif [(m.get("model"), m.get("requests")) for m in got] != [(m["model"], m["requests"]) for m in want]:
        diff.problems.append(f"unpriced_models: expected {want} (DuckDB), got {got}")


def compare_groups(diff: Diff, field: str, key: str, got_list, want_list: list[dict]) -> None:
    if not isinstance(got_list, list):
        diff.problems.append(f"{field}: expected a list, got {got_list!r}")
        return
    got_names = [g.get(key) for g in got_list]
    want_names = [w[key] for w in want_list]
    if sorted(map(str, got_names)) != sorted(map(str, want_names)):
        diff.problems.append(f"{field}: expected groups {sorted(want_names)}, got {sorted(map(str, got_names))}")
    elif got_names != want_names:
        diff.problems.append(
            f"{field}: expected order (requests desc, then {key}) {want_names}, got {got_names}"
        )
    got_by_name = {g.get(key): g for g in got_list}
    for want in want_list:
        got = got_by_name.get(want[key])
        if got is not None:
            compare_group(diff, f"{field}[{want[key]}]", got, want)


def compare_costliest(diff: Diff, field: str, key: str, got_list, want_list: list[dict]) -> None:
    """Features or tags: the same groups in the same order (costliest first), each with its
    counts, tokens, cost and mean latency (the only latency figure these groups carry)."""
    if not isinstance(got_list, list):
        diff.problems.append(f"{field}: expected a list, got {got_list!r}")
        return
    got_names = [g.get("name") for g in got_list]
    want_names = [w[key] for w in want_list]
    if got_names != want_names:
        diff.problems.append(f"{field}: expected {want_names} (costliest first), got {got_names}")
        return
    for got, want in zip(got_list, want_list):
        where = f"{field}[{want[key]}]"
        diff.count(f"{where}.requests", got.get("requests"), want["requests"])
        diff.count(f"{where}.errors", got.get("errors"), want["errors"])
        diff.float(f"{where}.error_rate", got.get("error_rate"), want["error_rate"])
        diff.float(f"{where}.latency_ms.mean", latency_of(got, "mean"), want["latency_ms"]["mean"])
        diff.count(f"{where}.input_tokens", got.get("input_tokens"), want["input_tokens"])
        diff.count(f"{where}.output_tokens", got.get("output_tokens"), want["output_tokens"])
        compare_cost(diff, where, got, want)


def compare_summary(got: dict, want: dict, *, skipped: int = 0) -> Diff:
    diff = Diff()
    total = want["summary"]
    compare_group(diff, "summary", got, total)
    diff.ts("first_ts", got.get("first_ts"), total["first_us"])
    diff.ts("last_ts", got.get("last_ts"), total["last_us"])
    diff.count("skipped_lines", got.get("skipped_lines"), skipped)
    compare_unpriced_models(diff, got.get("unpriced_models"), total["unpriced_models"])
    rps = got.get("throughput_rps")
    if not (isinstance(rps, (int, float)) and not isinstance(rps, bool) and rps >= 0) and rps is not None:
        diff.problems.append(f"throughput_rps: expected a non-negative number, got {rps!r}")
    compare_groups(diff, "by_model", "model", got.get("by_model"), want["by_model"])
    compare_groups(diff, "by_application", "application", got.get("by_application"), want["by_application"])
    compare_costliest(diff, "by_feature", "feature", got.get("by_feature"), want["by_feature"])
    compare_costliest(diff, "by_tag", "tag", got.get("by_tag"), want["by_tag"])
    imp = got.get("import")
    if not isinstance(imp, dict):
        diff.problems.append(f"import: expected an object, got {imp!r}")
    else:
        diff.count("import.records", imp.get("records"), total["requests"])
        diff.count("import.skipped_lines", imp.get("skipped_lines"), skipped)
    return diff


def physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


# --- tests ----------------------------------------------------------------------------------


def test_generated_100k_matches_duckdb(cli: Path, generated_100k: Path):
    got = summary(cli, generated_100k)
    want = oracle(generated_100k)
    data = generated_100k.read_bytes()
    diff = compare_summary(got, want)
    diff.count("summary.requests (lines in the file)", got.get("requests"), 100_000)
    imp = got.get("import") or {}
    diff.count("import.bytes", imp.get("bytes"), len(data))
    diff.count("import.lines", imp.get("lines"), physical_lines(data))
    if imp.get("errors") != []:
        diff.problems.append(f"import.errors: expected [], got {str(imp.get('errors'))[:500]}")
    diff.check()


def test_generated_data_has_the_contract_shape(cli: Path, generated_100k: Path):
    """Two weeks from 2026-11-09T00:00:00Z, the article's fields, several models and apps."""
    want = oracle(generated_100k)
    start_us = (GENERATOR_START - EPOCH) // timedelta(microseconds=1)
    two_weeks_us = 14 * 86_400 * 1_000_000
    first, last = want["summary"]["first_us"], want["summary"]["last_us"]
    assert start_us <= first < start_us + 86_400 * 1_000_000, us_to_iso(first)
    assert last < start_us + two_weeks_us, us_to_iso(last)
    assert last - first > 13 * 86_400 * 1_000_000, "traffic should span about two weeks"
    assert len(want["by_model"]) >= 3, [g["model"] for g in want["by_model"]]
    assert len(want["by_application"]) >= 3, [g["application"] for g in want["by_application"]]
    assert "gpt-4o" in {g["model"] for g in want["by_model"]}

    seen: set[str] = set()
    with generated_100k.open("rb") as f:
        for n, line in enumerate(f, 1):
            record = json.loads(line)
            assert isinstance(record, dict), f"line {n} is not an object"
            extra = set(record) - set(ARTICLE_COLUMNS) - set(LABEL_COLUMNS)
            assert not extra, f"line {n}: fields outside the article's record and labels: {sorted(extra)}"
            seen |= set(record)
            if n == 5_000:
                break
    expected = set(ARTICLE_COLUMNS) | set(LABEL_COLUMNS)
    assert seen == expected, f"fields never seen: {sorted(expected - seen)}"


def test_generate_is_deterministic(cli: Path, tmp_path: Path):
    a = generate(cli, 2_000, 42, tmp_path / "a.jsonl").read_bytes()
    b = generate(cli, 2_000, 42, tmp_path / "b.jsonl").read_bytes()
    c = generate(cli, 2_000, 43, tmp_path / "c.jsonl").read_bytes()
    assert a == b, "same --seed must give byte-identical output"
    assert a != c, "a different --seed should give different output"
    assert physical_lines(a) == 2_000
    # --labels adds a feature and tags to each record and changes nothing else; without it
    # the records are the article's alone.
    labelled = generate(cli, 2_000, 42, tmp_path / "l.jsonl", labels=True).read_bytes()
    plain = [json.loads(line) for line in a.splitlines()]
    with_labels = [json.loads(line) for line in labelled.splitlines()]
    assert all(set(r) <= set(ARTICLE_COLUMNS) for r in plain)
    assert all({"feature", "tags"} <= set(r) - set(ARTICLE_COLUMNS) <= set(LABEL_COLUMNS) for r in with_labels)
    assert [{k: v for k, v in r.items() if k not in LABEL_COLUMNS} for r in with_labels] == plain


def article_fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.jsonl"))


def test_there_is_an_article_fixture():
    assert article_fixtures(), f"no valid fixtures (*.jsonl) in {FIXTURES}"


@pytest.mark.parametrize("fixture", article_fixtures(), ids=lambda p: p.name)
def test_fixture_matches_duckdb(cli: Path, fixture: Path):
    keys: set[str] = set()
    for line in fixture.read_bytes().splitlines():
        if line.strip():
            keys |= set(json.loads(line))
    # The oracle knows the article's field names (and EXTRA_COLUMNS) only; the engine also
    # takes synonyms.
    known = set(ARTICLE_COLUMNS) | set(EXTRA_COLUMNS) | set(LABEL_COLUMNS)
    if keys - known:
        pytest.skip(f"{fixture.name} has fields outside the article's record: {sorted(keys - known)}")
    got = summary(cli, fixture)
    want = oracle(fixture)
    diff = compare_summary(got, want)
    data = fixture.read_bytes()
    diff.count("import.bytes", (got.get("import") or {}).get("bytes"), len(data))
    diff.check()


def test_malformed_lines_are_skipped_and_reported(cli: Path, generated_100k: Path, tmp_path: Path):
    with generated_100k.open("rb") as f:
        good = [next(f).rstrip(b"\n") for _ in range(3_000)]
    template = json.loads(good[10])

    def with_field(**fields) -> bytes:
        return json.dumps({**template, **fields}).encode()

    # (line, is_bad, field the reason should name). None as the line = a blank line.
    bad_lines: list[tuple[bytes, str | None]] = [
        (b"this is not json", None),
        (b'{"timestamp": 1794182400.5, "model_name": "gpt-4o"', None),  # truncated
        (b"[1, 2, 3]", None),  # not an object
        (b'"just a string"', None),
        (b"null", None),
        (b"42", None),
        (with_field(latency_ms="fast"), "latency_ms"),
        (with_field(prompt_tokens=-5), "prompt_tokens"),
        (with_field(completion_tokens=-1), "completion_tokens"),
        (b'{"model_name": "\xff\xfe not utf-8", "latency_ms": 1.0}', None),
    ]

    # Interleave: a bad line first (line 1, byte 0), blank lines here and there, the rest
    # spread through the good lines, and a good last line with no trailing newline.
    lines: list[tuple[bytes, str, str | None]] = [(bad_lines[0][0], "bad", None)]
    rest = iter(bad_lines[1:])
    for i, g in enumerate(good):
        lines.append((g, "good", None))
        if i in (0, 1500):
            lines.append((b"", "blank", None))
        if i % 250 == 100:
            b = next(rest, None)
            if b is not None:
                lines.append((b[0], "bad", b[1]))
    assert next(rest, None) is None
    # No known field at all: skipped with a reason ("no known field ..."; src/ingest/mod.rs),
    # so that a file of unknown columns is reported rather than read as empty records.
    lines.append((b"{}", "bad", None))
    lines.append((good[0], "good", None))

    data = b"\n".join(text for text, _, _ in lines)  # no trailing newline
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(data)
    only_good = tmp_path / "only-good.jsonl"
    only_good.write_bytes(b"\n".join(text for text, kind, _ in lines if kind == "good") + b"\n")

    expected_errors = []
    offset = 0
    for number, (text, kind, field) in enumerate(lines, 1):
        if kind == "bad":
            expected_errors.append((number, offset, field))
        offset += len(text) + 1

    got = summary(cli, mixed)
    want = oracle(only_good)
    diff = compare_summary(got, want, skipped=len(expected_errors))
    imp = got.get("import") or {}
    diff.count("import.bytes", imp.get("bytes"), len(data))
    diff.count("import.lines", imp.get("lines"), len(lines))
    errors = imp.get("errors")
    if not isinstance(errors, list):
        diff.problems.append(f"import.errors: expected a list, got {errors!r}")
        errors = []
    got_where = [(e.get("line"), e.get("byte_offset")) for e in errors]
    want_where = [(line, off) for line, off, _ in expected_errors]
    if got_where != want_where:
        diff.problems.append(f"import.errors (line, byte_offset): expected {want_where}, got {got_where}")
    by_line = {e.get("line"): e for e in errors}
    for line, _, field in expected_errors:
        reason = (by_line.get(line) or {}).get("reason")
        if line in by_line and not (isinstance(reason, str) and reason.strip()):
            diff.problems.append(f"import.errors[line {line}].reason: expected a message, got {reason!r}")
        elif field and isinstance(reason, str) and field not in reason:
            diff.problems.append(f"import.errors[line {line}].reason should name the field {field!r}: {reason!r}")
    diff.check()


def test_one_model_name_at_two_hosts_is_priced_by_each_records_provider(cli: Path, tmp_path: Path):
    """Together and Groq both serve meta-llama/llama-4-scout-17b-16e-instruct, at different
    prices; the table names Groq's `groq/meta-llama/...`, tried first for a Groq record."""
    path = tmp_path / "two_hosts.jsonl"
    rows = [
        # Together: $0.18 in, $0.59 out -> 0.18 + 0.59 = 0.77
        {"timestamp": 1794182400, "model_name": "meta-llama/llama-4-scout-17b-16e-instruct",
         "provider": "together", "prompt_tokens": 1_000_000, "completion_tokens": 1_000_000},
        # Groq: $0.11 in, $0.34 out -> 0.11 + 0.34 = 0.45
        {"timestamp": 1794182401, "model_name": "meta-llama/llama-4-scout-17b-16e-instruct",
         "provider": "groq", "prompt_tokens": 1_000_000, "completion_tokens": 1_000_000},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    want = oracle(path)
    assert math.isclose(want["summary"]["cost_usd"], 0.77 + 0.45, rel_tol=REL_TOL)
    compare_summary(summary(cli, path), want).check()


def test_missing_file_fails_with_its_name(cli: Path, tmp_path: Path):
    missing = tmp_path / "no-such-dir" / "does-not-exist.jsonl"
    proc = run(cli, "summary", missing, "--json")
    assert proc.returncode != 0, f"expected a non-zero exit for a missing file; stdout: {proc.stdout[:500]}"
    output = proc.stderr + proc.stdout
    assert "does-not-exist.jsonl" in output, f"the message should name the file; got: {output!r}"
    assert "panicked" not in output, f"a missing file must not panic: {output!r}"
