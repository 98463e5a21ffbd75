//! The `tokenlens` command: its JSON contract, exit codes and messages.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn tokenlens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tokenlens"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn summary_json_contract() {
    let out = tokenlens(&["summary", &fixture("article_tiny.jsonl"), "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "requests",
        "errors",
        "error_rate",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "skipped_lines",
        "first_ts",
        "last_ts",
        "by_model",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    for key in ["p50", "p90", "p95", "p99", "max", "mean"] {
        assert!(v["latency_ms"][key].is_number(), "{key}");
    }
    let m = &v["by_model"][0];
    for key in ["model", "requests", "error_rate", "latency_ms", "cost_usd"] {
        assert!(m.get(key).is_some(), "by_model.{key} missing");
    }
    assert_eq!(v["requests"], 5);
}

#[test]
fn skipped_lines_still_exit_zero() {
    let out = tokenlens(&["summary", &fixture("invalid/bad_lines.jsonl")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("skipped 8 malformed lines"), "{text}");
    assert!(text.contains("bad_lines.jsonl:4 (byte 165)"), "{text}");
}

#[test]
fn unreadable_file_fails_with_its_name() {
    let out = tokenlens(&["summary", "/nonexistent/logs.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot read /nonexistent/logs.jsonl"), "{err}");
}

#[test]
fn no_latency_is_null_never_zero() {
    let dir = std::env::temp_dir().join(format!("tokenlens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("batch.jsonl");
    std::fs::write(
        &path,
        "{\"timestamp\": 1794182400, \"model_name\": \"m\", \"status_code\": 200}\n",
    )
    .unwrap();
    let out = tokenlens(&["summary", path.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["latency_ms"]["p50"].is_null() && v["latency_ms"]["mean"].is_null());
    assert!(v["cost_usd"].is_null());
    assert!(!v["import"]["has_latency"].as_bool().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generate_is_deterministic() {
    let dir = std::env::temp_dir().join(format!("tokenlens-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.jsonl");
    let b = dir.join("b.jsonl");
    for p in [&a, &b] {
        let out = tokenlens(&[
            "generate",
            "--records",
            "500",
            "--seed",
            "9",
            "--out",
            p.to_str().unwrap(),
        ]);
        assert!(out.status.success());
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let out = tokenlens(&["summary", a.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 500);
    assert_eq!(v["skipped_lines"], 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `generate --csv` writes the same records as JSON Lines: every figure of the summary
/// is the same; only the format and the file differ.
#[test]
fn generate_csv_has_the_json_lines_figures() {
    let dir = std::env::temp_dir().join(format!("tokenlens-gen-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let summary = |name: &str, csv: bool| {
        let path = dir.join(name);
        let mut args = vec!["generate", "--records", "800", "--seed", "5", "--out"];
        args.push(path.to_str().unwrap());
        if csv {
            args.push("--csv");
        }
        assert!(tokenlens(&args).status.success());
        let out = tokenlens(&["summary", path.to_str().unwrap(), "--json"]);
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let o = v.as_object_mut().unwrap();
        let format = o.remove("format").unwrap();
        assert_eq!(o.remove("import").unwrap()["records"], 800);
        (format, v)
    };
    let (csv_format, csv) = summary("g.csv", true);
    let (jsonl_format, jsonl) = summary("g.jsonl", false);
    assert_eq!(
        (csv_format.as_str(), jsonl_format.as_str()),
        (Some("csv"), Some("jsonl"))
    );
    assert_eq!(csv["requests"], 800);
    assert_eq!(csv, jsonl);
    // Labels have no CSV form.
    let out = tokenlens(&[
        "generate",
        "--records",
        "5",
        "--csv",
        "--labels",
        "--out",
        "-",
    ]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Any split of a file between threads gives exactly the single-threaded report:
/// the same records in the same order, the same line numbers and offsets for bad lines.
#[test]
fn threads_do_not_change_the_report() {
    let dir = std::env::temp_dir().join(format!("tokenlens-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mixed.jsonl");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    for name in [
        "article_small.jsonl",
        "invalid/bad_lines.jsonl",
        "invalid/bad_bytes.jsonl",
        "article_tiny.jsonl",
    ] {
        bytes.extend(std::fs::read(fixture(name)).unwrap());
        bytes.extend(b"\r\n");
    }
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();
    let json = |threads: &str| {
        let out = tokenlens(&["summary", p, "--json", "--threads", threads]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let one = json("1");
    for threads in ["2", "3", "7", "64"] {
        assert_eq!(json(threads), one, "{threads} threads");
    }
    // Two files, each split: lines count per file.
    let out = tokenlens(&[
        "summary",
        p,
        &fixture("invalid/bad_lines.jsonl"),
        "--json",
        "--threads",
        "3",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = v["import"]["errors"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["line"], 11);
    assert!(last["file"].as_str().unwrap().ends_with("bad_lines.jsonl"));

    // CSV and TSV are split too; a cut inside a quoted field (its newlines are line
    // starts) is read again by the thread before it.
    let csv = dir.join("quoted.csv");
    let mut text = String::from("timestamp,model_name,latency_ms,status_code,input_prompt\r\n");
    for i in 0..200 {
        let prompt = if i % 2 == 0 {
            format!("\"a\nprompt\n{i}\"")
        } else {
            format!("p{i}")
        };
        text += &format!(
            "2026-11-10T00:{:02}:{:02}Z,m{},{},200,{prompt}\r\n",
            i / 60,
            i % 60,
            i % 3,
            i * 10
        );
        if i == 150 {
            text += "2026-11-10T00:00:00Z,bad row\r\n";
        }
    }
    std::fs::write(&csv, text).unwrap();
    let c = csv.to_str().unwrap();
    let json = |path: &str, threads: &str| {
        let out = tokenlens(&["summary", path, "--json", "--threads", threads]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let one = json(c, "1");
    // The header, then rows 0..=150: 76 of 3 lines, 75 of 1: the bad row is on line 305.
    assert!(one.contains("\"line\": 305,"), "{one}");
    for threads in ["2", "3", "7", "64"] {
        assert_eq!(json(c, threads), one, "{threads} threads");
    }
    let tsv = fixture("formats/article.tsv");
    assert_eq!(json(&tsv, "5"), json(&tsv, "1"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn readme_field_table_is_the_code_s() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let begin = readme.find("<!-- fields:begin -->\n").unwrap() + "<!-- fields:begin -->\n".len();
    let end = readme.find("<!-- fields:end -->").unwrap();
    assert_eq!(
        &readme[begin..end],
        tokenlens::ingest::fields::markdown_table(),
        "README.md's field table is stale: paste `tokenlens fields` between its markers"
    );
}
