"""DuckDB as the oracle for every export format `tokenlens summary FILE --json` reads unaided.

Each fixture in tests/fixtures/formats/ is read a second time with DuckDB, straight from the
file and with explicit column types, and mapped onto the canonical record by SQL written
from src/ingest/fields.rs (one profile per tool: for one canonical field the first rule whose
source field is present and non-null wins). Every unit conversion is done here in SQL, with a
comment, never by calling tokenlens. The CLI's figures must then agree: counts exactly, floats
within test_oracle.py's tolerances.

Canonical rules reproduced (DESIGN.md, "The canonical record" and "Metric definitions"):

- error: status >= 400 or status = 0, or a non-empty (after trim) error message, or the
  tool's failure flag (FailedIf: the value, case-insensitively, is a failure value;
  SuccessFlag: false). An error *type* or a WARNING level alone is not an error.
- input tokens: the first present input rule; the total counts as input only when both the
  input and the output are missing.
- reported cost: the first whole-cost rule with a value, else the sum of the present UsdPart
  rules; Cents / 100. The record's cost is the reported one when it has one, else computed
  from src/pricing/prices.csv by test_oracle.add_costs (the model matched to a price row in
  SQL; the provider is the profile's Provider rule, for the provider-qualified name).
  cost_count = records with a cost; cost_computed_count, cost_mismatch_count/_usd,
  unpriced_requests and unpriced_models as in test_oracle.py.
- latency: Ms as is, Seconds x 1000, SinceStart = (that time - the record's start) in ms, the
  times taken at the canonical microsecond. TTFT the same way. Percentiles are DuckDB's
  quantile_cont over the records that have one; null when none has.
- timestamps: ISO 8601 (no zone = UTC) or an epoch number whose unit follows from its
  magnitude (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns), rounded to the microsecond.
- records that are not LLM calls (Keep rules) are left out and counted as ignored_records.

Run with `python3 -m pytest -q tests/oracle/test_formats.py` after
`cargo build --release --bin tokenlens` (or set TOKENLENS_BIN). The Arrow fixtures are read
with pyarrow (DuckDB has no built-in Arrow IPC reader); regenerate the binary fixtures with
tests/fixtures/formats/make_binary.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pytest

# Shared with the article oracle: the binary, how to run it, and how mismatches are reported.
from test_oracle import (  # noqa: F401
    COST_AGGREGATES,
    COST_COUNTS,
    FIXTURES,
    LATENCY_KEYS,
    Diff,
    add_costs,
    cli,
    compare_cost,
    compare_costliest,
    compare_unpriced_models,
    load_prices,
    run,
    sql_str,
    summary,
    unpriced_models,
)

FORMATS = FIXTURES / "formats"
INVALID = FIXTURES / "invalid"


# --- DuckDB: shared conversions -------------------------------------------------------------


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # An ISO timestamp without a zone is UTC.
    con.execute(
        """
        -- An epoch number -> microseconds: the unit follows from the magnitude
        -- (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns), rounded as to_timestamp(double) rounds.
        CREATE MACRO epoch_to_us(x) AS round(CASE
            WHEN abs(x) < 1e11 THEN x * 1e6
            WHEN abs(x) < 1e14 THEN x * 1e3
            WHEN abs(x) < 1e17 THEN x
            ELSE x / 1e3 END)::BIGINT;

        -- Text holding a time: an epoch number written as text, or ISO 8601 (no zone = UTC).
        CREATE MACRO text_to_us(t) AS CASE
            WHEN try_cast(t AS DOUBLE) IS NOT NULL THEN epoch_to_us(CAST(t AS DOUBLE))
            WHEN t IS NOT NULL THEN epoch_us(CAST(t AS TIMESTAMPTZ)) END;

        -- A JSON value holding a time: a number (epoch) or a string (as text_to_us).
        CREATE MACRO json_to_us(j) AS CASE
            WHEN json_type(j) = 'VARCHAR' THEN text_to_us(j ->> '$')
            WHEN json_type(j) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN epoch_to_us(CAST(j AS DOUBLE)) END;

        -- SinceStart: a later time's distance from the record's start, in ms.
        CREATE MACRO since_start_ms(end_us, start_us) AS (end_us - start_us) / 1000.0;

        -- An error message counts when it is non-empty after trimming.
        CREATE MACRO has_text(s) AS coalesce(length(trim(s)) > 0, false);

        -- An HTTP status fails at >= 400, and 0 means no response at all.
        CREATE MACRO failed_status(s) AS coalesce(s >= 400 OR s = 0, false);

        -- The UsdPart rules: summed when at least one part is present.
        CREATE MACRO usd_parts(a, b) AS CASE
            WHEN a IS NOT NULL OR b IS NOT NULL THEN coalesce(a, 0) + coalesce(b, 0) END;
        """
    )
    return con


def columns_arg(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in columns.items()) + "}"


def read_csv(path: Path, columns: dict[str, str], delim: str = ",") -> str:
    # Explicit dialect and types: DuckDB sniffs nothing. Quoted "" is null (allow_quoted_nulls).
    return (
        f"read_csv({sql_str(str(path))}, header = true, delim = {sql_str(delim)}, quote = '\"', "
        f"escape = '\"', columns = {columns_arg(columns)})"
    )


def read_json(path: Path, columns: dict[str, str], fmt: str) -> str:
    return f"read_json({sql_str(str(path))}, format = {sql_str(fmt)}, columns = {columns_arg(columns)})"


# Every case's SQL yields these columns, one row per record in the file:
#   kept (an LLM call), ts_us, latency_ms, ttft_ms, is_error, model, provider,
#   input_tokens, output_tokens, total_tokens (each the first present rule, unconverted),
#   cached_input_tokens, reasoning_tokens, cost_usd (the reported cost); and `tags` (a list)
#   for the exports that have them.


# --- the article's record (CSV, TSV, JSON array, gzip, Parquet, Arrow) ------------------------

ARTICLE_TEXT_COLUMNS = {
    "timestamp": "VARCHAR",
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


def article_sql(source: str, ts_us: str) -> str:
    """The ARTICLE profile over a relation with the article's columns; `ts_us` converts its timestamp."""
    return f"""
        SELECT true AS kept,                                   -- no Keep rule: every record is a call
               {ts_us} AS ts_us,
               latency_ms,                                     -- ms as written
               NULL::DOUBLE AS ttft_ms,                        -- the article has no TTFT field
               failed_status(status_code) OR has_text(error_message) AS is_error,
               model_name AS model,
               NULL::VARCHAR AS provider,                      -- these fixtures have no provider column
               prompt_tokens AS input_tokens,
               completion_tokens AS output_tokens,
               total_tokens,
               NULL::BIGINT AS cached_input_tokens,
               NULL::BIGINT AS reasoning_tokens,
               estimated_cost_usd AS cost_usd                  -- USD as written
        FROM {source}
    """


