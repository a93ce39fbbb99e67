//! Disclosure control for published results: a count between 1 and `min_cell` − 1 could point
//! at a few companies, so it is withheld, and so is a second cell of the same row when one
//! withheld cell could be worked out from the row's total (complementary suppression), and a
//! third when the withheld cells could only be ones (zeros are shown, so an attacker knows a
//! withheld count is at least 1).
//!
//! Across segments, subtraction is the attack: overall figures less the shown segments' give
//! the figures of the respondents in no shown segment (the "residual"). [`Rules::segments`]
//! withholds more segments until every residual count is 0 or at least `min_cell`, so what can
//! be worked out is never about fewer than `min_cell` companies; a segment's row of a table is
//! shown only when none of its cells is small, so no cell of it can be worked out from the
//! column totals either.

#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub publish: bool,
    pub min_cell: u64,
}

impl Rules {
    /// Counts of one row (choices of one question, for one segment) as they may be shown.
    pub fn row(&self, counts: &[u64]) -> Vec<Option<u64>> {
        if !self.publish {
            return counts.iter().map(|&c| Some(c)).collect();
        }
        let mut shown: Vec<Option<u64>> = counts.iter().map(|&c| (c == 0 || c >= self.min_cell).then_some(c)).collect();
        loop {
            let withheld: Vec<usize> = (0..counts.len()).filter(|&i| shown[i].is_none()).collect();
            // One withheld count equals the total less the others; withheld counts that add up
            // to their number are all ones. Either way withhold the next smallest non-zero count.
            let sum: u64 = withheld.iter().map(|&i| counts[i]).sum();
            if withheld.is_empty() || (withheld.len() > 1 && sum > withheld.len() as u64) {
                break;
            }
            let next = (0..counts.len()).filter(|&i| shown[i].is_some() && counts[i] > 0).min_by_key(|&i| counts[i]);
            match next {
                Some(i) => shown[i] = None,
                None => break,
            }
        }
        shown
    }

    /// True when a row of counts can be shown whole: every count 0 or at least `min_cell`.
    pub fn whole_row(&self, counts: &[u64]) -> bool {
        !self.publish || counts.iter().all(|&c| c == 0 || c >= self.min_cell)
    }

    /// Which segments may show an additive figure, given `shown` (those that may, as far as
    /// they alone go) and, for each count the figure rests on, the count in each segment and
    /// overall. The overall less the shown segments is the residual anyone can work out; while
    /// some residual count is between 1 and `min_cell` − 1, the shown segment with the smallest
    /// count is withheld too.
    pub fn segments(&self, shown: &[bool], counts: &[(&[u64], u64)]) -> Vec<bool> {
        let mut shown = shown.to_vec();
        if !self.publish {
            return shown;
        }
        let small = |c: u64| c > 0 && c < self.min_cell;
        loop {
            let leaks = counts.iter().any(|(per_segment, total)| {
                let visible: u64 = per_segment.iter().zip(&shown).filter(|(_, s)| **s).map(|(c, _)| c).sum();
                small(total.saturating_sub(visible))
            });
            if !leaks {
                return shown;
            }
            let first = counts.first().map(|(c, _)| *c).unwrap_or(&[]);
            let next = (0..shown.len())
                .filter(|&k| shown[k] && first.get(k).copied().unwrap_or(0) > 0)
                .min_by_key(|&k| first.get(k).copied().unwrap_or(0));
            match next.or_else(|| (0..shown.len()).find(|&k| shown[k])) {
                Some(k) => shown[k] = false,
                None => return shown,
            }
        }
    }

    /// A single count (a total or a segment size).
    pub fn one(&self, count: u64) -> Option<u64> {
        (!self.publish || count == 0 || count >= self.min_cell).then_some(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_and_their_complement_are_withheld_when_published() {
        let rules = Rules { publish: true, min_cell: 5 };
        assert_eq!(rules.row(&[40, 3, 10, 0]), vec![Some(40), None, None, Some(0)]);
        assert_eq!(rules.row(&[40, 3, 2, 10]), vec![Some(40), None, None, Some(10)]);
        assert_eq!(rules.row(&[40, 5, 10]), vec![Some(40), Some(5), Some(10)]);
        // Two withheld ones would be known to be ones: a third is withheld.
        assert_eq!(rules.row(&[40, 1, 1, 10]), vec![Some(40), None, None, None]);
        // Overall 11, segments 10 and 1: the one company's segment is withheld, and so is the
        // other, since overall less it would give the one company away.
        assert_eq!(rules.segments(&[true, false], &[(&[10, 1], 11)]), vec![false, false]);
        assert_eq!(rules.segments(&[true, true, false], &[(&[10, 8, 2], 20)]), vec![true, false, false]);
        let analyst = Rules { publish: false, min_cell: 5 };
        assert_eq!(analyst.row(&[1, 2]), vec![Some(1), Some(2)]);
    }
}
