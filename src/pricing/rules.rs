//! Model-name rewriting for the matching rules: case folding, routing prefixes, snapshot dates
//! and version suffixes. Pure string functions; the table decides what a rewrite hits.

/// Bedrock cross-region inference profiles put one of these before the model id.
const REGION_PREFIXES: [&str; 8] = [
    "us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.", "global.",
];

/// Bedrock model ids start with the model's vendor.
const BEDROCK_VENDORS: [&str; 7] = [
    "anthropic.",
    "meta.",
    "amazon.",
    "mistral.",
    "cohere.",
    "ai21.",
    "deepseek.",
];

/// Names are compared case-insensitively.
pub fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

fn strip_region(name: &str) -> Option<&str> {
    REGION_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .filter(|rest| !rest.is_empty())
}

/// `name` itself, then every tail after a `/` (longest first), each followed by itself
/// without a Bedrock region prefix: `bedrock/us.anthropic.x` gives
/// `[bedrock/us.anthropic.x, us.anthropic.x, anthropic.x]`. No duplicates.
pub fn prefix_forms(name: &str) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !forms.iter().any(|f| f == s) {
            forms.push(s.to_string());
        }
    };
    let tails = std::iter::once(name).chain(name.match_indices('/').map(|(i, _)| &name[i + 1..]));
    for tail in tails {
        push(tail);
        if let Some(rest) = strip_region(tail) {
            push(rest);
        }
    }
    forms
}

/// Whether `s` ends with `-` and then `shape`, where `d` stands for an ASCII digit and any
/// other character for itself; returns what comes before the `-`.
fn cut_suffix<'a>(s: &'a str, shape: &str) -> Option<&'a str> {
    let n = shape.len();
    let b = s.as_bytes();
    if b.len() < n + 2 {
        return None;
    }
    let tail = &b[b.len() - n..];
    let ok = tail.iter().zip(shape.bytes()).all(|(&c, p)| {
        if p == b'd' {
            c.is_ascii_digit()
        } else {
            c == p
        }
    });
    // The byte before the suffix is the ASCII '-', so both cuts fall on char boundaries.
    (ok && b[b.len() - n - 1] == b'-').then(|| &s[..s.len() - n - 1])
}

/// `name` without a trailing snapshot date: `-2024-08-06`, `-20241022`, `-08-2024` (Cohere)
/// or four digits (`-0613`, Mistral's `-2411`, xAI's `-1212`).
pub fn strip_date(name: &str) -> Option<&str> {
    let year_at = |suffix_start: usize| name.get(suffix_start..suffix_start + 2) == Some("20");
    if let Some(base) = cut_suffix(name, "dddd-dd-dd") {
        return year_at(base.len() + 1).then_some(base);
    }
    if let Some(base) = cut_suffix(name, "dddddddd") {
        return year_at(base.len() + 1).then_some(base);
    }
    if let Some(base) = cut_suffix(name, "dd-dddd") {
        return year_at(base.len() + 4).then_some(base);
    }
    cut_suffix(name, "dddd")
}

/// A `:` suffix that names a version (`0`, `1.2`, `v2`, `latest`), not a size (`70b`) or a
/// fine-tune id.
fn is_version(s: &str) -> bool {
    if s == "latest" {
        return true;
    }
    let digits = s.strip_prefix('v').unwrap_or(s);
    !digits.is_empty()
        && digits
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// One normalisation step, the first that applies, or `None`.
fn step(name: &str) -> Option<&str> {
    if let Some(i) = name.rfind('@') {
        return (i > 0).then(|| &name[..i]);
    }
    if let Some(i) = name.rfind(':') {
        if i > 0 && is_version(&name[i + 1..]) {
            return Some(&name[..i]);
        }
    }
    if let Some(base) = name.strip_suffix("-latest").filter(|b| !b.is_empty()) {
        return Some(base);
    }
    if let Some(i) = name.rfind("-v") {
        let v = &name[i + 2..];
        if i > 0 && !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
            return Some(&name[..i]);
        }
    }
    if let Some(rest) = BEDROCK_VENDORS
        .iter()
        .find_map(|v| name.strip_prefix(v))
        .filter(|r| !r.is_empty())
    {
        return Some(rest);
    }
    cut_suffix(name, "ddd")
}

/// The successive normal forms of `name`, one rewrite at a time, for example
/// `anthropic.claude-x-20250101-v1:0` → `…-v1` → `anthropic.claude-x-20250101` →
/// `claude-x-20250101`. Each step shortens the name, so this ends.
pub fn normalisations(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = name;
    while let Some(next) = step(cur) {
        out.push(next.to_string());
        cur = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(strip_date("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(
            strip_date("claude-3-5-sonnet-20241022"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(strip_date("command-r-plus-08-2024"), Some("command-r-plus"));
        assert_eq!(strip_date("gpt-4-0613"), Some("gpt-4"));
        assert_eq!(strip_date("mistral-large-2411"), Some("mistral-large"));
        assert_eq!(strip_date("gpt-4o"), None);
        assert_eq!(strip_date("model-19991231"), None);
        assert_eq!(strip_date("-2024"), None);
        assert_eq!(strip_date("gemini-2.5-flash-preview-05-20"), None);
        assert_eq!(strip_date("é-2024-08-06"), Some("é"));
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            prefix_forms("bedrock/us.anthropic.x"),
            ["bedrock/us.anthropic.x", "us.anthropic.x", "anthropic.x"]
        );
        assert_eq!(prefix_forms("a/b/c"), ["a/b/c", "b/c", "c"]);
        assert_eq!(prefix_forms("gpt-4o"), ["gpt-4o"]);
        assert_eq!(prefix_forms("trailing/"), ["trailing/"]);
    }

    #[test]
    fn normal_forms() {
        assert_eq!(
            normalisations("anthropic.claude-x-20250101-v1:0"),
            [
                "anthropic.claude-x-20250101-v1",
                "anthropic.claude-x-20250101",
                "claude-x-20250101"
            ]
        );
        assert_eq!(
            normalisations("claude-3-5-sonnet-v2@20241022"),
            ["claude-3-5-sonnet-v2", "claude-3-5-sonnet"]
        );
        assert_eq!(normalisations("gemini-1.5-pro-002"), ["gemini-1.5-pro"]);
        assert_eq!(normalisations("llama3:latest"), ["llama3"]);
        assert!(normalisations("llama3.1:70b").is_empty());
        assert!(normalisations("ft:gpt-4o-mini:org::abc123").is_empty());
        assert!(normalisations("@").is_empty());
        assert!(normalisations("-latest").is_empty());
    }
}
