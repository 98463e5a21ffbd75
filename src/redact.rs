//! PII masking for text shown in drill-down and written to exports: emails, phone numbers,
//! payment card numbers, API keys and labelled secrets, IPv4 and IPv6 addresses become
//! typed placeholders (`[email]`, `[phone]`, `[card]`, `[api-key]`, `[secret]`, `[ip]`).
//!
//! The scanners are written by hand rather than with the regex crate: that keeps the wasm
//! small, and several rules are not regular anyway (the Luhn check, phone number shapes,
//! a secret recognised by the label before it). Each scanner walks the bytes once, and
//! every match starts and ends next to an ASCII byte (or the text's ends), so on a
//! character boundary.
//!
//! The balance: a masked word that was harmless costs a click on "Show unmasked"; a leaked
//! address cannot be taken back. So the rules lean towards masking, except where ordinary
//! log text would be hit all the time: timestamps, ISO dates, version numbers, prices,
//! order numbers and ids are tested to stay as they are.

use std::borrow::Cow;
use std::cmp::Reverse;

/// What a match is; the order is the priority when two matches are equally long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ApiKey,
    Secret,
    Card,
    Email,
    Phone,
    Ip,
}

impl Kind {
    fn placeholder(self) -> &'static str {
        match self {
            Kind::ApiKey => "[api-key]",
            Kind::Secret => "[secret]",
            Kind::Card => "[card]",
            Kind::Email => "[email]",
            Kind::Phone => "[phone]",
            Kind::Ip => "[ip]",
        }
    }
}

/// A byte range of the input to replace.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    kind: Kind,
}

