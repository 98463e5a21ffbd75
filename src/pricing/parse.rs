//! The price CSV: a tiny reader for a simple, hand-written file (no quoting, no embedded
//! commas), strict about every field so that a typo is an error with its line, not a price.

use std::collections::HashMap;

use super::rules::fold;
use super::{Entry, Price, PriceError, Rates, Tier};

/// The header row.
pub const HEADER: &str = "provider,model,input_usd_per_mtok,cached_input_usd_per_mtok,\
output_usd_per_mtok,min_context_tokens,as_of,aliases";

const FIELDS: usize = 8;

fn bad(line: usize, reason: String) -> PriceError {
    PriceError::Row { line, reason }
}

/// A required or optional price field: a finite number ≥ 0.
fn price(field: &str, column: &str, line: usize) -> Result<Option<f64>, PriceError> {
    if field.is_empty() {
        return Ok(None);
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(bad(
            line,
            format!("{column} is not a price (a number >= 0): `{field}`"),
        )),
    }
}

fn required(field: &str, column: &str, line: usize) -> Result<f64, PriceError> {
    price(field, column, line)?.ok_or_else(|| bad(line, format!("{column} is empty")))
}

/// Whether `s` is a `YYYY-MM-DD` date with a plausible month and day.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    // All ten bytes are ASCII here, so the slices fall on char boundaries.
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The entries of a price CSV, or the first bad row.
pub fn parse(text: &str) -> Result<Vec<Entry>, PriceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries: Vec<Entry> = Vec::new();
    // Folded name or alias -> the line that named it.
    let mut named: HashMap<String, usize> = HashMap::new();
    // Folded model name -> its entry, for tier rows.
    let mut models: HashMap<String, usize> = HashMap::new();
    let mut header = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        if !header {
            let got: Vec<&str> = row.split(',').map(str::trim).collect();
            if got.join(",") != HEADER {
                return Err(PriceError::Header { line });
            }
            header = true;
            continue;
        }
        if row.contains('"') {
            return Err(bad(line, "quoted fields are not supported".into()));
        }
        let f: Vec<&str> = row.split(',').map(str::trim).collect();
        if f.len() != FIELDS {
            return Err(bad(
                line,
                format!("expected {FIELDS} fields, found {}", f.len()),
            ));
        }
        let (provider, model) = (f[0], f[1]);
        if provider.is_empty() {
            return Err(bad(line, "provider is empty".into()));
        }
        if model.is_empty() {
            return Err(bad(line, "model is empty".into()));
        }
        let rates = Rates {
            input_usd_per_mtok: required(f[2], "input_usd_per_mtok", line)?,
            cached_input_usd_per_mtok: price(f[3], "cached_input_usd_per_mtok", line)?,
            output_usd_per_mtok: required(f[4], "output_usd_per_mtok", line)?,
        };
        let min_context = match f[5] {
            "" => None,
            s => match s.parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    return Err(bad(
                        line,
                        format!("min_context_tokens is not a whole number > 0: `{s}`"),
                    ))
                }
            },
        };
        if !is_date(f[6]) {
            return Err(bad(
                line,
                format!("as_of is not a YYYY-MM-DD date: `{}`", f[6]),
            ));
        }
        let aliases: Vec<String> = f[7]
            .split('|')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();

        if let Some(above) = min_context {
            // A tier row: more prices for a model named on an earlier row.
            if !aliases.is_empty() {
                return Err(bad(
                    line,
                    "a context-tier row takes no aliases (its base row has them)".into(),
                ));
            }
            let Some(&at) = models.get(&fold(model)) else {
                return Err(bad(
                    line,
                    format!("context-tier row before the base row of `{model}`"),
                ));
            };
            let e = &mut entries[at];
            if e.provider != provider {
                return Err(bad(
                    line,
                    format!(
                        "context-tier row's provider `{provider}` differs from the base row's `{}`",
                        e.provider
                    ),
                ));
            }
            if e.price
                .tiers
                .iter()
                .any(|t| t.above_context_tokens == above)
            {
                return Err(bad(
                    line,
                    format!("second context tier above {above} tokens for `{model}`"),
                ));
            }
            e.price.tiers.push(Tier {
                above_context_tokens: above,
                rates,
            });
            e.price.tiers.sort_by_key(|t| t.above_context_tokens);
            continue;
        }

        for key in std::iter::once(model).chain(aliases.iter().map(String::as_str)) {
            if let Some(first) = named.insert(fold(key), line) {
                return Err(bad(
                    line,
                    format!("`{key}` already names a model on line {first}"),
                ));
            }
        }
        models.insert(fold(model), entries.len());
        entries.push(Entry {
            provider: provider.to_string(),
            model: model.to_string(),
            aliases,
            as_of: Some(f[6].to_string()),
            price: Price::flat(rates),
        });
    }
    if header {
        Ok(entries)
    } else {
        Err(PriceError::Empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_error(text: &str) -> Option<(usize, String)> {
        match parse(text) {
            Err(PriceError::Row { line, reason }) => Some((line, reason)),
            _ => None,
        }
    }

    #[test]
    fn reads_rows_tiers_and_comments() {
        let text = format!(
            "\u{feff}# comment\n\n{HEADER}\r\n\
             p,m,1.5,0.5,6,,2025-01-02,m-alias|  other \n\
             # between\n\
             p,m,3,,12,1000,2025-01-02,\n\
             q,n,0,,0,,2024-12-31,\n"
        );
        let e = parse(&text);
        assert!(e.is_ok(), "{e:?}");
        let e = e.unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].aliases, ["m-alias", "other"]);
        assert_eq!(e[0].as_of.as_deref(), Some("2025-01-02"));
        assert_eq!(e[0].price.base.cached_input_usd_per_mtok, Some(0.5));
        assert_eq!(e[0].price.tiers.len(), 1);
        assert_eq!(e[0].price.tiers[0].above_context_tokens, 1000);
        assert_eq!(e[0].price.tiers[0].rates.cached_input_usd_per_mtok, None);
        assert_eq!(e[1].price.base.output_usd_per_mtok, 0.0);
    }

    #[test]
    fn header_is_required() {
        assert_eq!(parse(""), Err(PriceError::Empty));
        assert_eq!(parse("# only a comment\n"), Err(PriceError::Empty));
        assert_eq!(
            parse("#\nprovider,model\n"),
            Err(PriceError::Header { line: 2 })
        );
    }

    #[test]
    fn bad_rows_say_where_and_why() {
        let h = format!("{HEADER}\n");
        let cases = [
            ("p,m,1,,2,,2025-01-01\n", "expected 8 fields, found 7"),
            (",m,1,,2,,2025-01-01,\n", "provider is empty"),
            ("p,,1,,2,,2025-01-01,\n", "model is empty"),
            ("p,m,,,2,,2025-01-01,\n", "input_usd_per_mtok is empty"),
            (
                "p,m,1,,-2,,2025-01-01,\n",
                "output_usd_per_mtok is not a price",
            ),
            (
                "p,m,1,x,2,,2025-01-01,\n",
                "cached_input_usd_per_mtok is not a price",
            ),
            (
                "p,m,NaN,,2,,2025-01-01,\n",
                "input_usd_per_mtok is not a price",
            ),
            (
                "p,m,inf,,2,,2025-01-01,\n",
                "input_usd_per_mtok is not a price",
            ),
            ("p,m,1,,2,0,2025-01-01,\n", "min_context_tokens is not"),
            ("p,m,1,,2,,2025-13-01,\n", "as_of is not a YYYY-MM-DD date"),
            ("p,m,1,,2,,25-01-01,\n", "as_of is not a YYYY-MM-DD date"),
            ("p,\"m\",1,,2,,2025-01-01,\n", "quoted fields"),
            ("p,m,1,,2,100,2025-01-01,\n", "before the base row"),
        ];
        for (row, why) in cases {
            let got = row_error(&format!("{h}{row}"));
            assert!(
                matches!(&got, Some((2, r)) if r.contains(why)),
                "{row:?}: {got:?}"
            );
        }
        let dup = format!("{h}p,a,1,,1,,2025-01-01,x\np,b,1,,1,,2025-01-01,X\n");
        assert_eq!(
            row_error(&dup),
            Some((3, "`X` already names a model on line 2".into()))
        );
        let tier = format!("{h}p,a,1,,1,,2025-01-01,\np,a,2,,2,10,2025-01-01,x\n");
        assert!(matches!(row_error(&tier), Some((3, r)) if r.contains("no aliases")));
        let tier = format!("{h}p,a,1,,1,,2025-01-01,\nq,a,2,,2,10,2025-01-01,\n");
        assert!(matches!(row_error(&tier), Some((3, r)) if r.contains("provider")));
        let tier =
            format!("{h}p,a,1,,1,,2025-01-01,\np,a,2,,2,10,2025-01-01,\np,a,3,,3,10,2025-01-01,\n");
        assert!(matches!(row_error(&tier), Some((4, r)) if r.contains("second context tier")));
    }
}
