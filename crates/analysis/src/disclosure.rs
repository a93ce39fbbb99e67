//! Disclosure control for published results: a count between 1 and `min_cell` − 1 could point
//! at a few companies, so it is withheld, and so is a second cell of the same row when one
//! withheld cell could be worked out from the row's total (complementary suppression).

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
        if shown.iter().filter(|c| c.is_none()).count() == 1 {
            // The one withheld count equals the total less the others; withhold the next
            // smallest non-zero count too.
            let next = (0..counts.len()).filter(|&i| shown[i].is_some() && counts[i] > 0).min_by_key(|&i| counts[i]);
            if let Some(i) = next {
                shown[i] = None;
            }
        }
        shown
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
        let analyst = Rules { publish: false, min_cell: 5 };
        assert_eq!(analyst.row(&[1, 2]), vec![Some(1), Some(2)]);
    }
}