/// `text` with emails, phone numbers, card numbers, API keys and secrets, and IP addresses
/// replaced by typed placeholders such as `[email]`. Borrows when nothing was found.
///
/// ```
/// assert_eq!(
///     tokenlens::redact("mail jane.doe@example.com or call +44 20 7946 0958"),
///     "mail [email] or call [phone]"
/// );
/// assert_eq!(tokenlens::redact("order #48213 on 2026-11-18"), "order #48213 on 2026-11-18");
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    prefixed_keys(b, &mut found);
    bearer_tokens(b, &mut found);
    labelled_secrets(b, &mut found);
    cards(b, &mut found);
    emails(b, &mut found);
    phones(b, &mut found);
    ipv4s(b, &mut found);
    ipv6s(b, &mut found);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    // Earliest first; at the same start the longest, then by kind. Overlapping matches
    // merge into one masked range named after the first (the `sk-…` inside a
    // `Bearer sk-…`): whatever any scanner flagged stays hidden.
    found.sort_by_key(|f| (f.start, Reverse(f.end), f.kind));
    let mut merged: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        match merged.last_mut() {
            Some(m) if f.start < m.end => m.end = m.end.max(f.end),
            _ => merged.push(f),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in merged {
        // The scanners' matches are bounded by ASCII, so this always holds; checking keeps
        // the slicing below panic-free whatever a future scanner does.
        if f.start < at || !text.is_char_boundary(f.start) || !text.is_char_boundary(f.end) {
            continue;
        }
        out.push_str(&text[at..f.start]);
        out.push_str(f.kind.placeholder());
        at = f.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

// ---------- byte helpers ----------

/// The byte at `i`, or 0 past the end (0 then acts as a boundary, like any other symbol).
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start.
fn before(b: &[u8], i: usize) -> u8 {
    i.checked_sub(1).map_or(0, |j| at(b, j))
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// How many bytes from `i` on satisfy `ok`.
fn run(b: &[u8], i: usize, ok: impl Fn(u8) -> bool) -> usize {
    b.get(i..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| ok(c)).count())
}

/// Whether `b[i..]` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(b: &[u8], i: usize, prefix: &[u8]) -> bool {
    b.get(i..i + prefix.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
}

/// Calls `try_at(i)` at each position; a match is recorded and scanning resumes after it,
/// so no scanner looks at the same bytes twice after a hit.
fn scan(
    b: &[u8],
    out: &mut Vec<Found>,
    kind: Kind,
    try_at: impl Fn(&[u8], usize) -> Option<(usize, usize)>,
) {
    let mut i = 0;
    while i < b.len() {
        match try_at(b, i) {
            Some((start, end)) if end > start && end > i => {
                out.push(Found { start, end, kind });
                i = end;
            }
            _ => i += 1,
        }
    }
}

// ---------- API keys and secrets ----------

fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn upper_or_digit(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
fn alnum_or_dash(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// A key format told by its prefix: the characters of the rest, and its length range.
struct Prefixed {
    prefix: &'static [u8],
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
}

const fn key(prefix: &'static [u8], body: fn(u8) -> bool, min: usize, max: usize) -> Prefixed {
    Prefixed {
        prefix,
        body,
        min,
        max,
    }
}

/// Providers' published key shapes. Minimum lengths sit well below the real ones (which
/// change) and well above words such as `sk-learn`.
const PREFIXED: [Prefixed; 19] = [
    // OpenAI (`sk-…`, `sk-proj-…`) and Anthropic (`sk-ant-api03-…`).
    key(b"sk-", key_char, 20, usize::MAX),
    // Stripe secret and restricted keys.
    key(b"sk_live_", alnum, 16, usize::MAX),
    key(b"sk_test_", alnum, 16, usize::MAX),
    key(b"rk_live_", alnum, 16, usize::MAX),
    key(b"rk_test_", alnum, 16, usize::MAX),
    // AWS access key ids (long-lived and temporary): exactly 16 more.
    key(b"AKIA", upper_or_digit, 16, 16),
    key(b"ASIA", upper_or_digit, 16, 16),
    // GitHub tokens (36 characters after the prefix today).
    key(b"ghp_", alnum, 30, usize::MAX),
    key(b"gho_", alnum, 30, usize::MAX),
    key(b"ghu_", alnum, 30, usize::MAX),
    key(b"ghs_", alnum, 30, usize::MAX),
    key(b"ghr_", alnum, 30, usize::MAX),
    key(b"github_pat_", key_char, 22, usize::MAX),
    // Slack bot, user, app, refresh and session tokens.
    key(b"xoxb-", alnum_or_dash, 10, usize::MAX),
    key(b"xoxp-", alnum_or_dash, 10, usize::MAX),
    key(b"xoxa-", alnum_or_dash, 10, usize::MAX),
    key(b"xoxr-", alnum_or_dash, 10, usize::MAX),
    key(b"xoxs-", alnum_or_dash, 10, usize::MAX),
    // Google API keys (AIza + 35).
    key(b"AIza", key_char, 30, usize::MAX),
];

fn prefixed_keys(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::ApiKey, |b, i| {
        // Only at the start of a word: `task-…` holds `sk-` but is not a key.
        if is_word(before(b, i)) {
            return None;
        }
        PREFIXED.iter().find_map(|p| {
            if !b.get(i..)?.starts_with(p.prefix) {
                return None;
            }
            let body = i + p.prefix.len();
            let n = run(b, body, p.body);
            // The key must end at a word end: AKIA followed by 20 capitals is not an id.
            (n >= p.min && n <= p.max && !is_word(at(b, body + n))).then_some((i, body + n))
        })
    });
}

/// Characters of bearer tokens and base64/hex secrets (RFC 6750 b64token, plus `.` for JWTs).
fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// A token run from `i`, without a sentence's final full stop.
fn token_run(b: &[u8], i: usize) -> usize {
    let mut n = run(b, i, token_char);
    while n > 0 && at(b, i + n - 1) == b'.' {
        n -= 1;
    }
    n
}

/// `Bearer <token>`: the token is masked, the word stays so the text still reads.
fn bearer_tokens(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::ApiKey, |b, i| {
        if is_word(before(b, i)) || !starts_with_ci(b, i, b"bearer") {
            return None;
        }
        let gap = run(b, i + 6, |c| c == b' ' || c == b'\t');
        if gap == 0 {
            return None;
        }
        let start = i + 6 + gap;
        let n = token_run(b, start);
        let token = b.get(start..start + n)?;
        // Long, or with a digit: "Bearer authentication" is prose, a token is not.
        let looks_random = n >= 32 || (n >= 16 && token.iter().any(u8::is_ascii_digit));
        (looks_random && !is_word(at(b, start + n))).then_some((start, start + n))
    });
}

/// What the label before a `:` or `=` says about the value after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    /// `…key`, `…token`, `…secret`: a long random value is a secret.
    Key,
    /// `…password`: any value is.
    Password,
}

fn label_before(b: &[u8], sep: usize) -> Option<Label> {
    let mut k = sep;
    while matches!(before(b, k), b' ' | b'\t') {
        k -= 1;
    }
    // Quotes of `"api_key": …`, also when the JSON itself sits escaped in a string.
    while matches!(before(b, k), b'"' | b'\'' | b'\\') {
        k -= 1;
    }
    let end = k;
    while is_word(before(b, k)) || before(b, k) == b'-' {
        k -= 1;
    }
    let ident = b.get(k..end)?;
    let ends = |suffix: &[u8]| {
        ident.len() >= suffix.len()
            && ident[ident.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    if ends(b"password") || ends(b"passwd") || ends(b"passphrase") {
        Some(Label::Password)
    } else if ends(b"key") || ends(b"token") || ends(b"secret") {
        // `max_tokens`, `keyboard`, `token_type` end otherwise and are not labels.
        Some(Label::Key)
    } else {
        None
    }
}

/// A password ends at white space, a quote or a delimiter of the text around it. `[`
/// too, so that `password=[secret]` is left as it is when masked text is masked again.
fn password_char(c: u8) -> bool {
    !c.is_ascii_whitespace()
        && !matches!(
            c,
            0 | b'"'
                | b'\''
                | b'\\'
                | b','
                | b';'
                | b'&'
                | b'('
                | b')'
                | b'{'
                | b'}'
                | b'['
                | b']'
                | b'<'
                | b'>'
        )
}

/// `api_key=…`, `"client_secret": "…"`, `AWS_SECRET_ACCESS_KEY=…`, `password: …`.
fn labelled_secrets(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::Secret, |b, i| {
        if !matches!(at(b, i), b':' | b'=') {
            return None;
        }
        let label = label_before(b, i)?;
        let mut start = i + 1;
        start += run(b, start, |c| c == b' ' || c == b'\t');
        let quotes = run(b, start, |c| matches!(c, b'"' | b'\'' | b'\\'));
        let quote = if quotes > 0 {
            at(b, start + quotes - 1)
        } else {
            0
        };
        start += quotes;
        let n = match label {
            // Long and token-like: a 32-character hex or base64 value, not "is missing".
            Label::Key => Some(token_run(b, start)).filter(|&n| n >= 32),
            // A quoted password runs to its closing quote (it may hold spaces), a bare one
            // to the next space or delimiter. Non-ASCII bytes are allowed: the run still
            // ends on an ASCII byte.
            Label::Password => {
                let n = if matches!(quote, b'"' | b'\'') {
                    run(b, start, |c| {
                        c != quote && !matches!(c, b'\\' | b'\n' | b'\r')
                    })
                } else {
                    run(b, start, password_char)
                };
                Some(n).filter(|&n| n >= 1)
            }
        }?;
        Some((start, start + n))
    });
}

// ---------- card numbers ----------

/// Whether the digits pass the Luhn check that every payment card number carries.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, d)| {
            let d = u32::from(d - b'0');
            if k % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Symbols a number does not follow when it is a number of its own: `#48213`, `$1,299`,
/// `v1.2`, `x-15`, `3/4`.
fn number_glued_to(c: u8) -> bool {
    is_word(c) || matches!(c, b'.' | b',' | b'-' | b'+' | b'/' | b'#' | b'$')
}

/// Whether a number ends at `i`: `4111…1111.` ends, `4111…1111.5` or `…1111x` does not.
fn number_ends(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    let glued = matches!(c, b'.' | b',' | b'-' | b'/') && at(b, i + 1).is_ascii_digit();
    !(is_word(c) || glued)
}

/// 13 to 19 digits, as one run or in groups split by one kind of separator (space or
/// dash), starting with 2–6 (the card networks' ranges; 1… is a timestamp), Luhn-valid.
fn card_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if !at(b, i).is_ascii_digit()
        || number_glued_to(before(b, i))
        || at(b, i) < b'2'
        || at(b, i) > b'6'
    {
        return None;
    }
    let mut digits = [0u8; 19];
    let mut count = 0;
    let mut groups = 0;
    let mut short_group = false;
    let mut last = 0;
    let mut sep = 0u8;
    let mut j = i;
    loop {
        let n = run(b, j, |c| c.is_ascii_digit());
        if count + n > digits.len() {
            return None;
        }
        digits[count..count + n].copy_from_slice(b.get(j..j + n)?);
        count += n;
        groups += 1;
        // Cards print in groups of 3 to 6 (4-4-4-4, Amex 4-6-5); only the last group
        // may be shorter (a 13-digit number written 4-4-4-1).
        short_group |= groups > 1 && !(3..=6).contains(&last);
        last = n;
        j += n;
        let next = at(b, j);
        if matches!(next, b' ' | b'-') && at(b, j + 1).is_ascii_digit() && (sep == 0 || sep == next)
        {
            sep = next;
            j += 1;
        } else {
            break;
        }
    }
    let grouped_ok = groups == 1 || (!short_group && last <= 6);
    (count >= 13 && grouped_ok && number_ends(b, j) && luhn(&digits[..count])).then_some((i, j))
}

fn cards(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::Card, card_at);
}

