//! Times `trend()` alone on two waves read once (bench/trend-speed.sh's data): the comparison's
//! share of `mamori trend`, without reading the files each run.
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (form_path, old_path, new_path) = (Path::new(&args[1]), Path::new(&args[2]), Path::new(&args[3]));
    let runs: usize = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(5);
    let form = mamori_form::read_file(form_path).form.expect("form");
    let texts: Vec<usize> =
        (0..form.questions.len()).filter(|&q| form.questions[q].kind == mamori_form::QuestionType::Text).collect();
    let options =
        mamori_dataset::ReadOptions { language: "English (en)".into(), presence_only: texts, ..Default::default() };
    let old = mamori_dataset::read_responses_file(&form, old_path, &options).unwrap_or_else(|e| panic!("{e:?}"));
    let new = mamori_dataset::read_responses_file(&form, new_path, &options).unwrap_or_else(|e| panic!("{e:?}"));
    let d = mamori_form::diff::diff(&form, &form, "form");
    let by = mamori_analysis::trend::default_segments(&form);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = mamori_analysis::trend::trend(
            &mamori_analysis::trend::Wave { form: &form, responses: &old.responses },
            &mamori_analysis::trend::Wave { form: &form, responses: &new.responses },
            &d,
            &by,
            10_000,
        )
        .expect("trend");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(r);
    }
    let json = serde_json::to_string(&last.unwrap()).unwrap();
    if let Some(out) = args.get(5) {
        std::fs::write(out, &json).unwrap();
    }
    times.sort_by(f64::total_cmp);
    println!("trend(): min {:.1} ms, median {:.1} ms ({} runs)", times[0], times[times.len() / 2], runs);
}
