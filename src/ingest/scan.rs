//! A JSON reader specialised for log lines: one object per line, a few fields read, and the
//! rest (prompts and outputs, most of the bytes) skipped at memchr speed without decoding.
//! Keys and the values of fields we read are checked as strictly as JSON asks (UTF-8,
//! escapes, control characters); values we skip are only delimited (strings to their
//! closing quote, containers to their matching bracket), so a stray byte inside a prompt
//! does not cost the record its latency and cost.

use std::borrow::Cow;

/// What kind of problem a line has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The line is not JSON.
    Syntax,
    /// The line ends inside a value.
    Eof,
    /// JSON, but a field holds something we cannot use.
    Data,
}

/// Why a line cannot be read, and where (1-based column, in bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// 1-based byte column.
    pub col: usize,
    /// What is wrong.
    pub msg: String,
}

impl ScanError {
    /// The reason shown to people.
    pub fn reason(&self) -> String {
        match self.kind {
            ErrorKind::Eof => format!("the line ends inside a JSON value ({})", self.msg),
            ErrorKind::Syntax => format!("not valid JSON: {} at column {}", self.msg, self.col),
            ErrorKind::Data => format!("{} at column {}", self.msg, self.col),
        }
    }
}

/// A scanner result.
pub type ScanResult<T> = Result<T, ScanError>;

/// A value of a field we read. Containers are not decoded: they keep their raw text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (its value found while scanning when that is exact).
    Number(Number<'a>),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An object, as written.
    Object(Cow<'a, str>),
    /// An array, as written.
    Array(Cow<'a, str>),
}

impl Value<'_> {
    /// How the value is named in an error message: `-5`, `"fast"`, `true`, `an object`.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("`{b}`"),
            Value::Number(n) => format!("`{}`", n.text()),
            Value::String(s) => format!("{:?}", s.chars().take(60).collect::<String>()),
            Value::Object(_) => "an object".into(),
            Value::Array(_) => "an array".into(),
        }
    }
}

/// A number's text, and its value when the scan could compute it exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number<'a> {
    text: &'a [u8],
    fast: Option<f64>,
}

impl<'a> Number<'a> {
    /// The number as written (JSON's grammar, so ASCII).
    pub fn text(&self) -> &'a str {
        text(self.text)
    }

    /// The number's value, correctly rounded.
    pub fn value(&self) -> Option<f64> {
        self.fast.or_else(|| self.text().parse().ok())
    }
}

/// Exact powers of ten as f64 (10^22 is the largest).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number written as text (a CSV field, a JSON string), as `str::parse` reads it after
/// trimming whitespace. The plain decimals exports write take the fast path of
/// [`Scanner::number`]; anything else (an exponent, `inf`, more than 19 digits, spaces) is
/// left to `str::parse`.
pub fn parse_f64(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(neg);
    // One pass: the digits' value (wrapping: only used for at most 19 digits), and where
    // the point is.
    let (mut mant, mut point, mut digits) = (0u64, None, 0);
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
            digits += 1;
        } else if c == b'.' && point.is_none() {
            point = Some(digits);
        } else {
            break;
        }
        i += 1;
    }
    let frac = point.map_or(0, |p| digits - p);
    let plain = i == b.len() && point != Some(0) && (point.is_none() || frac > 0);
    plain
        .then(|| exact_decimal(neg, mant, digits, frac))
        .flatten()
        .or_else(|| s.trim().parse().ok())
}

/// An integer written as text, as `s.trim().parse::<i64>()` reads it (digits after an
/// optional sign). A CSV timestamp is tried as an integer first; std's parser checks each
/// step for overflow, which in wasm is a 128-bit multiply per digit (7% of reading the
/// article's CSV, whose times are decimals and so not integers at all).
pub fn parse_i64(s: &str) -> Option<i64> {
    let t = s.trim();
    let b = t.as_bytes();
    let digits = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.is_empty() || digits.len() > 18 {
        // 19 digits may overflow: std says.
        return t.parse().ok();
    }
    let v = digits
        .iter()
        .fold(0i64, |a, &c| a * 10 + i64::from(c - b'0'));
    Some(if b[0] == b'-' { -v } else { v })
}