// ---------- phone numbers ----------

/// Digit groups of a phone-like run: `+44 (0)20 7946-0958`.
struct PhoneRun {
    end: usize,
    plus: bool,
    /// Lengths of the digit groups, and whether each was in parentheses.
    groups: [(usize, bool); 8],
    count: usize,
    digits: usize,
    /// Separators between groups (a paren group's own `)` excluded): a bit per kind.
    seps: u8,
    first_digit: u8,
}

const SEP_SPACE: u8 = 1;
const SEP_DASH: u8 = 2;
const SEP_DOT: u8 = 4;

fn phone_run(b: &[u8], i: usize) -> Option<PhoneRun> {
    let plus = at(b, i) == b'+';
    let mut j = i + usize::from(plus);
    let mut r = PhoneRun {
        end: j,
        plus,
        groups: [(0, false); 8],
        count: 0,
        digits: 0,
        seps: 0,
        first_digit: 0,
    };
    loop {
        // One group: digits, or digits in parentheses.
        let paren = at(b, j) == b'(';
        let d = j + usize::from(paren);
        let n = run(b, d, |c| c.is_ascii_digit());
        let close = d + n;
        if n == 0 || (paren && at(b, close) != b')') {
            break; // The separator before this was not part of the number.
        }
        if r.count == r.groups.len() {
            return None; // More groups than any phone number has.
        }
        if r.count == 0 {
            r.first_digit = at(b, d);
        }
        r.groups[r.count] = (n, paren);
        r.count += 1;
        r.digits += n;
        if r.digits > 15 {
            return None; // Longer than any phone number (E.164: 15 digits).
        }
        j = close + usize::from(paren);
        r.end = j;
        // One separator, then the next group; after `)` the separator may be missing.
        let (sep, bit) = match at(b, j) {
            b' ' => (1, SEP_SPACE),
            b'-' => (1, SEP_DASH),
            b'.' => (1, SEP_DOT),
            _ if paren => (0, 0),
            _ => break,
        };
        let next = at(b, j + sep);
        if !(next.is_ascii_digit() || next == b'(') {
            break;
        }
        if !paren {
            r.seps |= bit;
        }
        j += sep;
    }
    (r.count > 0).then_some(r)
}

