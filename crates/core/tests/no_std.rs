//! What the no_std core does by hand gives the same results as std: decimal exponents in
//! `parse_number` (std's `f64::powi`), and the stored entry's times (std's integer formatting).

use chat_token_core::{parse::parse_number, stored, Reason, Source, TokenInfo};

#[test]
fn decimal_exponents_match_std_powi_bit_for_bit() {
    for e in -400..=400 {
        for mantissa in [1.0, 3.7, 9.999_999] {
            let expected = mantissa * 10f64.powi(e);
            let got = parse_number(&format!("{mantissa}e{e}"));
            if expected.is_finite() {
                let got = got.unwrap_or_else(|| panic!("{mantissa}e{e}"));
                // parse_number builds the mantissa digit by digit, as before: compare the scaling.
                let m = parse_number(&format!("{mantissa}")).unwrap();
                assert_eq!(got.to_bits(), (m * 10f64.powi(e)).to_bits(), "{mantissa}e{e}");
            } else {
                assert_eq!(got, None, "{mantissa}e{e}");
            }
        }
    }
}

#[test]
fn stored_entries_write_times_in_decimal() {
    for (issued, expires) in [(0, 1), (9, 10), (1_700_000_000_000, 1_700_003_600_000), ((1 << 53) - 2, (1 << 53) - 1)] {
        let info = TokenInfo {
            token: "t".into(),
            expires_at: expires,
            refresh_at: issued,
            issued_at: issued,
            reason: Reason::Initial,
            source: Source::Network,
            refresh_token: None,
            ws_token: None,
        };
        let entry = stored::format(&stored::Stored::of(&info)).unwrap();
        assert_eq!(entry, format!("ctm1\n{issued}\n{expires}\nt\n\n"));
        let back = stored::parse(&entry).unwrap();
        assert_eq!((back.issued_at, back.expires_at), (issued, expires));
    }
}