def article_csv(con, path: Path) -> str:
    # The timestamp column is text: epoch s / ms or ISO 8601 (with Z, an offset, or no zone).
    return article_sql(read_csv(path, ARTICLE_TEXT_COLUMNS), "text_to_us(timestamp)")


def article_tsv(con, path: Path) -> str:
    return article_sql(read_csv(path, ARTICLE_TEXT_COLUMNS, delim="\t"), "text_to_us(timestamp)")


def article_json(con, path: Path, fmt: str) -> str:
    # The timestamp stays JSON: a number (epoch) or a string (ISO 8601).
    columns = {**ARTICLE_TEXT_COLUMNS, "timestamp": "JSON"}
    return article_sql(read_json(path, columns, fmt), "json_to_us(timestamp)")


def article_parquet(con, path: Path) -> str:
    # A UTC timestamp column, in microseconds already.
    return article_sql(f"read_parquet({sql_str(str(path))})", 'epoch_us("timestamp")')


def article_arrow(con, path: Path, stream: bool) -> str:
    import pyarrow.ipc

    reader = pyarrow.ipc.open_stream(path) if stream else pyarrow.ipc.open_file(path)
    con.register("arrow_source", reader.read_all())
    return article_sql("arrow_source", 'epoch_us("timestamp")')


# --- Langfuse -------------------------------------------------------------------------------


