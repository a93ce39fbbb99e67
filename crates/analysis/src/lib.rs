//! From checked responses to the result report: tables overall and by segment, indicators,
//! tests of independence, lagging groups, findings in words, and disclosure control.
//! Pure: the same code serves the CLI on a file and the web pages on the database.

pub mod change;
pub mod disclosure;
pub mod feedback;
mod findings;
mod items;
mod lagging;
pub mod model;
pub mod stats;
pub mod trend;

pub use feedback::{Feedback, FeedbackOptions, feedback};
use mamori_dataset::Responses;
use mamori_form::{Form, QuestionType};
pub use model::*;

/// A response's text answers coded by hand, overriding the keyword codebook for that answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualCode {
    /// Index of the response in `Responses`.
    pub response: usize,
    pub question: String,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Segment questions; empty = the `segment` rows of the form's report sheet.
    pub by: Vec<String>,
    /// Apply disclosure control: suppress cells below `min_cell` and smaller segments.
    pub publish: bool,
    pub min_cell: u64,
    /// Form language for labels and findings (e.g. `Japanese (ja)`).
    pub language: String,
    /// Random tables per Monte Carlo Fisher test.
    pub monte_carlo_samples: u32,
    pub manual_codes: Vec<ManualCode>,
}

impl Options {
    pub fn for_form(form: &Form) -> Options {
        Options {
            by: Vec::new(),
            publish: false,
            min_cell: 5,
            language: form.default_language.clone(),
            monte_carlo_samples: 10_000,
            manual_codes: Vec::new(),
        }
    }
}

/// Why an analysis cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisError(pub String);

impl std::fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A segment question resolved: its index and its respondents' codes.
pub(crate) struct Segmentation<'a> {
    pub question: usize,
    pub name: &'a str,
    pub codes: &'a [u16],
    /// Choice names in form order.
    pub segments: Vec<&'a str>,
    /// Respondents per segment (index = code − 1).
    pub sizes: Vec<u64>,
    /// Whether a segment may be shown (always, unless published and smaller than `min_cell`).
    pub shown: Vec<bool>,
}

/// The least `min_cell` (published tables) and `min_peers` (feedback) may be: below 3, a cell
/// or a peer figure can be one or two companies' answers.
pub const MIN_THRESHOLD: u64 = 3;

pub fn analyse(form: &Form, responses: &Responses, options: &Options) -> Result<Analysis, AnalysisError> {
    if options.publish && options.min_cell < MIN_THRESHOLD {
        return Err(AnalysisError(format!(
            "the smallest count shown when publishing must be {MIN_THRESHOLD} or more (was {}): with 1 or 2, one company's answer can be read off a table",
            options.min_cell
        )));
    }
    let segment_names: Vec<String> = if options.by.is_empty() {
        form.report
            .iter()
            .filter(|r| r.kind == mamori_form::model::ReportKind::Segment)
            .filter_map(|r| r.question.clone())
            .collect()
    } else {
        options.by.clone()
    };
    let mut segmentations = Vec::new();
    for name in &segment_names {
        let Some(q) = form.questions.iter().position(|q| &q.name == name) else {
            return Err(AnalysisError(format!("--by {name}: no question of that name in form '{}'", form.form_id)));
        };
        let mamori_dataset::Column::Choice(codes) = &responses.columns[q] else {
            return Err(AnalysisError(format!(
                "--by {name}: results can be broken down only by a select_one question"
            )));
        };
        let question = &form.questions[q];
        let mut sizes = vec![0u64; question.choices.len()];
        for &c in codes {
            if c > 0 {
                sizes[c as usize - 1] += 1;
            }
        }
        let shown: Vec<bool> = sizes.iter().map(|&s| !options.publish || s >= options.min_cell).collect();
        let rules = disclosure::Rules { publish: options.publish, min_cell: options.min_cell };
        // Everyone less the shown segments must not be a few companies.
        let shown = rules.segments(&shown, &[(&sizes, responses.len() as u64)]);
        segmentations.push(Segmentation {
            question: q,
            name: &question.name,
            codes,
            segments: question.choices.iter().map(|c| c.name.as_str()).collect(),
            sizes,
            shown,
        });
    }
    let rules = disclosure::Rules { publish: options.publish, min_cell: options.min_cell };
    let lang = options.language.as_str();
    let mut labels = Labels::default();
    let mut segments = Ordered::default();
    for s in &segmentations {
        let question = &form.questions[s.question];
        labels.segment_questions.insert(s.name, form.text(&question.label, lang).unwrap_or(s.name).to_string());
        let mut names = Ordered::default();
        let mut sizes = Ordered::default();
        for (k, choice) in question.choices.iter().enumerate() {
            names.insert(&choice.name, form.text(&choice.label, lang).unwrap_or(&choice.name).to_string());
            sizes.insert(&choice.name, if s.shown[k] { Some(s.sizes[k]) } else { None });
        }
        labels.segments.insert(s.name, names);
        segments.insert(s.name, sizes);
    }
    let analysed: Vec<usize> = (0..form.questions.len())
        .filter(|&q| {
            matches!(
                form.questions[q].kind,
                QuestionType::SelectOne
                    | QuestionType::SelectMultiple
                    | QuestionType::Rank
                    | QuestionType::Integer
                    | QuestionType::Decimal
                    | QuestionType::Range
                    | QuestionType::Text
                    // A document: counted as answered, like text nobody codes.
                    | QuestionType::File
            )
        })
        .collect();
    // Items are independent: every core takes the next untabulated item, the costliest first
    // (coded free text, then numbers), while this thread first works out the indicators and
    // lagging groups; then the items go back into the form's order.
    let cost = |q: &usize| match form.questions[*q].kind {
        QuestionType::Text if form.codebook.iter().any(|r| r.question == form.questions[*q].name) => 3,
        QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => 2,
        QuestionType::SelectMultiple => 1,
        _ => 0,
    };
    let mut order = analysed.clone();
    order.sort_by_key(|q| std::cmp::Reverse(cost(q)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let tabulate = || {
        let mut done = Vec::new();
        while let Some(&q) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            done.push((q, items::item(form, responses, q, &segmentations, &rules, options)));
        }
        done
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(analysed.len().max(1));
    let (mut tabulated, indicators, (lagging, lagging_tested)) = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(tabulate)).collect();
        let indicators = items::indicators(form, responses, &segmentations, &rules, lang);
        let lagging = lagging::lagging(form, responses, &segmentations, &rules);
        let mut tabulated = tabulate();
        for helper in helpers {
            tabulated.extend(helper.join().expect("an analysis thread panicked"));
        }
        (tabulated, indicators, lagging)
    });
    tabulated.sort_by_key(|(q, _)| *q);
    let mut items: Vec<Item> = tabulated.into_iter().map(|(_, item)| item).collect();
    items::adjust_tests(&mut items);
    let mut analysis = Analysis {
        form_id: form.form_id.clone(),
        title: form.title.clone(),
        version: form.version.clone(),
        language: options.language.clone(),
        n: responses.len() as u64,
        published: options.publish,
        min_cell: options.min_cell,
        segments,
        items,
        indicators,
        lagging,
        lagging_tested,
        findings: Vec::new(),
        labels,
    };
    analysis.findings = findings::in_words(form, &analysis);
    Ok(analysis)
}

/// Percent to one decimal.
pub(crate) fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| (part / whole * 1000.0).round() / 10.0)
}

/// A seed that differs from run to run (for keyed hashing of data from files), from the
/// standard library's randomly keyed hasher: no extra dependency for a few random bits.
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}
