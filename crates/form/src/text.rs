//! Small text helpers on the import's hot path.

/// `str::trim`, without its general search when neither end is white space: both ends visible
/// ASCII (most answers), or their first and last characters decoded and found not to be white
/// space (Japanese text). A million-row import trims every cell.
#[inline(always)]
pub fn trim(s: &str) -> &str {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (None, _) | (_, None) => s,
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ if !edge_is_space(s.chars().next()) && !edge_is_space(s.chars().next_back()) => s,
        _ => s.trim(),
    }
}

#[inline(always)]
fn edge_is_space(c: Option<char>) -> bool {
    c.is_some_and(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_as_the_standard_library_does() {
        let samples = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}会社\u{3000}",
            "会社",
            "デモ医科工業",
            "株式会社 ",
            "\u{a0}x",
            "x\u{85}",
            "\t\r\n",
            "é",
            "\u{2029}",
            "a\u{202f}",
            "\u{1}a",
            "ok\u{7f}",
        ];
        for s in samples {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_trims_as_str_trim(s in "[ a\u{3000}デ\u{a0}\t\u{85}\u{2028}é]{0,6}") {
            proptest::prop_assert_eq!(trim(&s), s.trim());
        }
    }
}