/// International numbers (`+` and 9–15 digits), North American ones (`(415) 555-0132`,
/// `415-555-0132`, `1-800-555-0199`) and national numbers with a trunk 0
/// (`020 7946 0958`), in each case with separators, so that bare timestamps and ids stay.
fn phone_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let c = at(b, i);
    let starts = c.is_ascii_digit()
        || (c == b'+' && at(b, i + 1).is_ascii_digit())
        || (c == b'(' && at(b, i + 1).is_ascii_digit());
    if !starts || number_glued_to(before(b, i)) {
        return None;
    }
    let r = phone_run(b, i)?;
    if !number_ends(b, r.end) {
        return None;
    }
    let groups = &r.groups[..r.count];
    let lens: Vec<usize> = groups.iter().map(|g| g.0).collect();
    let parens = groups.iter().filter(|g| g.1).count();
    let ok = if r.plus {
        // A country code does not start with 0.
        (9..=15).contains(&r.digits) && r.first_digit != b'0'
    } else if r.first_digit == b'0' {
        // National with a trunk 0: one kind of separator (no dots: 0.5 is a number), only
        // the first group in parentheses, groups of two or more.
        let one_sep = r.seps == SEP_SPACE || r.seps == SEP_DASH;
        (9..=15).contains(&r.digits)
            && r.count >= 2
            && (one_sep || (r.seps == 0 && groups[0].1))
            && lens.iter().all(|&n| n >= 2)
            && groups.iter().skip(1).all(|g| !g.1)
    } else {
        nanp(b, i, groups, r.seps, parens)
    };
    ok.then_some((i, r.end))
}