def langfuse_sql(source: str, get: Callable[[str], str], time: Callable[[str], str]) -> str:
    """The LANGFUSE profile. `get(path)` is a field's text (null when absent), `time(field)` its us."""
    num = lambda p: f"CAST({get(p)} AS DOUBLE)"  # noqa: E731
    cnt = lambda p: f"CAST({get(p)} AS BIGINT)"  # noqa: E731
    return f"""
        WITH o AS (
            SELECT *,
                   -- Keep: an observation with a `type` other than GENERATION is not an LLM call.
                   coalesce({get('type')} = 'GENERATION', {get('type')} IS NULL) AS kept,
                   coalesce({time('startTime')}, {time('timestamp')}) AS ts_us
            FROM {source}
        )
        SELECT kept, ts_us,
               coalesce({num('latencyMs')},                                  -- ms
                        {num('latency')} * 1000,                             -- seconds -> ms
                        since_start_ms({time('endTime')}, ts_us)) AS latency_ms,
               coalesce({num('timeToFirstToken')} * 1000,                    -- seconds -> ms
                        since_start_ms({time('completionStartTime')}, ts_us)) AS ttft_ms,
               -- level ERROR fails; statusMessage is only the error's type.
               coalesce(upper({get('level')}) = 'ERROR', false) AS is_error,
               coalesce({get('model')}, {get('providedModelName')}) AS model,
               NULL::VARCHAR AS provider,                                    -- no Provider rule
               coalesce({cnt('usageDetails.input')}, {cnt('usage.input')},
                        {cnt('promptTokens')}, {cnt('inputUsage')}) AS input_tokens,
               coalesce({cnt('usageDetails.output')}, {cnt('usage.output')},
                        {cnt('completionTokens')}, {cnt('outputUsage')}) AS output_tokens,
               coalesce({cnt('usageDetails.total')}, {cnt('usage.total')},
                        {cnt('totalTokens')}, {cnt('totalUsage')}) AS total_tokens,
               coalesce({cnt('usageDetails.input_cached_tokens')},
                        {cnt('usageDetails.cache_read_input_tokens')}) AS cached_input_tokens,
               {cnt('usageDetails.output_reasoning_tokens')} AS reasoning_tokens,
               coalesce({num('calculatedTotalCost')}, {num('totalCost')}, {num('costDetails.total')},
                        usd_parts({num('inputCost')}, {num('outputCost')})) AS cost_usd
        FROM o
    """


def langfuse_observations(con, path: Path) -> str:
    # The public API page {"data": [...], "meta": {...}}: one row per observation.
    source = f"(SELECT unnest(CAST(data AS JSON[])) AS j FROM {read_json(path, {'data': 'JSON', 'meta': 'JSON'}, 'auto')})"
    return langfuse_sql(source, lambda p: f"(j ->> '$.{p}')", lambda f: f"json_to_us(j -> '$.{f}')")


LANGFUSE_CSV_COLUMNS = {
    "id": "VARCHAR",
    "traceId": "VARCHAR",
    "name": "VARCHAR",
    "startTime": "VARCHAR",
    "endTime": "VARCHAR",
    "completionStartTime": "VARCHAR",
    "model": "VARCHAR",
    "level": "VARCHAR",
    "statusMessage": "VARCHAR",
    "latency": "DOUBLE",
    "timeToFirstToken": "DOUBLE",
    "promptTokens": "BIGINT",
    "completionTokens": "BIGINT",
    "totalTokens": "BIGINT",
    "inputCost": "DOUBLE",
    "outputCost": "DOUBLE",
    "totalCost": "DOUBLE",
    "userId": "VARCHAR",
    "sessionId": "VARCHAR",
    "release": "VARCHAR",
    "input": "VARCHAR",
    "output": "VARCHAR",
}


def langfuse_csv(con, path: Path) -> str:
    # A UI export: flat columns; a rule's field that is not a column is absent (null).
    present = set(LANGFUSE_CSV_COLUMNS)
    get = lambda p: f'CAST("{p}" AS VARCHAR)' if p in present else "NULL::VARCHAR"  # noqa: E731
    time = lambda f: f'text_to_us("{f}")' if f in present else "NULL::BIGINT"  # noqa: E731
    return langfuse_sql(read_csv(path, LANGFUSE_CSV_COLUMNS), get, time)


# --- Helicone -------------------------------------------------------------------------------


def helicone(con, path: Path) -> str:
    columns = {
        "request_created_at": "VARCHAR",
        "response_created_at": "VARCHAR",
        "delay_ms": "DOUBLE",
        "time_to_first_token": "DOUBLE",
        "response_status": "BIGINT",
        "model": "VARCHAR",
        "request_model": "VARCHAR",
        "provider": "VARCHAR",
        "prompt_tokens": "BIGINT",
        "completion_tokens": "BIGINT",
        "total_tokens": "BIGINT",
        "prompt_cache_read_tokens": "BIGINT",
        "reasoning_tokens": "BIGINT",
        "cost": "DOUBLE",
        "cost_usd": "DOUBLE",
    }
    return f"""
        WITH h AS (
            -- ClickHouse DateTime64(3) text, UTC without a zone: "2026-11-09 14:00:00.118".
            SELECT *, text_to_us(request_created_at) AS ts_us
            FROM {read_json(path, columns, 'newline_delimited')}
        )
        SELECT true AS kept, ts_us,
               coalesce(delay_ms,                                            -- ms
                        since_start_ms(text_to_us(response_created_at), ts_us)) AS latency_ms,
               time_to_first_token AS ttft_ms,                               -- ms
               failed_status(response_status) AS is_error,
               coalesce(model, request_model) AS model,
               provider,
               prompt_tokens AS input_tokens, completion_tokens AS output_tokens, total_tokens,
               prompt_cache_read_tokens AS cached_input_tokens,
               reasoning_tokens,                                             -- as exported
               coalesce(cost, cost_usd) AS cost_usd                          -- USD
        FROM h
    """


