//! Labels cut to a format's limit at a character boundary (never inside a UTF-8 sequence);
//! the codebook keeps them whole.

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
pub fn cut_bytes(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// At most `max_chars` characters and `max_bytes` bytes.
pub fn cut_chars(text: &str, max_chars: usize, max_bytes: usize) -> &str {
    let by_chars = text.char_indices().nth(max_chars).map_or(text, |(i, _)| &text[..i]);
    cut_bytes(by_chars, max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_is_cut_between_characters() {
        let label = "製造販売中の製品".repeat(10); // 240 bytes
        let cut = cut_bytes(&label, 120);
        assert_eq!(cut.len(), 120);
        assert_eq!(cut.chars().count(), 40);
        assert_eq!(cut_bytes(&label, 121).len(), 120, "never half a character");
        assert_eq!(cut_chars(&label, 80, 320).chars().count(), 80);
        assert_eq!(cut_bytes("short", 120), "short");
    }
}