/// North American Numbering Plan: [1] NXX NXX XXXX, area code and exchange not starting
/// with 0 or 1; dots only with dots (`415.555.0132`); parentheses only around the area code.
fn nanp(b: &[u8], i: usize, groups: &[(usize, bool)], seps: u8, parens: usize) -> bool {
    let lens: Vec<usize> = groups.iter().map(|g| g.0).collect();
    let area = match lens.as_slice() {
        [3, 3, 4] => 0,
        [1, 3, 3, 4] if at(b, i) == b'1' => 1,
        _ => return false,
    };
    if parens > 1 || (parens == 1 && !groups[area].1) {
        return false;
    }
    if seps & SEP_DOT != 0 && seps != SEP_DOT {
        return false;
    }
    // The first digit of the area code and of the exchange, found by walking the digits.
    let mut firsts = Vec::with_capacity(4);
    let mut j = i;
    for &(n, _) in groups {
        while j < b.len() && !at(b, j).is_ascii_digit() {
            j += 1;
        }
        firsts.push(at(b, j));
        j += n;
    }
    let nxx = |k: usize| firsts.get(k).is_some_and(|&d| (b'2'..=b'9').contains(&d));
    nxx(area) && nxx(area + 1)
}

fn phones(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::Phone, phone_at);
}

// ---------- emails ----------

fn local_char(c: u8) -> bool {
    // Non-ASCII bytes too (josé@…): the run still starts after an ASCII byte.
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-') || c >= 0x80
}

fn domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'.'
}

/// The end of a valid domain starting at `i`: labels of letters, digits and inner dashes,
/// at least two, the last all letters (a top-level domain). Trailing labels that do not
/// fit are left out, so `jane@example.com.` keeps its full stop.
fn domain_end(b: &[u8], i: usize) -> Option<usize> {
    let n = run(b, i, domain_char);
    let dom = b.get(i..i + n)?;
    let mut labels: Vec<&[u8]> = dom.split(|&c| c == b'.').collect();
    while let Some(last) = labels.last() {
        let tld_ok = last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic);
        if tld_ok {
            break;
        }
        labels.pop();
    }
    let label_ok = |l: &&[u8]| !l.is_empty() && l.first() != Some(&b'-') && l.last() != Some(&b'-');
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return None;
    }
    let len: usize = labels.iter().map(|l| l.len()).sum::<usize>() + labels.len() - 1;
    Some(i + len)
}

fn emails(b: &[u8], out: &mut Vec<Found>) {
    for (a, _) in b.iter().enumerate().filter(|(_, &c)| c == b'@') {
        // The local part: back from the `@` (bounded by the previous `@`, which is not a
        // local character, so each byte is walked once).
        let mut s = a;
        while s > 0 && local_char(b[s - 1]) {
            s -= 1;
        }
        // A leading dot is punctuation, not part of the address; a non-ASCII start
        // byte is kept (it may be a letter).
        while s < a && b[s] == b'.' {
            s += 1;
        }
        if s == a {
            continue; // `@mention`, `a @ b`.
        }
        if let Some(end) = domain_end(b, a + 1) {
            if !is_word(at(b, end)) {
                out.push(Found {
                    start: s,
                    end,
                    kind: Kind::Email,
                });
            }
        }
    }
}

// ---------- IP addresses ----------

/// A dotted quad from `i` (each part 0–255, one to three digits); its end.
fn quad(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for part in 0..4 {
        if part > 0 {
            if at(b, j) != b'.' {
                return None;
            }
            j += 1;
        }
        let n = run(b, j, |c| c.is_ascii_digit());
        // Length first: the value of a longer run could overflow.
        if n == 0 || n > 3 {
            return None;
        }
        let value = b
            .get(j..j + n)?
            .iter()
            .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
        if value > 255 {
            return None;
        }
        j += n;
    }
    Some(j)
}

/// IPv4: `10.0.0.1`, `192.168.1.10:8080` (the port stays). Not inside longer dotted
/// numbers (`1.2.3.4.5`) or words (`v1.2.3.4`).
fn ipv4_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let p = before(b, i);
    if !at(b, i).is_ascii_digit() || is_word(p) || p == b'.' {
        return None;
    }
    let end = quad(b, i)?;
    let c = at(b, end);
    let longer = c == b'.' && at(b, end + 1).is_ascii_digit();
    (!(is_word(c) || longer)).then_some((i, end))
}

fn ipv4s(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::Ip, ipv4_at);
}

