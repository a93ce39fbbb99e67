//! The panel: which organisation of the current wave answered the previous one too, matched by
//! the id column (issue 14).
//!
//! A hash join on keyed hashes of the ids. Each wave's ids become 128-bit keys (one pass over
//! the ids, in order); each wave's keys go into an open-addressing table of row numbers built in
//! row order, which finds a repeated id on the way; the current rows are then looked up in the
//! previous wave's table. Sorting both waves' keys and merging them (the first way) cost twice
//! as much on a million rows: a sort passes over the keys some twenty times, a table once.

use super::Responses;

/// Rows a core looks up at a time ([`match_ids`]).
const PROBE_BLOCK: usize = 8192;

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

/// An id as 96 bits of two hashes under keys drawn at random for each run (12 bytes, not 16: a
/// million keys are 4 MB of fresh memory less): equal ids give equal keys, and two different
/// ids the same key with a chance of about 2⁻⁹⁵ per pair — for two waves of a million, about
/// 10⁻¹⁷ — and an adversary choosing ids cannot aim at it, nor crowd a table's slots, not
/// knowing the keys; so ids are compared by their keys alone (a million random reads of the
/// texts cost more than the whole match). The first word's lowest bit is set for every id, so
/// that [`NO_ID`] stands for a row without one.
type IdKey = [u32; 3];

const NO_ID: IdKey = [0; 3];

/// Each row's key, [`NO_ID`] for a row without an id.
fn row_keys(r: &Responses, keys: &[foldhash::quality::FixedState; 2]) -> Vec<IdKey> {
    use std::hash::BuildHasher;
    match &r.ids {
        None => vec![NO_ID; r.len()],
        Some(ids) => ids
            .iter()
            .map(|id| {
                if id.is_empty() {
                    return NO_ID;
                }
                let (high, low) = (keys[0].hash_one(id), keys[1].hash_one(id));
                [(high >> 32) as u32, high as u32 | 1, low as u32]
            })
            .collect(),
    }
}

/// A wave's rows by key: open addressing over a power of two of at least twice the rows, a slot
/// a row number, a key's first slot given by its top bits (keys are uniform), taken onward.
struct RowsByKey {
    slots: Vec<u32>,
    shift: u32,
}

impl RowsByKey {
    /// The table of `keys`' rows, or the repeat whose second row comes first, with its first
    /// row: rows go in in order, and the first key found already there is that repeat.
    fn build(keys: &[IdKey]) -> Result<RowsByKey, (usize, usize)> {
        let bits = (keys.len() * 2).max(16).next_power_of_two().trailing_zeros();
        let mut table = RowsByKey { slots: vec![NO_ROW; 1 << bits], shift: 64 - bits };
        let mask = table.slots.len() - 1;
        for (row, key) in keys.iter().enumerate().filter(|(_, k)| **k != NO_ID) {
            let mut s = table.first_slot(key);
            loop {
                match table.slots[s] {
                    NO_ROW => {
                        table.slots[s] = row as u32;
                        break;
                    }
                    r if keys[r as usize] == *key => return Err((r as usize, row)),
                    _ => s = (s + 1) & mask,
                }
            }
        }
        Ok(table)
    }

    fn first_slot(&self, key: &IdKey) -> usize {
        (((u64::from(key[0]) << 32) | u64::from(key[1])) >> self.shift) as usize
    }

    /// The row with `key` ([`NO_ROW`] for none), `keys` being the keys the table was built of.
    fn find(&self, keys: &[IdKey], key: &IdKey) -> u32 {
        if *key == NO_ID {
            return NO_ROW;
        }
        let mask = self.slots.len() - 1;
        let mut s = self.first_slot(key);
        loop {
            match self.slots[s] {
                NO_ROW => return NO_ROW,
                r if keys[r as usize] == *key => return r,
                _ => s = (s + 1) & mask,
            }
        }
    }
}

/// The panel: for each current row, the previous row with the same id, or [`NO_ROW`]. A row
/// without an id is in no panel; a repeated id is refused (the previous wave's first).
pub(super) fn match_ids(previous: &Responses, current: &Responses) -> Result<Vec<u32>, RepeatedId> {
    if previous.len() >= NO_ROW as usize || current.len() >= NO_ROW as usize {
        return Ok(vec![NO_ROW; current.len()]); // rows are numbered in 32 bits; no file read holds more
    }
    let seeds = [crate::random_seed(), crate::random_seed()];
    let hashers = seeds.map(foldhash::quality::FixedState::with_seed);
    // Each wave on its own core: its keys, then its table.
    let [(old_keys, old_table), (new_keys, new_table)]: [(Vec<IdKey>, _); 2] =
        super::in_parallel(&[previous, current], |r| {
            let keys = row_keys(r, &hashers);
            let table = RowsByKey::build(&keys);
            (keys, table)
        })
        .try_into()
        .unwrap_or_else(|_| unreachable!("two waves"));
    for (wave, table, previous_wave) in [(previous, &old_table, true), (current, &new_table, false)] {
        if let Err((first, second)) = table {
            let id = wave.ids.as_ref().map_or("", |ids| ids.get(*first)).to_string();
            return Err(RepeatedId { previous_wave, id, rows: (*first, *second) });
        }
    }
    let Ok(old_table) = old_table else { unreachable!("checked above") };
    drop(new_table);
    // The current rows looked up in the previous wave's table, blocks of rows dealt to the
    // cores in turn: keys put in late went further from their first slots (the table was
    // fuller), so where the current rows come in the previous wave's order, the second half of
    // them took twice as long as the first.
    let mut previous_of = vec![NO_ROW; current.len()];
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut shares: Vec<Vec<(&mut [u32], &[IdKey])>> = (0..threads).map(|_| Vec::new()).collect();
    for (b, block) in previous_of.chunks_mut(PROBE_BLOCK).zip(new_keys.chunks(PROBE_BLOCK)).enumerate() {
        shares[b % threads].push(block);
    }
    std::thread::scope(|s| {
        for share in shares {
            let (old_table, old_keys) = (&old_table, &old_keys);
            s.spawn(move || {
                for (out, keys) in share {
                    out.iter_mut().zip(keys).for_each(|(o, k)| *o = old_table.find(old_keys, k));
                }
            });
        }
    });
    Ok(previous_of)
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
