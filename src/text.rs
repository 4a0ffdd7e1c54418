//! Text from strangers, made safe to print: control characters that a terminal would act on
//! (escape sequences that move the cursor, clear the screen or retitle the window; carriage
//! returns that overwrite a line; bidirectional overrides that reorder what is shown) are
//! written as visible escapes, `\u{1b}`.
//!
//! Every message entente prints on stderr passes through [`printable`]; scenario files may
//! not hold such characters in their text at all (the parser refuses them, naming the field).

use std::borrow::Cow;

/// Whether `c` is a character a terminal acts on rather than shows: C0 controls except tab
/// and newline, DEL, C1 controls, and the Unicode bidirectional formatting characters
/// (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
pub fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [`is_hidden_control`] character written as `\u{HEX}`; borrowed when
/// there is none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert!(matches!(printable("USA-CHN\tok\n"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\ry\u{7f}\u{9b}"), "x\\u{d}y\\u{7f}\\u{9b}");
        assert_eq!(printable("\u{202e}cba"), "\\u{202e}cba");
        assert_eq!(printable("\u{7}\u{0}"), "\\u{7}\\u{0}");
        // Letters of any script stay as they are.
        assert_eq!(printable("Россия 中国 é"), "Россия 中国 é");
    }
}