/// IPv6: eight groups (`2001:0db8:…:7334`), or fewer with one `::` (`2001:db8::1`,
/// `fe80::1ff:fe23:4567:890a`, `::1`), optionally ending in a dotted quad
/// (`::ffff:192.0.2.128`). A `::` form needs a decimal digit, so `a::b` and
/// `std::io` stay; times (`14:05:33`) and MAC addresses have too few groups.
fn ipv6_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let c = at(b, i);
    let p = before(b, i);
    if !(c.is_ascii_hexdigit() || c == b':') || is_word(p) || p == b':' || p == b'.' {
        return None;
    }
    let mut j = i;
    let mut groups = 0;
    let mut double = false;
    let mut digit = false;
    if b.get(j..j + 2) == Some(b"::") {
        double = true;
        j += 2;
    } else if c == b':' {
        return None;
    }
    loop {
        let n = run(b, j, |c| c.is_ascii_hexdigit());
        if n == 0 {
            break;
        }
        if at(b, j + n) == b'.' {
            // A dotted quad counts as the last two groups.
            j = quad(b, j)?;
            groups += 2;
            digit = true;
            break;
        }
        if n > 4 {
            return None;
        }
        digit |= b.get(j..j + n)?.iter().any(u8::is_ascii_digit);
        groups += 1;
        j += n;
        if b.get(j..j + 2) == Some(b"::") {
            if double {
                return None;
            }
            double = true;
            j += 2;
        } else if at(b, j) == b':' && at(b, j + 1).is_ascii_hexdigit() {
            j += 1;
        } else {
            break;
        }
    }
    let ok = if double {
        groups <= 7 && digit
    } else {
        groups == 8
    };
    // Not part of a longer run of colons and hex (`0::::0`), which is no address.
    let after = at(b, j);
    let more = after == b':' && (at(b, j + 1) == b':' || at(b, j + 1).is_ascii_hexdigit());
    (ok && !is_word(after) && !more).then_some((i, j))
}

