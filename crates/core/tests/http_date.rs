//! The core's HTTP-date parser (no_std, no `httpdate`) accepts exactly what the `httpdate`
//! crate accepts and returns the same instant: all three formats, wrong weekdays, impossible
//! days, two-digit years, whitespace, and random corruptions of valid dates.

use chat_token_core::parse::parse_http_date;
use proptest::prelude::*;
use std::time::UNIX_EPOCH;

fn reference(s: &str) -> Option<u64> {
    let t = httpdate::parse_http_date(s.trim()).ok()?;
    u64::try_from(t.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()
}

const WDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn formats(w: usize, d: u32, m: usize, y: u32, hh: u32, mm: u32, ss: u32) -> [String; 3] {
    let (wd, mo) = (WDAYS[w], MONTHS[m]);
    [
        format!("{}, {d:02} {mo} {y:04} {hh:02}:{mm:02}:{ss:02} GMT", &wd[..3]),
        format!("{wd}, {d:02}-{mo}-{:02} {hh:02}:{mm:02}:{ss:02} GMT", y % 100),
        format!("{} {mo} {d:>2} {hh:02}:{mm:02}:{ss:02} {y:04}", &wd[..3]),
    ]
}

#[test]
fn known_dates_in_all_three_formats() {
    for s in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "  Sun, 06 Nov 1994 08:49:37 GMT \t"] {
        assert_eq!(parse_http_date(s), Some(784_111_777_000), "{s:?}");
    }
    for s in ["Mon, 06 Nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT", "Thu, 01 Jan 1970 00:00:00 UTC", "", "1994"] {
        assert_eq!(parse_http_date(s), None, "{s:?}");
    }
    assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), reference("Fri, 31 Dec 9999 23:59:59 GMT"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn agrees_with_httpdate(w in 0usize..7, d in 0u32..33, m in 0usize..12, y in 1960u32..10_001, hh in 0u32..25, mm in 0u32..61, ss in 0u32..61, f in 0usize..3) {
        let s = &formats(w, d, m, y, hh, mm, ss)[f];
        prop_assert_eq!(parse_http_date(s), reference(s), "{:?}", s);
    }

    #[test]
    fn agrees_with_httpdate_on_corrupted_dates(w in 0usize..7, d in 1u32..29, m in 0usize..12, y in 1970u32..2100, f in 0usize..3, at in 0usize..40, c in proptest::char::any()) {
        let mut s = formats(w, d, m, y, 12, 30, 45)[f].clone();
        if at < s.len() && s.is_char_boundary(at) {
            s.replace_range(at..at + 1, &c.to_string());
        }
        prop_assert_eq!(parse_http_date(&s), reference(&s), "{:?}", s);
    }

    #[test]
    fn agrees_with_httpdate_on_any_string(s in "\\PC{0,40}") {
        prop_assert_eq!(parse_http_date(&s), reference(&s));
    }
}
