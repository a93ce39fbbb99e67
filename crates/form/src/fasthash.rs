//! FNV-1a hashing for short keys (question and choice names) on hot paths: a million-row import
//! looks up names tens of millions of times, where std's DoS-resistant SipHash costs several
//! times more. Keys here come from the form, not from attackers.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FnvBuild = BuildHasherDefault<Fnv>;
pub type FnvMap<K, V> = std::collections::HashMap<K, V, FnvBuild>;

/// A handful of short names (a question's choices) found by position: each name's length and
/// first eight bytes are compared before the whole text, so a lookup is a few integer
/// comparisons where a hash map would hash and a linear search would call memcmp.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    keys: Vec<(u64, usize)>,
    names: Vec<Box<str>>,
}

/// Eight bytes standing for the name among names of the same length: the first eight bytes,
/// or for shorter names their bytes read as overlapping halves (no copy, no loop).
#[inline]
fn prefix(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    } else if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        u64::from(lo) | (u64::from(hi) << 32)
    } else if n > 0 {
        u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16)
    } else {
        0
    }
}

impl NameIndex {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let names: Vec<Box<str>> = names.into_iter().map(Box::from).collect();
        NameIndex { keys: names.iter().map(|n| (prefix(n.as_bytes()), n.len())).collect(), names }
    }

    /// The position of `name`, if it is one of the names. Inlined: the import calls it for
    /// nearly every cell of a file, from another crate.
    #[inline(always)]
    pub fn position(&self, name: &str) -> Option<usize> {
        self.position_of_bytes(name.as_bytes())
    }

    /// [`position`](Self::position) for a name given as its UTF-8 bytes (a piece of a text
    /// split at an ASCII byte, say).
    #[inline(always)]
    pub fn position_of_bytes(&self, name: &[u8]) -> Option<usize> {
        let (p, len) = (prefix(name), name.len());
        for (i, &(kp, klen)) in self.keys.iter().enumerate() {
            if kp == p && klen == len && (len <= 8 || self.names[i].as_bytes() == name) {
                return Some(i);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_index_finds_exact_names_only() {
        let index = NameIndex::new(["done", "prep", "none", "a_very_long_choice_1", "a_very_long_choice_2", ""]);
        assert_eq!(index.position("prep"), Some(1));
        assert_eq!(index.position("a_very_long_choice_2"), Some(4));
        assert_eq!(index.position("a_very_long_choice_3"), None);
        assert_eq!(index.position("don"), None);
        assert_eq!(index.position("done "), None);
        assert_eq!(index.position(""), Some(5));
    }
}
