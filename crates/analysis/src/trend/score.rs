//! Each respondent's readiness score in a wave: the mean credit of its answers to the scored
//! select_one items (those whose every choice has a score), none for one who answered none.
//!
//! Credits are nearly always whole numbers of a small unit (0, ½ and 1 in the 2024
//! questionnaire), so a score is a number of units over a number of answers: [`coded`] sums
//! both for each row in one integer and codes the score by that pair — no division, no float
//! and no hash a row, where [`values`] (any credits) works each score out as a float to be
//! coded afterwards.

use super::Wave;
use super::numbers::Coded;
use mamori_dataset::Column;
use mamori_form::QuestionType;
use std::collections::HashMap;

/// Rows summed at a time: a block's sums stay in the cache while column after column is added
/// (sums for all rows, added to column after column, made the score wait on memory).
const BLOCK: usize = 4096;

/// Each scored question's raw codes with the credit of each choice (`credit[c - 1]` for code
/// `c`); `None` for a form without scored items.
fn scored_columns<'w>(w: &Wave<'w>) -> Option<Vec<(&'w [u16], Vec<f64>)>> {
    let scored: Vec<(usize, Vec<f64>)> = w
        .form
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind == QuestionType::SelectOne && !q.choices.is_empty())
        .filter_map(|(i, q)| Some((i, q.choices.iter().map(|c| c.score).collect::<Option<Vec<f64>>>()?)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let columns = scored.into_iter().filter_map(|(q, credit)| match &w.responses.columns[q] {
        Column::Choice(codes) => Some((&codes[..], credit)),
        _ => None,
    });
    Some(columns.collect())
}

/// One or two scored columns and what each code (or pair of codes: the second's in the low
/// `shift` bits) adds to a row's key.
struct Adds<'w> {
    columns: Vec<&'w [u16]>,
    shift: u32,
    add: Vec<u32>,
}

/// Units a credit may be counted in, tried in turn.
const UNITS: [f64; 12] = [1.0, 2.0, 4.0, 8.0, 3.0, 5.0, 6.0, 10.0, 12.0, 20.0, 100.0, 1000.0];

/// The scores coded by their distinct values, when every credit is a whole number of one of
/// [`UNITS`] from 0 to 65,535 units and the sums stay small; `None` otherwise (and for a form
/// without scored items): [`values`] then.
pub(super) fn coded(w: &Wave) -> Option<Coded> {
    let columns = scored_columns(w)?;
    let whole = |unit: f64| {
        columns.iter().flat_map(|(_, credit)| credit).all(|&c| {
            let units = c * unit;
            (0.0..65_536.0).contains(&units) && units == units.round()
        })
    };
    let unit = UNITS.into_iter().find(|&u| whole(u))?;
    if columns.len() > 255 {
        return None; // the answers are counted in a row's lowest eight bits
    }
    let most: f64 = columns.iter().map(|(_, credit)| credit.iter().fold(0.0, |m: f64, &c| m.max(c * unit))).sum();
    if most >= f64::from(1u32 << 14) {
        return None; // keys (units × 256 + answers) past 4 million: not worth a table
    }
    // What each raw code adds to a row's key: its units above the lowest eight bits and one
    // answer in them; 0 (no answer) adds nothing.
    let adds: Vec<(&[u16], Vec<u32>)> = columns
        .iter()
        .map(|(codes, credit)| {
            let add = std::iter::once(0).chain(credit.iter().map(|&c| (((c * unit) as u32) << 8) | 1));
            (*codes, add.collect())
        })
        .collect();
    // Two columns at a time, through one table of what each pair of codes adds (half the
    // lookups a row): the second column's codes in the low `shift` bits of the index.
    let pairs: Vec<Adds> = adds
        .chunks(2)
        .map(|two| match two {
            [(a, add_a), (b, add_b)] => {
                let shift = add_b.len().next_power_of_two().trailing_zeros();
                let mut add = vec![0; add_a.len() << shift];
                for (x, &from_a) in add_a.iter().enumerate() {
                    for (y, &from_b) in add_b.iter().enumerate() {
                        add[(x << shift) | y] = from_a + from_b;
                    }
                }
                Adds { columns: vec![*a, *b], shift, add }
            }
            [(a, add_a)] => Adds { columns: vec![*a], shift: 0, add: add_a.clone() },
            _ => unreachable!("chunks of one or two"),
        })
        .collect();
    let n = w.responses.len();
    let mut codes = Vec::with_capacity(n);
    let mut values = Vec::new();
    // Key → code (0: not met yet); equal scores from different keys (2 of 4, 1 of 2) share
    // their value's code.
    let mut code_of = vec![0u16; ((most as usize) << 8) + 256];
    let mut code_of_value: HashMap<u64, u16> = HashMap::new();
    let mut keys = [0u32; BLOCK];
    for start in (0..n).step_by(BLOCK) {
        let rows = start..(start + BLOCK).min(n);
        let keys = &mut keys[..rows.len()];
        keys.fill(0);
        for Adds { columns, shift, add } in &pairs {
            let first = &columns[0][rows.clone()];
            match columns.get(1) {
                Some(second) => {
                    for ((&a, &b), k) in first.iter().zip(&second[rows.clone()]).zip(keys.iter_mut()) {
                        *k += add[(usize::from(a) << shift) | usize::from(b)];
                    }
                }
                None => first.iter().zip(keys.iter_mut()).for_each(|(&a, k)| *k += add[usize::from(a)]),
            }
        }
        for &key in keys.iter() {
            if key & 0xff == 0 {
                codes.push(0);
                continue;
            }
            let code = &mut code_of[key as usize];
            if *code == 0 {
                let value = f64::from(key >> 8) / unit / f64::from(key & 0xff);
                if values.len() == usize::from(u16::MAX) && !code_of_value.contains_key(&value.to_bits()) {
                    return None; // more scores than codes: the float way
                }
                *code = *code_of_value.entry(value.to_bits()).or_insert_with(|| {
                    values.push(value);
                    values.len() as u16
                });
            }
            codes.push(*code);
        }
    }
    Some(Coded { codes, values })
}

/// Each respondent's score as a float (NaN for none); `None` for a form without scored items.
pub(super) fn values(w: &Wave) -> Option<Vec<f64>> {
    let columns: Vec<(&[u16], Vec<f64>, Vec<u32>)> = scored_columns(w)?
        .into_iter()
        .map(|(codes, credit)| {
            // Indexed by the raw code, 0 (no answer) adding nothing: no branch a row.
            let answered = (0..=credit.len()).map(|c| u32::from(c > 0)).collect();
            (codes, std::iter::once(0.0).chain(credit).collect(), answered)
        })
        .collect();
    let n = w.responses.len();
    let mut out = Vec::with_capacity(n);
    let (mut sum, mut count) = ([0.0f64; BLOCK], [0u32; BLOCK]);
    for start in (0..n).step_by(BLOCK) {
        let rows = start..(start + BLOCK).min(n);
        let (sum, count) = (&mut sum[..rows.len()], &mut count[..rows.len()]);
        sum.fill(0.0);
        count.fill(0);
        for (codes, credit, answered) in &columns {
            for ((&c, s), k) in codes[rows.clone()].iter().zip(sum.iter_mut()).zip(count.iter_mut()) {
                *s += credit[usize::from(c)];
                *k += answered[usize::from(c)];
            }
        }
        out.extend(sum.iter().zip(count.iter()).map(|(&s, &k)| if k > 0 { s / f64::from(k) } else { f64::NAN }));
    }
    Some(out)
}