fn ipv6s(b: &[u8], out: &mut Vec<Found>) {
    scan(b, out, Kind::Ip, ipv6_at);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each (input, expected) pair.
    fn check(cases: &[(&str, &str)]) {
        for (input, want) in cases {
            assert_eq!(redact(input), *want, "input: {input:?}");
        }
    }

    /// Each input comes back unchanged, and borrowed.
    fn unchanged(cases: &[&str]) {
        for input in cases {
            let out = redact(input);
            assert_eq!(out, *input, "input: {input:?}");
            assert!(matches!(out, Cow::Borrowed(_)), "input: {input:?}");
        }
    }

    #[test]
    fn emails_are_masked() {
        check(&[
            ("jane.doe@example.com", "[email]"),
            (
                "Cancel my subscription, please. My email is jane.doe@example.com",
                "Cancel my subscription, please. My email is [email]",
            ),
            (
                "Write to JOHN+billing@Mail.Example.co.uk.",
                "Write to [email].",
            ),
            ("<a_b-c%d@sub-domain.example.io>", "<[email]>"),
            (
                "mailto:ops@example.net?subject=hi",
                "mailto:[email]?subject=hi",
            ),
            (
                r#"{"user_id": "bob@corp.example"}"#,
                r#"{"user_id": "[email]"}"#,
            ),
            ("josé.garcía@correo.example.es", "[email]"),
            ("a@b.co, c@d.org", "[email], [email]"),
            ("(contact: .first.last@example.com)", "(contact: .[email])"),
        ]);
    }

    #[test]
    fn not_emails() {
        unchanged(&[
            "@jane mentioned it",
            "jane@",
            "ping me at jane@localhost",
            "a @ b.com",
            "requires numpy@1.26",
            "@Override",
            "user@-bad-.com",
        ]);
    }

    #[test]
    fn phones_are_masked() {
        check(&[
            ("+1 (415) 555-0132", "[phone]"),
            ("+1-415-555-0132", "[phone]"),
            ("+14155550132", "[phone]"),
            ("+44 20 7946 0958", "[phone]"),
            ("+44 (0)20 7946 0958", "[phone]"),
            ("+49 30 1234567", "[phone]"),
            ("+33 6 12 34 56 78", "[phone]"),
            ("+91 98765 43210", "[phone]"),
            ("+86 138 0013 8000", "[phone]"),
            ("(415) 555-0132", "[phone]"),
            ("(415)555-0132", "[phone]"),
            ("415-555-0132", "[phone]"),
            ("415.555.0132", "[phone]"),
            ("415 555 0132", "[phone]"),
            ("1-800-555-0199", "[phone]"),
            ("020 7946 0958", "[phone]"),
            ("(020) 7946 0958", "[phone]"),
            ("06 12 34 56 78", "[phone]"),
            ("030-1234567", "[phone]"),
            ("Call me on 415-555-0132.", "Call me on [phone]."),
            ("tel:+1-415-555-0132", "tel:[phone]"),
            (r#"{"phone":"+44 20 7946 0958"}"#, r#"{"phone":"[phone]"}"#),
        ]);
    }

    #[test]
    fn not_phones() {
        unchanged(&[
            "2026-11-18",
            "2026-11-18T14:05:33.123456Z",
            "2026-11-18 14:05:33",
            "14:05:33",
            "1794182402.160366",
            "1794182402",
            "4155550132",
            "Where is my order #48213? It was due on Monday.",
            "order #48213-77",
            "$1,299.99 or €12.50 or USD 0.0071375",
            "v1.2.3 and 1.0.0-beta.2 and Python 3.11.4",
            "ISBN 978-3-16-148410-0",
            "3.14159265358979",
            "0.000123456789",
            "555-0132",
            "12 345 678",
            "100 200 300",
            "2026 11 18",
            "01-02-2026 12",
            "123-456-7890",
            "+1",
            "3 + 4 = 7",
            "d9e852c0-ea51-4f21-a804-ec266412b83f",
            "12345678-1234-1234-1234-123456789012",
        ]);
    }

    #[test]
    fn cards_are_masked() {
        check(&[
            ("4111 1111 1111 1111", "[card]"),
            ("4111-1111-1111-1111", "[card]"),
            ("4111111111111111", "[card]"),
            ("5555 5555 5555 4444", "[card]"),
            ("2223 0031 2200 3222", "[card]"),
            ("3782 822463 10005", "[card]"),
            ("6011 1111 1111 1117", "[card]"),
            ("3056 930902 5904", "[card]"),
            (
                "card: 4242424242424242, exp 12/28",
                "card: [card], exp 12/28",
            ),
            ("paid with 4111 1111 1111 1111.", "paid with [card]."),
            ("4222 2222 2222 2", "[card]"),
        ]);
    }

    #[test]
    fn not_cards() {
        unchanged(&[
            // Luhn-invalid.
            "4111 1111 1111 1112",
            "4111111111111112",
            // Timestamps in µs and ms start with 1.
            "1794182402160366",
            "1794182402160",
            "1234 5678 9012 3456",
            // Too short, mixed separators, odd groups.
            "4111 1111 1111",
            "4111 1111-1111 1111",
            "41 11 11 11 11 11 11 11",
            "$4111111111111111.50",
        ]);
    }

    #[test]
    fn api_keys_are_masked() {
        check(&[
            ("sk-proj-AbCdEf0123456789AbCdEf0123456789", "[api-key]"),
            (
                "key sk-ant-api03-abcDEF123_456-xyz7890abcdefghij now",
                "key [api-key] now",
            ),
            (
                "OPENAI_API_KEY=sk-1234567890abcdefghijKLMN",
                "OPENAI_API_KEY=[api-key]",
            ),
            ("AKIAIOSFODNN7EXAMPLE", "[api-key]"),
            ("id ASIAY34FZKBOKMUTVV7A.", "id [api-key]."),
            ("ghp_1234567890abcdefghijABCDEFGHIJ123456", "[api-key]"),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                "[api-key]",
            ),
            (
                "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
                "[api-key]",
            ),
            ("xoxp-1234567890-abcdefghij", "[api-key]"),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[api-key]"),
            ("AIzaSyA1234567890abcdefghijklmnopqrstu", "[api-key]"),
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc123def456",
                "Authorization: Bearer [api-key]",
            ),
            (
                "authorization: bearer sk-1234567890abcdefghijKLMN",
                "authorization: bearer [api-key]",
            ),
        ]);
    }

    #[test]
    fn labelled_secrets_are_masked() {
        check(&[
            (
                "api_key=0123456789abcdef0123456789abcdef",
                "api_key=[secret]",
            ),
            (
                r#"{"client_secret": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"}"#,
                r#"{"client_secret": "[secret]"}"#,
            ),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AWS_SECRET_ACCESS_KEY=[secret]",
            ),
            (
                "GET /v1?access_token=a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8&x=1",
                "GET /v1?access_token=[secret]&x=1",
            ),
            (
                r#"{\"token\":\"0123456789abcdef0123456789abcdef\"}"#,
                r#"{\"token\":\"[secret]\"}"#,
            ),
            ("password: hunter2", "password: [secret]"),
            (
                "db_password=s3cr3t!&user=admin",
                "db_password=[secret]&user=admin",
            ),
            (
                r#"{"Password":"correct horse"}"#,
                r#"{"Password":"[secret]"}"#,
            ),
            ("Password: 'it is me'", "Password: '[secret]'"),
        ]);
    }

    #[test]
    fn not_secrets() {
        unchanged(&[
            "pip install sk-learn",
            "task-runner-1234567890abcdefghijk",
            "AKIA is a prefix; AKIAIOSFODNN7EXAMPLEXX is too long",
            "Use a Bearer token for the API.",
            "Bearer authentication",
            "the api key: abc123",
            "max_tokens: 4096, prompt_tokens=1200",
            "token_type: bearer",
            "monkey: bananas",
            "\"request_id\":\"d9e852c0-ea51-4f21-a804-ec266412b83f\"",
            "0123456789abcdef0123456789abcdef",
            "ghp_short",
        ]);
    }

    #[test]
    fn ips_are_masked() {
        check(&[
            ("192.168.1.10", "[ip]"),
            ("connect 10.0.0.1:8080 failed", "connect [ip]:8080 failed"),
            ("dns 8.8.8.8.", "dns [ip]."),
            ("2001:db8::1", "[ip]"),
            ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[ip]"),
            ("fe80::1ff:fe23:4567:890a", "[ip]"),
            ("[2001:db8::1]:443", "[[ip]]:443"),
            ("::ffff:192.0.2.128", "[ip]"),
            ("from ::1 to 127.0.0.1", "from [ip] to [ip]"),
            ("client_ip=203.0.113.7", "client_ip=[ip]"),
        ]);
    }

    #[test]
    fn not_ips() {
        unchanged(&[
            "v1.2.3.4",
            "1.2.3",
            "256.1.1.1",
            "2026.11.18",
            "1.2.3.4.5",
            "12:30:45",
            "std::vec::Vec and a::b",
            "00:1a:2b:3c:4d:5e",
            "1794182402.160366",
        ]);
    }

    #[test]
    fn ordinary_log_text_is_kept() {
        unchanged(&[
            "How do I reset my password?",
            "Where is my order #48213? It was due on Monday.",
            "Draft a LinkedIn post announcing our Series A.",
            "We're thrilled to announce our $12M Series A!\n\nHere's what's next…",
            "Why does this Rust code not compile? `let s: &str = String::new();`",
            "SELECT customer_id, SUM(amount) AS revenue FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 10;",
            "HTTP error: 503 - {\"error\":{\"message\":\"The server is overloaded\"}}",
            "Request error: Read timed out. (read timeout=60)",
            "• Revenue up 18%\n• Margin steady at 41%\n• Guidance raised",
            "1. 48 hours only 🔥\n2. Your cart misses you",
            "user-0369",
            "",
        ]);
    }

    #[test]
    fn several_kinds_in_one_text() {
        check(&[(
            "From jane@example.com (+1 415-555-0132, card 4111 1111 1111 1111) at \
             203.0.113.9 with key sk-proj-AbCdEf0123456789AbCdEf0123456789 on 2026-11-18",
            "From [email] ([phone], card [card]) at [ip] with key [api-key] on 2026-11-18",
        )]);
    }

    /// Found by the property that masking twice changes nothing (tests/redact.rs).
    #[test]
    fn regression_masked_text_is_stable() {
        // A match starting inside another and reaching past it is merged, not dropped.
        check(&[("Bearer password=0000sk-::password=0", "Bearer [api-key]")]);
        // Colons around an IPv6 address make it no address, before and after masking.
        unchanged(&["0::::0é", "[ip]::[ip]"]);
        check(&[("password=[secret]", "password=[secret]")]);
        // A dotted quad longer than three digits must not overflow.
        unchanged(&["99999999999.1.1.1", "1.99999999999999999999.1.1"]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "@",
            "@@",
            ".@.",
            "+",
            "(",
            "((1",
            "(1",
            "::",
            ":::",
            "1::",
            "::.",
            "1.",
            "..1.2.3.4",
            "password:",
            "key=",
            "Bearer",
            "bearer ",
            "sk-",
            "é@é.é",
            "4111 ",
            "+1 (",
            "\u{0}\u{7f}\u{80}",
            "2001:db8::1.2.3.4.5",
            "::1.2.3",
        ] {
            let _ = redact(s);
        }
    }
}
