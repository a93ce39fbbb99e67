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

/// A handful of short names (a question's choices) found by position. Each name stands for
/// its length and first eight bytes ([`prefix`]); those pairs go into a small table by a
/// multiplicative hash whose multiplier is searched for when the index is made until no two
/// names share a slot (a perfect hash), so a lookup is one multiplication, one table read and
/// one comparison that nearly always holds — no loop over the names, whose exit a branch
/// predictor cannot guess when answers vary from row to row (a random one of three choices:
/// 6.4 ns a lookup by the loop, 2.1 ns by the table). Names no table separates (two long names
/// alike in length and first eight bytes) and sets past 255 names are searched in turn.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    keys: Vec<(u64, usize)>,
    names: Vec<Box<str>>,
    /// Slot → place + 1 (0: no name); empty when the names are searched in turn.
    table: Vec<u8>,
    multiplier: u64,
    shift: u32,
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

/// A name's prefix and length as one word for the table's hash.
#[inline(always)]
fn mixed(p: u64, len: usize) -> u64 {
    p ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl NameIndex {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let names: Vec<Box<str>> = names.into_iter().map(Box::from).collect();
        let keys: Vec<(u64, usize)> = names.iter().map(|n| (prefix(n.as_bytes()), n.len())).collect();
        let (table, multiplier, shift) = perfect_table(&keys).unwrap_or_default();
        NameIndex { keys, names, table, multiplier, shift }
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
        if !self.table.is_empty() {
            let slot = (mixed(p, len).wrapping_mul(self.multiplier) >> self.shift) as usize;
            let i = usize::from(*self.table.get(slot)?).checked_sub(1)?;
            return (self.keys[i] == (p, len) && (len <= 8 || self.names[i].as_bytes() == name)).then_some(i);
        }
        for (i, &(kp, klen)) in self.keys.iter().enumerate() {
            if kp == p && klen == len && (len <= 8 || self.names[i].as_bytes() == name) {
                return Some(i);
            }
        }
        None
    }
}

/// A table giving each key its own slot (`None` when no multiplier tried does, or past 255
/// keys): from twice as many slots as keys up to 4,096, 64 multipliers each.
fn perfect_table(keys: &[(u64, usize)]) -> Option<(Vec<u8>, u64, u32)> {
    if keys.is_empty() || keys.len() > usize::from(u8::MAX) {
        return None;
    }
    // Two keys alike share a slot whatever the multiplier: no table to look for.
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let fewest = keys.len().next_power_of_two().trailing_zeros() + 1;
    for bits in fewest..=12 {
        let shift = 64 - bits;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut table = vec![0u8; 1 << bits];
        for _ in 0..64 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let multiplier = state | 1;
            table.fill(0);
            let separated = keys.iter().enumerate().all(|(i, &(p, len))| {
                let slot = &mut table[(mixed(p, len).wrapping_mul(multiplier) >> shift) as usize];
                let free = *slot == 0;
                *slot = (i + 1) as u8;
                free
            });
            if separated {
                return Some((table, multiplier, shift));
            }
        }
    }
    None
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

    /// Every name found at its place and nothing else found, by the table and by the search
    /// alike: random sets of short, long and empty names, some long ones alike in their first
    /// eight bytes and length (which the table cannot separate), against a plain search.
    #[test]
    fn name_index_agrees_with_a_plain_search() {
        let mut state = 7u64;
        let mut below = |n: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        let alphabet: Vec<char> = "abcdeyz_01い".chars().collect();
        let (mut by_table, mut by_search) = (0, 0);
        for _ in 0..2000 {
            let count = 1 + below(12) as usize;
            let mut names: Vec<String> = Vec::new();
            while names.len() < count {
                let name: String = if below(4) == 0 && !names.is_empty() {
                    // A long name like another in its first eight bytes and length.
                    let base = names[below(names.len() as u64) as usize].clone();
                    let mut v: Vec<char> = format!("{base}________x").chars().collect();
                    let last = v.len() - 1;
                    v[last] = alphabet[below(alphabet.len() as u64) as usize];
                    v.into_iter().collect()
                } else {
                    (0..below(12)).map(|_| alphabet[below(alphabet.len() as u64) as usize]).collect()
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let index = NameIndex::new(names.iter().map(String::as_str));
            if index.table.is_empty() {
                by_search += 1
            } else {
                by_table += 1
            }
            for (i, n) in names.iter().enumerate() {
                assert_eq!(index.position(n), Some(i), "{n:?} in {names:?}");
            }
            for _ in 0..20 {
                let probe: String = (0..below(14)).map(|_| alphabet[below(alphabet.len() as u64) as usize]).collect();
                assert_eq!(index.position(&probe), names.iter().position(|n| *n == probe), "{probe:?} in {names:?}");
                let mut near = names[below(names.len() as u64) as usize].clone();
                near.push('a');
                assert_eq!(index.position(&near), names.iter().position(|n| *n == near), "{near:?} in {names:?}");
            }
        }
        // Both ways were exercised.
        assert!(by_table > 1000 && by_search > 0, "{by_table} by table, {by_search} by search");
    }

    #[test]
    fn many_names_are_searched_in_turn() {
        let names: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
        let index = NameIndex::new(names.iter().map(String::as_str));
        assert!(index.table.is_empty());
        assert_eq!(index.position("c299"), Some(299));
        assert_eq!(index.position("c300"), None);
        let few = NameIndex::new(["yes", "no"]);
        assert!(!few.table.is_empty());
        assert_eq!((few.position("no"), few.position("yes"), few.position("n")), (Some(1), Some(0), None));
        assert_eq!(NameIndex::default().position(""), None);
    }
}
