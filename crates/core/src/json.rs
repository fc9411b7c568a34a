//! A tiny JSON scanner: finds one field of a top-level object without building a tree.
//!
//! Used for JWT payloads, where the only field the SDK needs is `exp`. It validates the
//! top-level object's shape, skips nested values iteratively (no recursion, so hostile
//! nesting cannot overflow the stack) and never panics.

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn bump(&mut self) -> Result<u8, ()> {
        let c = *self.s.get(self.i).ok_or(())?;
        self.i += 1;
        Ok(c)
    }

    fn expect(&mut self, c: u8) -> Result<(), ()> {
        if self.bump()? == c {
            Ok(())
        } else {
            Err(())
        }
    }

    /// A string's raw bytes between the quotes (escapes left as they are).
    fn string(&mut self) -> Result<&'a [u8], ()> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            match self.bump()? {
                b'"' => return Ok(&self.s[start..self.i - 1]),
                b'\\' => {
                    self.bump()?;
                }
                _ => {}
            }
        }
    }

    /// Skips one value: a string, a scalar, or a whole nested object/array.
    fn skip_value(&mut self) -> Result<(), ()> {
        let mut depth = 0usize;
        loop {
            match *self.s.get(self.i).ok_or(())? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    self.i += 1;
                }
                c if depth > 0 => {
                    let _ = c;
                    self.i += 1;
                }
                c if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.') => {
                    let start = self.i;
                    while matches!(self.s.get(self.i), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.')) {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(());
                    }
                }
                _ => return Err(()),
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }
}

/// The raw bytes of the value of `key` in the top-level JSON object `s` (first occurrence).
///
/// `Err(())` when `s` is not a JSON object; `Ok(None)` when the key is absent.
pub fn top_level_field<'a>(s: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>, ()> {
    let mut p = Scanner { s, i: 0 };
    p.ws();
    p.expect(b'{')?;
    p.ws();
    let mut found = None;
    if p.s.get(p.i) == Some(&b'}') {
        p.i += 1;
    } else {
        loop {
            p.ws();
            let k = p.string()?;
            p.ws();
            p.expect(b':')?;
            p.ws();
            let start = p.i;
            p.skip_value()?;
            if found.is_none() && k == key {
                found = Some(&s[start..p.i]);
            }
            p.ws();
            match p.bump()? {
                b',' => {}
                b'}' => break,
                _ => return Err(()),
            }
        }
    }
    p.ws();
    if p.i == s.len() {
        Ok(found)
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::top_level_field;

    #[test]
    fn finds_top_level_exp_and_skips_nested_ones() {
        let json = br#"{"sub":"u1","nested":{"exp":1},"list":[{"exp":2},"]"],"exp":1700000000}"#;
        assert_eq!(top_level_field(json, b"exp"), Ok(Some(&b"1700000000"[..])));
    }

    #[test]
    fn absent_key_and_non_objects() {
        assert_eq!(top_level_field(br#"{"sub":"x"}"#, b"exp"), Ok(None));
        assert_eq!(top_level_field(b" {} ", b"exp"), Ok(None));
        assert_eq!(top_level_field(b"[1]", b"exp"), Err(()));
        assert_eq!(top_level_field(br#"{"exp":1"#, b"exp"), Err(()));
        assert_eq!(top_level_field(br#"{"exp":1} x"#, b"exp"), Err(()));
        assert_eq!(top_level_field(b"", b"exp"), Err(()));
    }

    #[test]
    fn string_escapes_do_not_end_strings() {
        let json = br#"{"a":"x\"}","exp":"5"}"#;
        assert_eq!(top_level_field(json, b"exp"), Ok(Some(&br#""5""#[..])));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut json = b"{\"a\":".to_vec();
        json.extend(core::iter::repeat(b'[').take(1_000_000));
        json.extend(core::iter::repeat(b']').take(1_000_000));
        json.extend(b",\"exp\":3}");
        assert_eq!(top_level_field(&json, b"exp"), Ok(Some(&b"3"[..])));
    }
}
