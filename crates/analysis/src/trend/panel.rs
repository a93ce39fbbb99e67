//! The panel: which organisation of the current wave answered the previous one too, matched by
//! the id column (issue 14).
//!
//! A partitioned hash join on keyed hashes of the ids. Each wave's ids become 96-bit keys in one
//! pass over the ids, in order, each put with its row into one of 128 parts (at a million rows)
//! by the key's top bits; then each part of the previous wave becomes a small open-addressing
//! table (built in row order, which finds a repeated id on the way) and the same part of the
//! current wave is looked up in it. A part's rows and tables (some 8,000 rows a wave, under
//! 400 KB for both) stay in a core's cache, where one table of a million rows (8 MB) cost a miss
//! a look-up: the way before, a key array and a whole table a wave, took 37–50 ms on two cores
//! for two waves of a million against 27–33 ms now. Sorting both waves' keys and merging them
//! (the first way) cost twice as much again: a sort passes over the keys some twenty times.

use super::Responses;
use std::sync::atomic::{AtomicU32, Ordering};

/// Rows a part holds at most on average: its keys (16 bytes a row) and table (two slots of 4
/// bytes a row), for both waves, fit in a core's second level cache (2 MB here). Parts of
/// 2,000 or 16,000 rows measured the same.
const PART_ROWS: usize = 8192;

/// No row: a current respondent not in the previous wave (and an empty slot of a table).
pub(super) const NO_ROW: u32 = u32::MAX;

/// Two rows of one wave with the same organisation id: the panel pairs one row of each wave
/// per organisation, so such a file cannot be matched.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedId {
    /// In the previous wave (else the current one).
    pub previous_wave: bool,
    pub id: String,
    /// The two rows (0-based records) that share it: the first, and the first repeat.
    pub rows: (usize, usize),
}

/// An id as 96 bits of two hashes under keys drawn at random for each run (12 bytes a row):
/// equal ids give equal keys, and two different ids the same key with a chance of about 2⁻⁹⁶
/// per pair — for two waves of a million, about 10⁻¹⁷ — and an adversary choosing ids cannot
/// aim at it, nor crowd a part or a table's slots, not knowing the keys; so ids are compared by
/// their keys alone (a million random reads of the texts cost more than the whole match).
type IdKey = [u32; 3];

/// A row of a part: its id's key and its number.
#[derive(Clone, Copy)]
struct Keyed {
    key: IdKey,
    row: u32,
}

/// A wave's rows with an id, in `1 << bits` parts by their keys' top bits, each part in row order.
fn partition(r: &Responses, hashers: &[foldhash::quality::FixedState; 2], bits: u32) -> Vec<Vec<Keyed>> {
    use std::hash::BuildHasher;
    let parts = 1usize << bits;
    let Some(ids) = &r.ids else { return (0..parts).map(|_| Vec::new()).collect() };
    // Room for an eighth more than the average: keys are uniform, so at thousands of rows a part
    // fuller than that is many standard deviations above the mean (and simply grows).
    let room = ids.len() / parts + ids.len() / parts / 8 + 16;
    let mut out: Vec<Vec<Keyed>> = (0..parts).map(|_| Vec::with_capacity(room)).collect();
    for (row, id) in ids.iter().enumerate() {
        if id.is_empty() {
            continue;
        }
        let (high, low) = (hashers[0].hash_one(id), hashers[1].hash_one(id));
        let key = [(high >> 32) as u32, high as u32, low as u32];
        // The first word's top `bits` bits (none when `bits` is 0).
        let part = ((u64::from(key[0]) << bits) >> 32) as usize;
        out[part].push(Keyed { key, row: row as u32 });
    }
    out
}

/// A part's rows by key: open addressing over a power of two of at least twice the rows, a
/// slot the row's place in the part, a key's first slot given by its second word's top bits
/// (the first word's chose the part), taken onward. The slots are reused from part to part.
struct PartTable {
    slots: Vec<u32>,
    shift: u32,
}

impl PartTable {
    fn new() -> Self {
        PartTable { slots: Vec::new(), shift: 32 }
    }

    /// Empties the table for a part of `rows` rows.
    fn reset(&mut self, rows: usize) {
        let bits = (rows * 2).max(16).next_power_of_two().trailing_zeros();
        self.slots.clear();
        self.slots.resize(1 << bits, NO_ROW);
        self.shift = 32 - bits;
    }