# --- LangSmith ------------------------------------------------------------------------------


def langsmith(con, path: Path) -> str:
    columns = {
        "run_type": "VARCHAR",
        "start_time": "VARCHAR",
        "end_time": "VARCHAR",
        "first_token_time": "VARCHAR",
        "status": "VARCHAR",
        "error": "VARCHAR",
        "extra": "JSON",
        "prompt_tokens": "BIGINT",
        "completion_tokens": "BIGINT",
        "total_tokens": "BIGINT",
        "prompt_token_details": "JSON",
        "completion_token_details": "JSON",
        "total_cost": "DOUBLE",
        "prompt_cost": "DOUBLE",
        "completion_cost": "DOUBLE",
        "tags": "VARCHAR[]",
    }
    return f"""
        WITH runs AS (
            -- ISO 8601 with microseconds and no zone: UTC.
            SELECT *, text_to_us(start_time) AS ts_us
            FROM {read_json(path, columns, 'newline_delimited')}
        )
        SELECT
            -- Keep: only `llm` runs; chains and tools carry their children's tokens again.
            coalesce(run_type = 'llm', run_type IS NULL) AS kept,
            ts_us,
            since_start_ms(text_to_us(end_time), ts_us) AS latency_ms,
            since_start_ms(text_to_us(first_token_time), ts_us) AS ttft_ms,
            has_text(error) OR coalesce(lower(status) = 'error', false) AS is_error,
            coalesce(extra ->> '$.metadata.ls_model_name',
                     extra ->> '$.invocation_params.model_name',
                     extra ->> '$.invocation_params.model') AS model,
            extra ->> '$.metadata.ls_provider' AS provider,
            prompt_tokens AS input_tokens, completion_tokens AS output_tokens, total_tokens,
            CAST(prompt_token_details ->> '$.cache_read' AS BIGINT) AS cached_input_tokens,
            CAST(completion_token_details ->> '$.reasoning' AS BIGINT) AS reasoning_tokens,
            -- USD; the prompt and completion parts are summed only when total_cost is null.
            coalesce(total_cost, usd_parts(prompt_cost, completion_cost)) AS cost_usd,
            tags
        FROM runs
    """


# --- LiteLLM --------------------------------------------------------------------------------


def litellm(con, path: Path) -> str:
    columns = {
        "startTime": "VARCHAR",
        "endTime": "VARCHAR",
        "completionStartTime": "VARCHAR",
        "request_duration_ms": "DOUBLE",
        "status": "VARCHAR",
        "metadata": "JSON",
        "model": "VARCHAR",
        "model_group": "VARCHAR",
        "custom_llm_provider": "VARCHAR",
        "prompt_tokens": "BIGINT",
        "completion_tokens": "BIGINT",
        "total_tokens": "BIGINT",
        "spend": "DOUBLE",
        "request_tags": "VARCHAR[]",
    }
    return f"""
        WITH logs AS (
            -- A JSON array; times are ISO 8601 with Z or +00:00.
            SELECT *, text_to_us("startTime") AS ts_us
            FROM {read_json(path, columns, 'array')}
        )
        SELECT true AS kept, ts_us,
               coalesce(request_duration_ms,                                 -- ms
                        since_start_ms(text_to_us("endTime"), ts_us)) AS latency_ms,
               since_start_ms(text_to_us("completionStartTime"), ts_us) AS ttft_ms,
               coalesce(lower(status) = 'failure', false)
                 OR has_text(metadata ->> '$.error_information.error_message') AS is_error,
               coalesce(model, model_group) AS model,
               custom_llm_provider AS provider,
               prompt_tokens AS input_tokens, completion_tokens AS output_tokens, total_tokens,
               NULL::BIGINT AS cached_input_tokens,
               NULL::BIGINT AS reasoning_tokens,
               spend AS cost_usd,                                            -- USD
               request_tags AS tags
        FROM logs
    """


# --- Portkey --------------------------------------------------------------------------------


