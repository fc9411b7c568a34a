//! The core's decoders as a line-oriented oracle for the JavaScript host's own decoders
//! (js/decode.mjs; tests/js/decode.test.mjs compares the two).
//!
//! Each stdin line is `<fn>\t<input>` (for `retry_after`: `<fn>\t<input>\t<now>`), the input
//! JSON-string-encoded so any character can pass. Each answer is one JSON line:
//! `{"ok":true,"value":…}` for a result, `null` for `None`, `{"ok":false,"err":"…"}` for a
//! `jwt_exp` error, `{"bad":"…"}` for a line this program cannot read.
//!
//! `printf 'number\t" 1.5e3 "\n' | cargo run -q -p chat-token-core --example decoders`

use chat_token_core::parse::{jwt_exp, parse_http_date, parse_number, parse_retry_after};
use chat_token_core::Token;
use std::io::{BufRead, Write};

/// Decodes one JSON string literal (the whole of `s`).
fn unquote(s: &str) -> Option<String> {
    let body = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    let hex4 = |chars: &mut std::str::Chars| -> Option<u32> {
        let h: String = chars.by_ref().take(4).collect();
        if h.len() != 4 {
            return None;
        }
        u32::from_str_radix(&h, 16).ok()
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => out.push(match chars.next()? {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let hi = hex4(&mut chars)?;
                    if (0xd800..0xdc00).contains(&hi) {
                        // A surrogate pair; a lone surrogate cannot be a Rust string.
                        if chars.next()? != '\\' || chars.next()? != 'u' {
                            return None;
                        }
                        let lo = hex4(&mut chars)?;
                        if !(0xdc00..0xe000).contains(&lo) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))?
                    } else {
                        char::from_u32(hi)?
                    }
                }
                _ => return None,
            }),
            c if (c as u32) < 0x20 => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `s` as a JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A finite f64 as a JSON number (`Debug` round-trips and never writes `e+`).
fn num(n: f64) -> String {
    assert!(n.is_finite());
    format!("{n:?}")
}

fn ok(value: String) -> String {
    format!("{{\"ok\":true,\"value\":{value}}}")
}

fn answer(line: &str) -> Result<String, &'static str> {
    let mut fields = line.split('\t');
    let (f, input) = (
        fields.next().ok_or("no function")?,
        fields.next().ok_or("no input")?,
    );
    let input = unquote(input).ok_or("the input is not a JSON string")?;
    let now = fields.next().map(str::parse::<u64>);
    if fields.next().is_some() {
        return Err("too many fields");
    }
    Ok(match f {
        // The core's `trim` is exactly `str::trim` (its own tests check every character).
        "trim" => format!(
            "{{\"ok\":true,\"value\":{},\"blank\":{}}}",
            quote(input.trim()),
            // `Token::is_blank`: the public face of the crate-private `trim`.
            input.is_blank()
        ),
        "number" => parse_number(&input).map_or("null".into(), |n| ok(num(n))),
        "jwt_exp" => match jwt_exp(&input) {
            Ok(Some(n)) => ok(num(n)),
            Ok(None) => "null".into(),
            Err(e) => format!("{{\"ok\":false,\"err\":{}}}", quote(&e.to_string())),
        },
        "http_date" => parse_http_date(&input).map_or("null".into(), |ms| ok(ms.to_string())),
        "retry_after" => {
            let now = now.ok_or("no now")?.map_err(|_| "now is not a u64")?;
            match parse_retry_after(&input, now) {
                Some(u64::MAX) => ok("\"max\"".into()),
                Some(ms) => ok(ms.to_string()),
                None => "null".into(),
            }
        }
        _ => return Err("unknown function"),
    })
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin is UTF-8");
        let reply = answer(&line).unwrap_or_else(|e| format!("{{\"bad\":{}}}", quote(e)));
        writeln!(out, "{reply}").expect("stdout");
    }
}