    /// Puts `part[at]` in the table, or gives the place of the row already there with its key.
    fn insert(&mut self, part: &[Keyed], at: usize) -> Result<(), usize> {
        let key = &part[at].key;
        let mask = self.slots.len() - 1;
        let mut s = (key[1] >> self.shift) as usize;
        loop {
            match self.slots[s] {
                NO_ROW => {
                    self.slots[s] = at as u32;
                    return Ok(());
                }
                i if part[i as usize].key == *key => return Err(i as usize),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// The place in `part` (which the table was built of) of the row with `key`.
    fn find(&self, part: &[Keyed], key: &IdKey) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut s = (key[1] >> self.shift) as usize;
        loop {
            match self.slots[s] {
                NO_ROW => return None,
                i if part[i as usize].key == *key => return Some(i as usize),
                _ => s = (s + 1) & mask,
            }
        }
    }
}

/// A repeated id's rows in one wave: (first row, the repeat's row).
type Repeat = (usize, usize);

/// The one of two repeats whose second row comes first.
fn earlier(a: Option<Repeat>, b: Option<Repeat>) -> Option<Repeat> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.1 < a.1 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// One part of both waves: each current row's previous row into `previous_of`, and the first
/// repeat of each wave in this part (by its second row; the part is in row order, so the first
/// found is it). `tables` are reused from part to part.
fn match_part(
    old: &[Keyed],
    new: &[Keyed],
    tables: &mut [PartTable; 2],
    previous_of: &[AtomicU32],
) -> [Option<Repeat>; 2] {
    let [old_table, new_table] = tables;
    old_table.reset(old.len());
    for at in 0..old.len() {
        if let Err(first) = old_table.insert(old, at) {
            // The whole match is refused: the rest of this part need not be looked at.
            return [Some((old[first].row as usize, old[at].row as usize)), None];
        }
    }
    new_table.reset(new.len());
    for (at, k) in new.iter().enumerate() {
        if let Err(first) = new_table.insert(new, at) {
            return [None, Some((new[first].row as usize, k.row as usize))];
        }
        if let Some(i) = old_table.find(old, &k.key) {
            previous_of[k.row as usize].store(old[i].row, Ordering::Relaxed);
        }
    }
    [None, None]
}

/// The panel: for each current row, the previous row with the same id, or [`NO_ROW`]. A row
/// without an id is in no panel; a repeated id is refused (the previous wave's first).
pub(super) fn match_ids(previous: &Responses, current: &Responses) -> Result<Vec<u32>, RepeatedId> {
    let rows = previous.len().max(current.len());
    // Whole parts of about PART_ROWS rows, at most 4,096 of them.
    let bits = (rows / PART_ROWS).max(1).next_power_of_two().trailing_zeros().min(12);
    match_ids_in(previous, current, bits)
}

/// [`match_ids`] in `1 << bits` parts (the tests take several parts of a few rows).
pub(super) fn match_ids_in(previous: &Responses, current: &Responses, bits: u32) -> Result<Vec<u32>, RepeatedId> {
    if previous.len() >= NO_ROW as usize || current.len() >= NO_ROW as usize {
        return Ok(vec![NO_ROW; current.len()]); // rows are numbered in 32 bits; no file read holds more
    }
    let seeds = [crate::random_seed(), crate::random_seed()];
    let hashers = seeds.map(foldhash::quality::FixedState::with_seed);
    // Each wave on its own core: its keys, in parts.
    let [old_parts, new_parts]: [Vec<Vec<Keyed>>; 2] =
        super::in_parallel(&[previous, current], |r| partition(r, &hashers, bits))
            .try_into()
            .unwrap_or_else(|_| unreachable!("two waves"));
    // Then the parts dealt to the cores in turn, each core with its own two tables.
    let previous_of: Vec<AtomicU32> = (0..current.len()).map(|_| AtomicU32::new(NO_ROW)).collect();
    // No more threads than parts (a results page's few dozen answers make one part).
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(old_parts.len());
    let repeats = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (old_parts, new_parts, previous_of) = (&old_parts, &new_parts, &previous_of);
                s.spawn(move || {
                    let mut tables = [PartTable::new(), PartTable::new()];
                    let mut first = [None, None];
                    for p in (t..old_parts.len()).step_by(threads) {
                        let found = match_part(&old_parts[p], &new_parts[p], &mut tables, previous_of);
                        first = [earlier(first[0], found[0]), earlier(first[1], found[1])];
                    }
                    first
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a panel thread panicked"))
            .fold([None, None], |a, b| [earlier(a[0], b[0]), earlier(a[1], b[1])])
    });
    for (wave, repeat, previous_wave) in [(previous, repeats[0], true), (current, repeats[1], false)] {
        if let Some((first, second)) = repeat {
            let id = wave.ids.as_ref().map_or("", |ids| ids.get(first)).to_string();
            return Err(RepeatedId { previous_wave, id, rows: (first, second) });
        }
    }
    Ok(previous_of.into_iter().map(AtomicU32::into_inner).collect())
}

/// The panel as the counting passes read it.
pub(super) struct Pairing {
    /// Each current row's previous row, [`NO_ROW`] for none.
    pub previous_of: Vec<u32>,
    /// Whether each previous row is in the panel.
    pub in_panel_old: Vec<bool>,
    /// The previous rows not in the panel, ascending: a pass over the previous wave that
    /// counts the panel's rows with their current rows needs only these.
    pub old_only: Vec<u32>,
}

impl Pairing {
    pub fn new(previous_of: Vec<u32>, old_len: usize) -> Pairing {
        let mut in_panel_old = vec![false; old_len];
        previous_of.iter().filter(|&&i| i != NO_ROW).for_each(|&i| in_panel_old[i as usize] = true);
        let old_only = (0..old_len as u32).filter(|&i| !in_panel_old[i as usize]).collect();
        Pairing { previous_of, in_panel_old, old_only }
    }

    /// Each current row's previous row's value of `column` (`none` for a row not in the panel).
    pub fn previous_values<T: Copy>(&self, column: &[T], none: T) -> Vec<T> {
        self.previous_of.iter().map(|&i| if i == NO_ROW { none } else { column[i as usize] }).collect()
    }
}