def portkey(con, path: Path) -> str:
    columns = {
        "id": "VARCHAR",
        "trace_id": "VARCHAR",
        "created_at": "VARCHAR",
        "ai_org": "VARCHAR",
        "ai_model": "VARCHAR",
        "req_units": "BIGINT",
        "res_units": "BIGINT",
        "total_units": "BIGINT",
        "cost": "DOUBLE",
        "cost_currency": "VARCHAR",
        "response_time": "DOUBLE",
        "response_status_code": "BIGINT",
        "is_success": "VARCHAR",
        "cache_status": "VARCHAR",
        "cache_type": "VARCHAR",
        "stream_mode": "VARCHAR",
        "metadata": "VARCHAR",
        "request_url": "VARCHAR",
    }
    return f"""
        SELECT true AS kept,
               text_to_us(created_at) AS ts_us,
               response_time AS latency_ms,                                  -- ms
               NULL::DOUBLE AS ttft_ms,
               -- is_success is a success flag: false means the request failed.
               failed_status(response_status_code)
                 OR coalesce(lower(is_success) = 'false', false) AS is_error,
               ai_model AS model,
               ai_org AS provider,            -- fields.rs' second rule, ai_provider, is not a column here
               req_units AS input_tokens, res_units AS output_tokens, total_units AS total_tokens,
               NULL::BIGINT AS cached_input_tokens,
               NULL::BIGINT AS reasoning_tokens,
               cost / 100 AS cost_usd                                        -- US cents -> USD
        FROM {read_csv(path, columns)}
    """


# --- OpenAI Batch output --------------------------------------------------------------------


def openai_batch(con, path: Path) -> str:
    columns = {"id": "VARCHAR", "custom_id": "VARCHAR", "response": "JSON", "error": "JSON"}
    return f"""
        WITH b AS (
            SELECT *, CAST(response ->> '$.status_code' AS BIGINT) AS status,
                   response -> '$.body.usage' AS usage
            FROM {read_json(path, columns, 'newline_delimited')}
        )
        SELECT true AS kept,
               json_to_us(response -> '$.body.created') AS ts_us,            -- epoch seconds
               NULL::DOUBLE AS latency_ms,                                   -- the format has none
               NULL::DOUBLE AS ttft_ms,
               failed_status(status)
                 OR has_text(coalesce(error ->> '$.message', response ->> '$.body.error.message')) AS is_error,
               response ->> '$.body.model' AS model,
               NULL::VARCHAR AS provider,                                    -- the format has none
               CAST(usage ->> '$.prompt_tokens' AS BIGINT) AS input_tokens,
               CAST(usage ->> '$.completion_tokens' AS BIGINT) AS output_tokens,
               CAST(usage ->> '$.total_tokens' AS BIGINT) AS total_tokens,
               CAST(usage ->> '$.prompt_tokens_details.cached_tokens' AS BIGINT) AS cached_input_tokens,
               CAST(usage ->> '$.completion_tokens_details.reasoning_tokens' AS BIGINT) AS reasoning_tokens,
               NULL::DOUBLE AS cost_usd                                      -- no cost in the log
        FROM b
    """


# --- OpenTelemetry (OTLP/JSON) --------------------------------------------------------------

# Keep: a span is an LLM call only when it has one of these attributes.
OTLP_REQUIRED = (
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.model_name",
    "llm.token_count.prompt",
)


def otlp(con, path: Path, fmt: str) -> str:
    """TracesData documents -> one row per span, its resource's and its own attributes flattened."""
    a = lambda k: f"attr[{sql_str(k)}]"  # noqa: E731 (an attribute's value as text, null when absent)
    cnt = lambda k: f"CAST({a(k)} AS BIGINT)"  # noqa: E731 (intValue is a string in proto3 JSON)
    first = lambda *ks: "coalesce(" + ", ".join(ks) + ")"  # noqa: E731
    keep = " OR ".join(f"{a(k)} IS NOT NULL" for k in OTLP_REQUIRED)
    return f"""
        WITH docs AS (SELECT "resourceSpans" FROM {read_json(path, {'resourceSpans': 'JSON'}, fmt)}),
        resources AS (SELECT unnest(CAST("resourceSpans" AS JSON[])) AS res FROM docs),
        scopes AS (SELECT res, unnest(CAST(res -> 'scopeSpans' AS JSON[])) AS scope FROM resources),
        spans AS (SELECT res, unnest(CAST(scope -> 'spans' AS JSON[])) AS span FROM scopes),
        flat AS (
            SELECT span,
                   -- AnyValue -> text: whichever of string/int/double/bool value is set.
                   map_from_entries(list_transform(
                       list_concat(CAST(res -> '$.resource.attributes' AS JSON[]),
                                   CAST(span -> 'attributes' AS JSON[])),
                       lambda kv: {{'k': kv ->> 'key',
                                   'v': coalesce(kv ->> '$.value.stringValue', kv ->> '$.value.intValue',
                                                 kv ->> '$.value.doubleValue', kv ->> '$.value.boolValue')}})) AS attr,
                   -- Nanoseconds since the epoch (a string, or a number on some spans): exact
                   -- integers, rounded to the microsecond.
                   (CAST(span ->> 'startTimeUnixNano' AS HUGEINT) + 500) // 1000 AS start_us,
                   (CAST(span ->> 'endTimeUnixNano' AS HUGEINT) + 500) // 1000 AS end_us
            FROM spans
        )
        SELECT ({keep}) AS kept,
               CAST(start_us AS BIGINT) AS ts_us,
               since_start_ms(CAST(end_us AS BIGINT), CAST(start_us AS BIGINT)) AS latency_ms,
               NULL::DOUBLE AS ttft_ms,
               -- status.code 2 = STATUS_CODE_ERROR (an enum is a number in OTLP/JSON); error.type
               -- alone is only the error's class.
               coalesce(lower(span ->> '$.status.code') IN ('2', 'status_code_error'), false)
                 OR has_text(span ->> '$.status.message') AS is_error,
               {first(a('gen_ai.response.model'), a('gen_ai.request.model'), a('llm.model_name'))} AS model,
               {first(a('gen_ai.provider.name'), a('gen_ai.system'), a('llm.provider'))} AS provider,
               {first(cnt('gen_ai.usage.input_tokens'), cnt('gen_ai.usage.prompt_tokens'),
                      cnt('llm.token_count.prompt'))} AS input_tokens,
               {first(cnt('gen_ai.usage.output_tokens'), cnt('gen_ai.usage.completion_tokens'),
                      cnt('llm.token_count.completion'))} AS output_tokens,
               {cnt('llm.token_count.total')} AS total_tokens,
               {first(cnt('gen_ai.usage.cache_read.input_tokens'), cnt('gen_ai.usage.cache_read_input_tokens'),
                      cnt('llm.token_count.prompt_details.cache_read'))} AS cached_input_tokens,
               {first(cnt('gen_ai.usage.reasoning.output_tokens'), cnt('gen_ai.usage.reasoning_tokens'),
                      cnt('llm.token_count.completion_details.reasoning'))} AS reasoning_tokens,
               NULL::DOUBLE AS cost_usd
        FROM flat
    """


