//! Which format a file is in, from its first bytes (the name is only a hint, for CSV
//! against TSV).

/// A format the ingest layer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// One JSON document: an array of records, or an object wrapping one.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file (`ARROW1` magic).
    ArrowFile,
    /// Arrow IPC stream.
    ArrowStream,
    /// gzip around any of these.
    Gzip,
}

impl Format {
    /// The name used in reports and `--input-format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::ArrowFile => "arrow",
            Format::ArrowStream => "arrows",
            Format::Gzip => "gzip",
        }
    }

    /// The format named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Format::Jsonl,
            Format::Json,
            Format::Csv,
            Format::Tsv,
            Format::Parquet,
            Format::ArrowFile,
            Format::ArrowStream,
            Format::Gzip,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// This format.
    Known(Format),
    /// Not enough bytes yet to tell.
    NeedMore,
    /// No format we read.
    Unknown,
}

/// The longest first line looked at to tell JSON Lines from one JSON document; a line
/// longer than this is taken as JSON Lines (a document would rarely be one huge line
/// without a newline, and JSONL is the common export).
pub const MAX_SNIFF: usize = 1 << 20;

/// What the formats tried are called in the "unknown format" message.
pub const TRIED: &str =
    "JSON Lines, JSON, CSV, TSV, Parquet, Arrow IPC (file and stream), and gzip of any of them";

/// Tells the format from the file's first bytes. `at_end`: `head` is the whole file.
pub fn sniff(head: &[u8], at_end: bool, name: &str) -> Sniffed {
    if head.len() < 8 && !at_end {
        return Sniffed::NeedMore;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Sniffed::Known(Format::Gzip);
    }
    if head.starts_with(b"PAR1") {
        return Sniffed::Known(Format::Parquet);
    }
    if head.starts_with(b"ARROW1") {
        return Sniffed::Known(Format::ArrowFile);
    }
    if head.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
        return Sniffed::Known(Format::ArrowStream);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(first) = text.iter().position(|c| !c.is_ascii_whitespace()) else {
        // Empty or blank: JSON Lines with no records reads it without complaint.
        return if at_end {
            Sniffed::Known(Format::Jsonl)
        } else {
            Sniffed::NeedMore
        };
    };
    match text[first] {
        b'[' => Sniffed::Known(Format::Json),
        b'{' => match first_value_ends_on_its_line(&text[first..]) {
            Some(true) => Sniffed::Known(Format::Jsonl),
            // A first line cut short is still JSON Lines when the next line is a record;
            // a pretty-printed document goes on with a key.
            Some(false) => match text[first..]
                .split(|&c| c == b'\n')
                .skip(1)
                .find(|l| !l.trim_ascii().is_empty())
            {
                Some(next) if next.starts_with(b"{") => Sniffed::Known(Format::Jsonl),
                Some(_) => Sniffed::Known(Format::Json),
                None if at_end || text.len() >= MAX_SNIFF => Sniffed::Known(Format::Json),
                None => Sniffed::NeedMore,
            },
            None if at_end || text.len() >= MAX_SNIFF => Sniffed::Known(Format::Jsonl),
            None => Sniffed::NeedMore,
        },
        _ => {
            let line_end = memchr::memchr(b'\n', text);
            if line_end.is_none() && !at_end && text.len() < MAX_SNIFF {
                return Sniffed::NeedMore;
            }
            let header = &text[..line_end.unwrap_or(text.len())];
            let header = header.strip_suffix(b"\r").unwrap_or(header);
            let tabs = header.iter().filter(|&&c| c == b'\t').count();
            let commas = header.iter().filter(|&&c| c == b',').count();
            let lower = name.to_ascii_lowercase();
            let tsv_name = lower.ends_with(".tsv") || lower.ends_with(".tsv.gz");
            let csv_name = lower.ends_with(".csv") || lower.ends_with(".csv.gz");
            // A header is text with a delimiter (one column only when the name says CSV).
            let is_header = std::str::from_utf8(header).is_ok()
                && !header.iter().any(|&c| c < 0x20 && c != b'\t')
                && (tabs + commas > 0 || csv_name || tsv_name);
            if is_header {
                return Sniffed::Known(if tsv_name || tabs > commas {
                    Format::Tsv
                } else {
                    Format::Csv
                });
            }
            // A JSON Lines file whose first line is damaged still has records after it.
            let json_line_follows = text
                .split(|&c| c == b'\n')
                .skip(1)
                .any(|l| l.trim_ascii_start().starts_with(b"{"));
            if json_line_follows {
                Sniffed::Known(Format::Jsonl)
            } else {
                Sniffed::Unknown
            }
        }
    }
}

/// Whether the JSON value starting at `b[0]` closes before the first newline: `Some(true)`
/// for JSON Lines, `Some(false)` for a document spread over lines, `None` when `b` ends
/// before either is known.
fn first_value_ends_on_its_line(b: &[u8]) -> Option<bool> {
    let mut depth = 0u32;
    let mut in_string = false;
    let mut escaped = false;
    for &c in b {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(true);
                }
            }
            b'\n' => return Some(false),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> Sniffed {
        sniff(b, true, "")
    }

    #[test]
    fn tells_formats_apart() {
        use Format::*;
        assert_eq!(s(b"{\"a\":1}\n{\"a\":2}\n"), Sniffed::Known(Jsonl));
        assert_eq!(s(b"\xEF\xBB\xBF {\"a\":1}"), Sniffed::Known(Jsonl));
        assert_eq!(s(b"{\n  \"data\": [\n"), Sniffed::Known(Json));
        assert_eq!(s(b"  [{\"a\":1}]"), Sniffed::Known(Json));
        assert_eq!(s(b"a,b,c\n1,2,3\n"), Sniffed::Known(Csv));
        assert_eq!(s(b"a\tb,x\tc\n"), Sniffed::Known(Tsv));
        assert_eq!(sniff(b"a\n1\n", true, "x.TSV"), Sniffed::Known(Tsv));
        assert_eq!(s(b"PAR1\x15\x04\x15\x00"), Sniffed::Known(Parquet));
        assert_eq!(s(b"ARROW1\0\0"), Sniffed::Known(ArrowFile));
        assert_eq!(
            s(b"\xff\xff\xff\xff\x10\0\0\0"),
            Sniffed::Known(ArrowStream)
        );
        assert_eq!(s(b"\x1f\x8b\x08\0\0\0\0\0"), Sniffed::Known(Gzip));
        assert_eq!(s(b"\x89PNG\r\n\x1a\n\0\0"), Sniffed::Unknown);
        assert_eq!(s(b""), Sniffed::Known(Jsonl));
        assert_eq!(s(b"nope\n{\"a\":1}\n"), Sniffed::Known(Jsonl));
        assert_eq!(s(b"{\"a\":\n{\"a\":1}\n"), Sniffed::Known(Jsonl));
        assert_eq!(s(b"nope\nnope\n"), Sniffed::Unknown);
        assert_eq!(sniff(b"{\"a\":", false, ""), Sniffed::NeedMore);
        assert_eq!(
            sniff(b"{\"a\": \"}\\\"{\" }\n", false, ""),
            Sniffed::Known(Jsonl)
        );
    }
}
