//! The analysis result: what every output format (JSON, HTML, XLSX, PDF) shows. Suppressed
//! cells are `None` (JSON `null`), so no output can print what disclosure control withheld.

use serde::{Serialize, Serializer};

/// A map that keeps insertion order (choices in form order) when serialised.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn insert(&mut self, key: impl Into<String>, value: V) {
        self.0.push((key.into(), value));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub form_id: String,
    pub title: String,
    pub version: String,
    /// The language of labels and findings.
    pub language: String,
    /// Responses analysed.
    pub n: u64,
    /// True when disclosure control was applied (`--publish`).
    pub published: bool,
    pub min_cell: u64,
    /// Segment question → segment → respondents.
    pub segments: Ordered<Ordered<Option<u64>>>,
    pub items: Vec<Item>,
    pub indicators: Vec<Indicator>,
    /// Segments that lag behind all other respondents on a scored question (Holm-adjusted
    /// one-sided Fisher exact p < 0.05), most significant first.
    pub lagging: Vec<Lag>,
    /// How many segment × item comparisons the lagging search tested (the Holm family).
    pub lagging_tested: usize,
    /// The results in words.
    pub findings: Vec<String>,
    /// Labels for every name above, in `language`: questions, choices, segments, categories.
    pub labels: Labels,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Labels {
    /// Segment question → its label.
    pub segment_questions: Ordered<String>,
    /// Segment question → segment → label.
    pub segments: Ordered<Ordered<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Item {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The enclosing groups' labels, outermost first (the report's sections).
    pub section: Vec<String>,
    /// Respondents the question applied to who answered it.
    pub n: Option<u64>,
    /// Choice → label, in form order.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub choice_labels: Ordered<String>,
    /// select_one: respondents per choice; select_multiple: mentions per choice.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub counts: Ordered<Option<u64>>,
    /// Share of `n`, in percent to one decimal.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub percent: Ordered<Option<f64>>,
    /// Wilson 95% interval of each share, in percent to one decimal.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub ci95: Ordered<Option<[f64; 2]>>,
    /// Segment question → segment → the same figures within the segment.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub by: Ordered<Ordered<SegmentCell>>,
    /// Segment question → test of independence (select_one only).
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub test: Ordered<Test>,
    /// select_multiple: all mentions together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions: Option<u64>,
    /// select_multiple: each choice's share of all mentions, percent.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub mention_share: Ordered<Option<f64>>,
    /// select_multiple: share of respondents choosing each choice, percent.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub respondent_share: Ordered<Option<f64>>,
    /// integer and decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<NumberStats>,
    /// text with a codebook: category → responses coded so (a response may fall in several).
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub coded: Ordered<Option<u64>>,
    /// Category → label.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub category_labels: Ordered<String>,
    /// rank: each choice's mean place (1 = put first) among those who answered; `counts`,
    /// `percent` and `by` are then the respondents who put each choice first.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub mean_rank: Ordered<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentCell {
    pub n: Option<u64>,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub counts: Ordered<Option<u64>>,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub percent: Ordered<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<NumberStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// `chi_square`, `fisher_exact` (2×2) or `fisher_monte_carlo` (larger tables with expected
    /// counts below 5).
    pub method: String,
    /// Pearson's X² (also reported for the Fisher tests, for reference).
    pub statistic: f64,
    pub dof: f64,
    pub p: f64,
    /// Holm-adjusted across every test of the report.
    pub p_holm: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumberStats {
    pub n: u64,
    pub sum: f64,
    pub mean: f64,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    /// Left out when published: an extreme value can identify one company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub name: String,
    pub label: String,
    pub kind: String,
    /// numerator / denominator.
    pub value: Option<f64>,
    /// The value in percent, one decimal.
    pub percent: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// Segment question → segment → the same figures.
    pub by: Ordered<Ordered<IndicatorCell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorCell {
    pub value: Option<f64>,
    pub percent: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lag {
    pub item: String,
    pub segment_question: String,
    pub segment: String,
    /// The best-scored answer(s) compared, e.g. `done`.
    pub best: Vec<String>,
    /// Share of the best answer within the segment, percent.
    pub share: f64,
    /// Share among all other respondents together, percent.
    pub share_rest: f64,
    pub n: u64,
    pub n_rest: u64,
    pub p: f64,
    pub p_holm: f64,
}