# --- a CSV of its own, read with --map -------------------------------------------------------

# The mapping custom_columns.csv needs (the same as tests/e2e/formats.test.mjs' CUSTOM_MAP).
CUSTOM_MAP = {
    "ts": "when",
    "latency_s": "how_long_s",
    "model": "engine",
    "user_id": "who",
    "input_tokens": "in_tok",
    "output_tokens": "out_tok",
    "cost_usd": "usd",
}


def custom_columns(con, path: Path) -> str:
    columns = {
        "when": "VARCHAR",
        "how_long_s": "DOUBLE",
        "engine": "VARCHAR",
        "who": "VARCHAR",
        "in_tok": "BIGINT",
        "out_tok": "BIGINT",
        "usd": "DOUBLE",
        "note": "VARCHAR",
    }
    return f"""
        SELECT true AS kept,
               text_to_us("when") AS ts_us,                                  -- no zone: UTC
               how_long_s * 1000 AS latency_ms,                              -- latency_s: seconds -> ms
               NULL::DOUBLE AS ttft_ms,
               false AS is_error,                                            -- no status or error mapped
               engine AS model,
               NULL::VARCHAR AS provider,
               in_tok AS input_tokens, out_tok AS output_tokens, NULL::BIGINT AS total_tokens,
               NULL::BIGINT AS cached_input_tokens,
               NULL::BIGINT AS reasoning_tokens,
               usd AS cost_usd                                               -- USD
        FROM {read_csv(path, columns)}
    """


def map_args(mapping: dict[str, str]) -> tuple[str, ...]:
    return tuple(a for k, v in mapping.items() for a in ("--map", f"{k}={v}"))


# --- the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    fixture: str
    profile: str  # Profile.name in fields.rs
    format: str  # the container, "+gzip" when compressed
    records: int  # records in the file, counted by hand (LLM calls and ignored ones)
    sql: Callable[[duckdb.DuckDBPyConnection, Path], str]
    args: tuple[str, ...] = ()  # more `tokenlens summary` arguments (--map ...)