/// The value of a decimal of `digits` digits (`mant`, wrapped if there are more than 19)
/// with `frac` of them after the point, when it is exact: a mantissa of at most 2^53
/// divided by an exact power of ten is correctly rounded (Clinger's fast path), so it
/// equals what `str::parse` gives. `None` otherwise.
fn exact_decimal(neg: bool, mant: u64, digits: usize, frac: usize) -> Option<f64> {
    (digits > 0 && digits <= 19 && mant <= 1 << 53 && frac < POW10.len()).then(|| {
        let x = mant as f64 / POW10[frac];
        if neg {
            -x
        } else {
            x
        }
    })
}

/// A position in one line.
pub struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

/// ASCII text of a line (number characters, hex digits) as `&str`.
fn text(b: &[u8]) -> &str {
    // Callers pass only ASCII they have checked; anything else becomes "" rather than a panic.
    std::str::from_utf8(b).unwrap_or_default()
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `b`.
    pub fn new(b: &'a [u8]) -> Self {
        Scanner { b, i: 0 }
    }

    /// An error of `kind` at the current position.
    pub fn error<T>(&self, kind: ErrorKind, msg: impl Into<String>) -> ScanResult<T> {
        Err(self.fail(kind, msg))
    }

    /// The error of `kind` at the current position (a syntax error at the end of the line
    /// is the line ending early).
    pub fn fail(&self, kind: ErrorKind, msg: impl Into<String>) -> ScanError {
        let kind = if self.i >= self.b.len() && kind == ErrorKind::Syntax {
            ErrorKind::Eof
        } else {
            kind
        };
        ScanError {
            kind,
            col: self.i + 1,
            msg: msg.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    /// Only whitespace may follow.
    pub fn end(&mut self) -> ScanResult<()> {
        self.ws();
        if self.i < self.b.len() {
            return self.error(ErrorKind::Syntax, "trailing characters");
        }
        Ok(())
    }

    /// Reads an object, calling `field(key, scanner)` for each member; `field` must consume
    /// the value (with [`Scanner::value`] or [`Scanner::skip_value`]).
    pub fn object(
        &mut self,
        mut field: impl FnMut(&[u8], &mut Self) -> ScanResult<()>,
    ) -> ScanResult<()> {
        self.object_hinted(&[], |_, key, _, sc| field(key, sc))
    }

    /// [`Scanner::object`] for lines that repeat their keys in the same order: `hints[n]` is
    /// the key expected at position n, without `"` or `\\` (a previous line's). `field(n,
    /// key, hit, scanner)` learns whether the key was the expected one, which is checked by
    /// one comparison instead of reading the key byte by byte and then comparing it.
    pub fn object_hinted(
        &mut self,
        hints: &[Vec<u8>],
        mut field: impl FnMut(usize, &[u8], bool, &mut Self) -> ScanResult<()>,
    ) -> ScanResult<()> {
        self.ws();
        if self.peek() != Some(b'{') {
            return self.not_an_object();
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let b: &'a [u8] = self.b;
        let mut pos = 0;
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.error(ErrorKind::Syntax, "expected a field name");
            }
            let (key, hit) = match hints.get(pos) {
                Some(h)
                    if b.get(self.i + 1..self.i + 1 + h.len())
                        .is_some_and(|k| super::find::same(k, h))
                        && b.get(self.i + 1 + h.len()) == Some(&b'"') =>
                {
                    self.i += h.len() + 2;
                    (Cow::Borrowed(&b[self.i - h.len() - 1..self.i - 1]), true)
                }
                _ => (self.key()?, false),
            };
            self.ws();
            if self.peek() != Some(b':') {
                return self.error(ErrorKind::Syntax, "expected `:`");
            }
            self.i += 1;
            self.ws();
            field(pos, &key, hit, self)?;
            pos += 1;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.error(ErrorKind::Syntax, "expected `,` or `}`"),
            }
        }
    }

    /// The error for a line that is JSON but not an object, or not JSON at all.
    fn not_an_object<T>(&mut self) -> ScanResult<T> {
        let start = self.i;
        let found = self.value()?.describe();
        self.end()?;
        self.i = start;
        self.error(
            ErrorKind::Data,
            format!("expected a JSON object, found {found}"),
        )
    }

    /// Reads one value.
    pub fn value(&mut self) -> ScanResult<Value<'a>> {
        self.ws();
        let start = self.i;
        match self.peek() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'{') => {
                self.skip_value()?;
                Ok(Value::Object(String::from_utf8_lossy(
                    &self.b[start..self.i],
                )))
            }
            Some(b'[') => {
                self.skip_value()?;
                Ok(Value::Array(String::from_utf8_lossy(
                    &self.b[start..self.i],
                )))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            _ => self.error(ErrorKind::Syntax, "expected a value"),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> ScanResult<Value<'a>> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            self.error(ErrorKind::Syntax, format!("expected `{word}`"))
        }
    }

    /// A number, checked against JSON's grammar. The plain decimal forms exports write
    /// (`-12`, `0.00480875`, `1794182402.190011`) get their value in the same pass
    /// ([`exact_decimal`]); other numbers are parsed from the text when used. This is a
    /// tenth of a JSONL import.
    fn number(&mut self) -> ScanResult<Number<'a>> {
        let start = self.i;
        let b: &'a [u8] = self.b;
        let neg = b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        // Wrapping arithmetic: 19 digits always fit in a u64, and a number with more is not
        // given the fast value (`count` tells).
        let mut mant: u64 = 0;
        let mut count = 0;
        let mut digits = |sc: &mut Self| {
            let from = sc.i;
            while let Some(&c) = b.get(sc.i) {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
                sc.i += 1;
            }
            count += sc.i - from;
            sc.i - from
        };
        let mut ok = digits(self) > 0;
        let mut frac = 0;
        if ok && self.peek() == Some(b'.') {
            self.i += 1;
            frac = digits(self);
            ok = frac > 0;
        }
        let exponent = ok && matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            ok = digits(self) > 0;
        }
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        ) {
            self.i += 1;
            ok = false;
        }
        let written = &b[start..self.i];
        if !ok {
            self.i = start;
            return self.error(
                ErrorKind::Syntax,
                format!("invalid number `{}`", text(written)),
            );
        }
        let fast = (!exponent)
            .then(|| exact_decimal(neg, mant, count, frac))
            .flatten();
        Ok(Number {
            text: written,
            fast,
        })
    }

    /// Skips one value without decoding it.
    pub fn skip_value(&mut self) -> ScanResult<()> {
        self.ws();
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(c) = self.peek() {
                    match c {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Ok(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                self.error(ErrorKind::Eof, "unclosed object or array")
            }
            _ => self.value().map(|_| ()),
        }
    }

    /// Skips a string: the next unescaped quote ends it.
    fn skip_string(&mut self) -> ScanResult<()> {
        self.i += 1;
        loop {
            let rest = self.b.get(self.i..).unwrap_or_default();
            match super::find::find2(b'"', b'\\', rest) {
                None => {
                    self.i = self.b.len();
                    return self.error(ErrorKind::Eof, "unclosed string");
                }
                Some(p) if rest[p] == b'"' => {
                    self.i += p + 1;
                    return Ok(());
                }
                Some(p) => self.i += p + 2,
            }
        }
    }

    /// Reads a field name as bytes: names are only compared, so they need no UTF-8 check
    /// (a name with invalid bytes matches no field we read).
    fn key(&mut self) -> ScanResult<Cow<'a, [u8]>> {
        self.i += 1;
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(Cow::Borrowed(&self.b[start..self.i - 1]));
                }
                b'\\' => {
                    self.i = start - 1;
                    let s = self.string()?;
                    return Ok(Cow::Owned(s.into_owned().into_bytes()));
                }
                _ => self.i += 1,
            }
        }
        self.error(ErrorKind::Eof, "unclosed string")
    }

    /// Reads a string, borrowing it when it has no escapes.
    fn string(&mut self) -> ScanResult<Cow<'a, str>> {
        self.i += 1;
        let start = self.i;
        // Keys and the values we read are short: a plain loop beats memchr's set-up.
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    let raw = &self.b[start..self.i];
                    self.i += 1;
                    return match std::str::from_utf8(raw) {
                        Ok(s) => Ok(Cow::Borrowed(s)),
                        Err(e) => {
                            self.i = start + e.valid_up_to();
                            self.error(ErrorKind::Syntax, "bytes that are not valid UTF-8")
                        }
                    };
                }
                b'\\' => return self.escaped_string(start),
                0..=0x1f => return self.control_character(),
                _ => self.i += 1,
            }
        }
        self.error(ErrorKind::Eof, "unclosed string")
    }

    /// The rest of a string that has escapes, from its first byte at `start`.
    fn escaped_string(&mut self, start: usize) -> ScanResult<Cow<'a, str>> {
        let mut out: Vec<u8> = self.b[start..self.i].to_vec();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return self.error(ErrorKind::Eof, "unclosed string");
            };
            self.i += 1;
            match c {
                b'"' => break,
                0..=0x1f => {
                    self.i -= 1;
                    return self.control_character();
                }
                b'\\' => {
                    let esc = self.peek();
                    self.i += 1;
                    let c = match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => {
                            self.i -= 1;
                            return self.error(ErrorKind::Syntax, "invalid escape");
                        }
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map(Cow::Owned).or_else(|_| {
            self.i = start;
            self.error(ErrorKind::Syntax, "bytes that are not valid UTF-8")
        })
    }

    fn control_character<T>(&self) -> ScanResult<T> {
        self.error(
            ErrorKind::Syntax,
            "control character (\\u0000-\\u001F) found while parsing a string",
        )
    }

    /// `\uXXXX` (the `\u` already read), joining surrogate pairs; a lone surrogate becomes
    /// U+FFFD rather than losing the record.
    fn unicode_escape(&mut self) -> ScanResult<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> ScanResult<u32> {
        let digits = self.b.get(self.i..self.i + 4).unwrap_or_default();
        if digits.len() == 4 && digits.iter().all(u8::is_ascii_hexdigit) {
            self.i += 4;
            Ok(u32::from_str_radix(text(digits), 16).unwrap_or(0xFFFD))
        } else {
            self.error(ErrorKind::Syntax, "invalid \\u escape")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> ScanResult<Vec<(String, Value<'_>)>> {
        let mut sc = Scanner::new(line.as_bytes());
        let mut out = Vec::new();
        sc.object(|k, sc| {
            let v = sc.value()?;
            out.push((String::from_utf8_lossy(k).into_owned(), v));
            Ok(())
        })?;
        sc.end()?;
        Ok(out)
    }

    #[test]
    fn reads_values() {
        let v = fields(r#" {"a": 1.5e3, "b": "x\"y\u00e9\ud83d\ude00", "c": null, "d": [1, {"e": "]"}], "f": true} "#)
            .unwrap();
        let Value::Number(n) = v[0].1 else {
            panic!("{:?}", v[0].1)
        };
        assert_eq!((n.text(), n.value()), ("1.5e3", Some(1500.0)));
        assert_eq!(v[1].1, Value::String(Cow::Owned("x\"yé😀".into())));
        assert_eq!(v[2].1, Value::Null);
        assert_eq!(v[3].1, Value::Array(r#"[1, {"e": "]"}]"#.into()));
        assert_eq!(v[4].1, Value::Bool(true));
        assert_eq!(fields("{}").unwrap(), vec![]);
    }

    /// The value found while scanning, or by [`parse_f64`], is the one `str::parse` gives,
    /// bit for bit.
    #[test]
    fn numbers_read_while_scanning_equal_parse() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "-12",
            "0.1",
            "0.00480875",
            "1794182402.190011",
            "4667.192",
            "9007199254740992",
            "9007199254740993",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "1.0000000000000000000000001",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "123456789.123456789",
            "1e3",
            "-2.5E-3",
            "1.7976931348623157e308",
        ]
        .map(String::from)
        .to_vec();
        // Fractions with every count of digits, and values near 2^53.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 18 + 1) as usize;
            let m = (x >> 8) % 10u64.pow(digits as u32);
            let frac = (x >> 3) as usize % (digits + 4);
            let s = format!("{m:0digits$}");
            let s = if frac == 0 || frac >= s.len() {
                format!("0.{s}")
            } else {
                format!("{}.{}", &s[..s.len() - frac], &s[s.len() - frac..])
            };
            texts.push(s);
        }
        for t in &texts {
            let mut sc = Scanner::new(t.as_bytes());
            let Ok(Value::Number(n)) = sc.value() else {
                panic!("{t}")
            };
            assert_eq!(n.text(), t);
            let want: f64 = t.parse().unwrap();
            assert_eq!(n.value().map(f64::to_bits), Some(want.to_bits()), "{t}");
            assert_eq!(parse_f64(t).map(f64::to_bits), Some(want.to_bits()), "{t}");
            let other = match t.strip_prefix('-') {
                Some(pos) => pos.to_string(),
                None => format!("-{t}"),
            };
            let want: f64 = other.parse().unwrap();
            assert_eq!(
                parse_f64(&other).map(f64::to_bits),
                Some(want.to_bits()),
                "{other}"
            );
        }
        for t in [
            " 12.5 ", "+3", "1.", ".5", "inf", "NaN", "1e2", "", "-", "1.2.3", "12a", "--1",
        ] {
            let want = t.trim().parse::<f64>().ok().map(f64::to_bits);
            assert_eq!(parse_f64(t).map(f64::to_bits), want, "{t:?}");
        }
    }

    // proptest is a native dev-dependency only.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn integers_read_as_std_reads_them(
            s in "[ +-]{0,2}[0-9]{0,21}[ .e5a-]{0,2}",
            n in proptest::num::i64::ANY,
        ) {
            proptest::prop_assert_eq!(parse_i64(&s), s.trim().parse::<i64>().ok(), "{:?}", s);
            let t = n.to_string();
            proptest::prop_assert_eq!(parse_i64(&t), Some(n));
        }
    }

    #[test]
    fn skips_long_strings_with_escapes() {
        let line = r#"{"skip": "a \\\" b \\\\", "k": 1}"#;
        let mut sc = Scanner::new(line.as_bytes());
        let mut seen = Vec::new();
        sc.object(|k, sc| {
            seen.push(String::from_utf8_lossy(k).into_owned());
            sc.skip_value()
        })
        .unwrap();
        assert_eq!(seen, ["skip", "k"]);
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = |line| fields(line).unwrap_err();
        assert_eq!(e(r#"{"a": 1"#).kind, ErrorKind::Eof);
        assert_eq!(e(r#"{"a": "x"#).kind, ErrorKind::Eof);
        assert_eq!(
            e("[1, 2]").reason(),
            "expected a JSON object, found an array at column 1"
        );
        assert_eq!(
            e("nope").reason(),
            "not valid JSON: expected `null` at column 1"
        );
        assert_eq!(
            e(r#"{"a": 1} x"#).reason(),
            "not valid JSON: trailing characters at column 10"
        );
        assert_eq!(
            e(r#"{"a": 1..2}"#).reason(),
            "not valid JSON: invalid number `1..2` at column 7"
        );
        assert_eq!(
            e(r#"{"a" 1}"#).reason(),
            "not valid JSON: expected `:` at column 6"
        );
        assert!(e("{\"a\": \"x\u{1}\"}")
            .reason()
            .contains("control character"));
        assert!(e(r#"{"a": "\q"}"#).reason().contains("invalid escape"));
    }
}
