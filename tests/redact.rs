//! Properties of PII masking: no input makes it panic, an email or a card number placed
//! anywhere in arbitrary text never survives it, and masking masked text changes nothing. (Examples of what is and is not
//! masked are the unit tests in src/redact.rs.)
#![cfg(not(target_arch = "wasm32"))]

use std::borrow::Cow;

use proptest::prelude::*;
use tokenlens::redact;

/// Text made of the characters the scanners care about, so that near-misses (dotted
/// numbers, colons, `@`, separators, key prefixes) are common rather than astronomically
/// rare as in uniformly random strings.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[0-9]{1,5}",
        "[ .:@+()=#$/,_-]",
        "[a-fA-F]{1,4}",
        Just("::".to_string()),
        Just("sk-".to_string()),
        Just("AKIA".to_string()),
        Just("Bearer ".to_string()),
        Just("password=".to_string()),
        Just("api_key: \"".to_string()),
        Just("é".to_string()),
        Just("\\\"".to_string()),
        Just("\u{0}".to_string()),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// An address in the usual shapes: dotted local parts with `+tags`, sub-domains.
fn email() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_+-]{0,10}(\\.[a-z0-9_+-]{1,8})?@[a-z0-9]{1,10}(\\.[a-z0-9]{1,8}){0,2}\\.[a-z]{2,6}"
}

/// A Luhn-valid card number (13–19 digits, starting 2–6) and how it is written: as one
/// run, or in groups of four split by spaces or by dashes.
fn card() -> impl Strategy<Value = (String, String)> {
    (
        2u8..=6,
        proptest::collection::vec(0u8..=9, 11..=17),
        0usize..3,
    )
        .prop_map(|(first, body, style)| {
            let mut digits: Vec<u8> = std::iter::once(first).chain(body).collect();
            digits.push(luhn_check_digit(&digits));
            let plain: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            let written = match style {
                0 => plain.clone(),
                k => {
                    let sep = if k == 1 { " " } else { "-" };
                    let groups: Vec<&str> = plain
                        .as_bytes()
                        .chunks(4)
                        .map(|c| std::str::from_utf8(c).unwrap_or_default())
                        .collect();
                    groups.join(sep)
                }
            };
            (plain, written)
        })
}

/// The digit that makes `digits` + it pass the Luhn check.
fn luhn_check_digit(digits: &[u8]) -> u8 {
    // With the check digit appended, these digits sit at odd positions from the right
    // for the last one, so every second one from the end is doubled.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &d)| {
            let d = u32::from(d);
            if k % 2 == 0 {
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
    ((10 - sum % 10) % 10) as u8
}

#[test]
fn luhn_check_digit_of_known_numbers() {
    let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<u8>>();
    assert_eq!(luhn_check_digit(&digits("411111111111111")), 1);
    assert_eq!(luhn_check_digit(&digits("555555555555444")), 4);
    assert_eq!(luhn_check_digit(&digits("37828224631000")), 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let out = redact(&s);
        // Nothing found means the text itself comes back, without a copy.
        if let Cow::Borrowed(b) = out {
            prop_assert_eq!(b, s.as_str());
        }
    }

    #[test]
    fn tricky_strings_never_panic(s in tricky_text()) {
        let out = redact(&s);
        // Every placeholder is ASCII and the rest is copied: still valid UTF-8 by type,
        // and never longer than the input by more than the placeholders can add.
        prop_assert!(out.len() <= s.len() * 10 + 10);
    }

    #[test]
    fn an_email_never_survives(pre in any::<String>(), post in any::<String>(), e in email()) {
        let text = format!("{pre} {e} {post}");
        let out = redact(&text);
        prop_assert!(!out.contains(&e), "{:?} kept {:?}", out, e);
    }

    #[test]
    fn a_card_never_survives(
        pre in any::<String>(),
        post in any::<String>(),
        (plain, written) in card(),
    ) {
        let text = format!("{pre} | {written} | {post}");
        let out = redact(&text);
        prop_assert!(!out.contains(&written), "{:?} kept {:?}", out, written);
        prop_assert!(!out.contains(&plain), "{:?} kept the digits {:?}", out, plain);
    }

    #[test]
    fn tricky_text_around_an_email_or_card(
        pre in tricky_text(),
        post in tricky_text(),
        e in email(),
        (plain, written) in card(),
    ) {
        let text = format!("{pre} {e} | {written} | {post}");
        let out = redact(&text);
        prop_assert!(!out.contains(&e), "{:?} kept {:?}", out, e);
        prop_assert!(!out.contains(&written), "{:?} kept {:?}", out, written);
        prop_assert!(!out.contains(&plain), "{:?} kept the digits {:?}", out, plain);
    }

    /// Exports may mask text that drill-down already masked: the second pass must agree.
    #[test]
    fn masking_twice_changes_nothing(s in tricky_text()) {
        let once = redact(&s).into_owned();
        let twice = redact(&once);
        prop_assert_eq!(&once, &twice, "input {:?}", s);
    }
}