CASES = [
    Case("langfuse_observations.json", "langfuse", "json", 14, langfuse_observations),
    Case("langfuse_traces.csv", "langfuse", "csv", 10, langfuse_csv),
    Case("helicone.jsonl", "helicone", "jsonl", 12, helicone),
    Case("langsmith_runs.jsonl", "langsmith", "jsonl", 14, langsmith),
    Case("litellm_spend.json", "litellm", "json", 12, litellm),
    Case("portkey.csv", "portkey", "csv", 12, portkey),
    Case("openai_batch.jsonl", "openai_batch", "jsonl", 12, openai_batch),
    Case("otlp_traces.json", "otlp", "json", 12, lambda con, p: otlp(con, p, "auto")),
    Case("otlp_lines.jsonl", "otlp", "jsonl", 10, lambda con, p: otlp(con, p, "newline_delimited")),
    Case("article.csv", "article", "csv", 12, article_csv),
    Case("article.tsv", "article", "tsv", 12, article_tsv),
    Case("article_array.json", "article", "json", 12, lambda con, p: article_json(con, p, "array")),
    Case("article.jsonl.gz", "article", "jsonl+gzip", 12, lambda con, p: article_json(con, p, "newline_delimited")),
    Case("article.parquet", "article", "parquet", 12, article_parquet),
    Case("article_snappy.parquet", "article", "parquet", 12, article_parquet),
    Case("article.arrow", "article", "arrow", 12, lambda con, p: article_arrow(con, p, stream=False)),
    Case("article.arrows", "article", "arrows", 12, lambda con, p: article_arrow(con, p, stream=True)),
    Case("custom_columns.csv", "article", "csv", 20, custom_columns, map_args(CUSTOM_MAP)),
]


# --- the oracle -----------------------------------------------------------------------------

AGGREGATES = """
    count(*) AS requests,
    count(*) FILTER (WHERE is_error) AS errors,
    quantile_cont(latency_ms, 0.50) AS lat_p50, quantile_cont(latency_ms, 0.75) AS lat_p75,
    quantile_cont(latency_ms, 0.90) AS lat_p90, quantile_cont(latency_ms, 0.95) AS lat_p95,
    quantile_cont(latency_ms, 0.99) AS lat_p99, quantile_cont(latency_ms, 0.999) AS lat_p999,
    max(latency_ms) AS lat_max, avg(latency_ms) AS lat_mean,
    quantile_cont(ttft_ms, 0.50) AS ttft_p50, quantile_cont(ttft_ms, 0.75) AS ttft_p75,
    quantile_cont(ttft_ms, 0.90) AS ttft_p90, quantile_cont(ttft_ms, 0.95) AS ttft_p95,
    quantile_cont(ttft_ms, 0.99) AS ttft_p99, quantile_cont(ttft_ms, 0.999) AS ttft_p999,
    max(ttft_ms) AS ttft_max, avg(ttft_ms) AS ttft_mean,
    coalesce(sum(input_counted), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
    coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
    min(ts_us) AS first_us,
    max(ts_us) AS last_us,
""" + COST_AGGREGATES


def shape(row: dict) -> dict:
    out = {k: row[k] for k in row if not k.startswith(("lat_", "ttft_"))}
    for k in ("requests", "errors", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", *COST_COUNTS):
        out[k] = int(row[k])
    out["error_rate"] = row["errors"] / row["requests"] if row["requests"] else None
    out["latency_ms"] = {k: row[f"lat_{k}"] for k in LATENCY_KEYS}
    out["ttft_ms"] = {k: row[f"ttft_{k}"] for k in LATENCY_KEYS}
    return out


def oracle(case: Case) -> dict:
    """The summary of the case's fixture as DuckDB computes it."""
    con = connect()
    load_prices(con)
    con.execute(f"CREATE VIEW records AS {case.sql(con, FORMATS / case.fixture)}")
    con.execute(
        """
        CREATE VIEW calls AS
        SELECT * EXCLUDE (cost_usd),
               cost_usd AS reported_cost_usd,
               -- Only a total and neither part: the total counts as input tokens.
               CASE WHEN input_tokens IS NULL AND output_tokens IS NULL
                    THEN total_tokens ELSE input_tokens END AS input_counted,
               coalesce(model, '(none)') AS model_key
        FROM records WHERE kept
        """
    )
    add_costs(con, "calls", "r")

    def rows(sql: str) -> list[dict]:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    total = shape(rows(f"SELECT {AGGREGATES} FROM r")[0])
    by_model = [shape(g) for g in rows(f"SELECT model_key AS model, {AGGREGATES} FROM r GROUP BY ALL")]
    by_model.sort(key=lambda g: (-g["requests"], g["model"]))
    ignored = con.execute("SELECT count(*) FILTER (WHERE NOT kept) FROM records").fetchone()[0]
    total["unpriced_models"] = unpriced_models(by_model)
    by_tag = None
    if "tags" in [d[0] for d in con.execute("SELECT * FROM r LIMIT 0").description]:
        # A request counts in each of its tags (trimmed, empty ones dropped, each once);
        # costliest first, then requests, then name.
        by_tag = [
            shape(g)
            for g in rows(
                f"""
                WITH t AS (SELECT *, list_distinct(list_filter(list_transform(coalesce(tags, []),
                                 lambda x: trim(x)), lambda x: x <> '')) AS tl FROM r)
                SELECT tag, {AGGREGATES}
                FROM (SELECT *, unnest(CASE WHEN len(tl) = 0 THEN ['(none)'] ELSE tl END) AS tag FROM t)
                GROUP BY ALL
                """
            )
        ]
        by_tag.sort(key=lambda g: (-(g["cost_usd"] if g["cost_usd"] is not None else float("-inf")), -g["requests"], g["tag"]))
    return {"summary": total, "by_model": by_model, "by_tag": by_tag, "ignored": int(ignored)}


# --- comparing ------------------------------------------------------------------------------


def stats_of(obj: dict, field: str, key: str):
    stats = obj.get(field, "<missing>")
    # `null` or every figure null are both fine when no record has the value.
    return stats if stats in (None, "<missing>") else stats.get(key, "<missing>")


def compare_figures(diff: Diff, where: str, got: dict, want: dict, *, ttft: bool) -> None:
    diff.count(f"{where}.requests", got.get("requests"), want["requests"])
    diff.count(f"{where}.errors", got.get("errors"), want["errors"])
    diff.float(f"{where}.error_rate", got.get("error_rate"), want["error_rate"])
    for field in ("latency_ms", "ttft_ms") if ttft else ("latency_ms",):
        for key in LATENCY_KEYS:
            diff.float(f"{where}.{field}.{key}", stats_of(got, field, key), want[field][key])
    for key in ("input_tokens", "output_tokens"):
        diff.count(f"{where}.{key}", got.get(key), want[key])
    compare_cost(diff, where, got, want)


def compare(got: dict, want: dict, case: Case) -> Diff:
    diff = Diff()
    total = want["summary"]
    compare_figures(diff, "summary", got, total, ttft=True)
    for key in ("cached_input_tokens", "reasoning_tokens"):
        diff.count(key, got.get(key), total[key])
    diff.ts("first_ts", got.get("first_ts"), total["first_us"])
    diff.ts("last_ts", got.get("last_ts"), total["last_us"])
    diff.count("ignored_records", got.get("ignored_records"), want["ignored"])
    diff.count("skipped_lines", got.get("skipped_lines"), 0)
    compare_unpriced_models(diff, got.get("unpriced_models"), total["unpriced_models"])
    for key, expected in (("format", case.format), ("profile", case.profile)):
        if got.get(key) != expected:
            diff.problems.append(f"{key}: expected {expected!r}, got {got.get(key)!r}")
    diff.count("import.records", (got.get("import") or {}).get("records"), total["requests"])

    # by_model: the same groups in the same order (requests desc, then name), same figures.
    got_groups = got.get("by_model")
    if not isinstance(got_groups, list):
        diff.problems.append(f"by_model: expected a list, got {got_groups!r}")
    else:
        got_names = [g.get("model") for g in got_groups]
        want_names = [g["model"] for g in want["by_model"]]
        if sorted(map(str, got_names)) != sorted(want_names):
            diff.problems.append(f"by_model: expected groups {sorted(want_names)}, got {sorted(map(str, got_names))}")
        elif got_names != want_names:
            diff.problems.append(f"by_model: expected order (requests desc, then model) {want_names}, got {got_names}")
        by_name = {g.get("model"): g for g in got_groups}
        for w in want["by_model"]:
            if w["model"] in by_name:
                compare_figures(diff, f"by_model[{w['model']}]", by_name[w["model"]], w, ttft=False)
    if want["by_tag"] is not None:
        compare_costliest(diff, "by_tag", "tag", got.get("by_tag"), want["by_tag"])
    return diff


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_format_matches_duckdb(cli: Path, case: Case):
    path = FORMATS / case.fixture
    assert path.is_file(), f"missing fixture {path}"
    want = oracle(case)
    read = want["summary"]["requests"] + want["ignored"]
    assert read == case.records, f"DuckDB read {read} records, not {case.records}: the fixture or its SQL is wrong"
    got = summary(cli, path, *case.args)
    compare(got, want, case).check()


def test_every_fixture_has_a_case():
    data = {p.name for p in FORMATS.iterdir() if p.suffix != ".py"}
    assert data == {c.fixture for c in CASES}, f"fixtures without a case: {sorted(data - {c.fixture for c in CASES})}"


def test_unknown_format_fails_clearly(cli: Path):
    path = INVALID / "not_a_log.bin"  # a small PNG image
    proc = run(cli, "summary", path, "--json")
    output = proc.stderr + proc.stdout
    assert proc.returncode != 0, f"expected a non-zero exit for {path.name}; stdout: {proc.stdout[:500]}"
    assert "not a known format" in output, f"the message should say the file is not a known format: {output!r}"
    assert path.name in output, f"the message should name the file: {output!r}"
    assert "panicked" not in output, f"an unknown format must not panic: {output!r}"
