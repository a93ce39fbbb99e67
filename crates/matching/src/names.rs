//! Vendor and product names as advisories and inventories write them, made comparable
//! (hub.md §5): Unicode NFKC, case, punctuation, legal forms (株式会社, Inc., Co., Ltd.),
//! mojibake and known misspellings, a trailing `(BD)` kept as an alias, then the alias file.
//! Never split on commas or "and": `Becton, Dickinson and Company (BD)` is one vendor.

use std::collections::{BTreeMap, BTreeSet};
use unicode_normalization::UnicodeNormalization;

/// Words that say what kind of company it is, not which.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "co",
    "company",
    "corp",
    "corporation",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "oy",
    "oyj",
    "ab",
    "sa",
    "s a",
    "spa",
    "srl",
    "bv",
    "nv",
    "plc",
    "kk",
    "pty",
    "and",
    "&",
];

/// Written before or after a Japanese company name.
const JAPANESE_LEGAL_FORMS: &[&str] = &["株式会社", "(株)", "有限会社", "(有)", "合同会社"];

/// Misspellings seen in real advisories, each with where (hub.md §3). Only spellings no other
/// company uses belong here; anything else goes in the alias file, confirmed by someone.
const MISSPELLINGS: &[(&str, &str)] = &[
    // icsma-18-025-01 writes Philips with two l's.
    ("phillips", "philips"),
];

/// Repairs UTF-8 that was read as Latin-1 once (`Innokas YhtymÃ¤ Oy`, icsma-21-007-01).
pub fn repair_mojibake(text: &str) -> String {
    if !text.contains(['Ã', 'Â']) {
        return text.to_string();
    }
    let bytes: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    bytes.and_then(|b| String::from_utf8(b).ok()).unwrap_or_else(|| text.to_string())
}

/// NFKC, lower case, punctuation to single spaces; hyphens joined (`Wi-Fi` = `WiFi`,
/// `Q-Stress` = `QStress`).
fn simplify(text: &str) -> String {
    let text: String = repair_mojibake(text).nfkc().collect::<String>().to_lowercase();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '-' || c == '‐' || c == '・' || c == '\'' || c == '’' {
            continue;
        }
        if c.is_alphanumeric() || c == '&' || c == '(' || c == ')' {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The comparable key of a vendor name and of a trailing parenthesised alias, if any:
/// `Becton, Dickinson and Company (BD)` → (`becton dickinson`, [`bd`]).
pub fn vendor_keys(name: &str) -> (String, Vec<String>) {
    let mut text = simplify(name);
    for form in JAPANESE_LEGAL_FORMS {
        text = text.replace(form, " ");
    }
    let mut aliases = Vec::new();
    if let (Some(open), true) = (text.rfind('('), text.trim_end().ends_with(')')) {
        let inner = text[open + 1..text.trim_end().len() - 1].trim().to_string();
        if !inner.is_empty() {
            aliases.push(strip_legal(&inner));
        }
        text.truncate(open);
    }
    let text = text.replace(['(', ')'], " ");
    let mut key = strip_legal(&text);
    if key.is_empty() {
        key = text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    for (wrong, right) in MISSPELLINGS {
        key = key.split(' ').map(|w| if w == *wrong { *right } else { w }).collect::<Vec<_>>().join(" ");
    }
    (key, aliases)
}

fn strip_legal(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut kept: Vec<&str> = words.iter().copied().filter(|w| !LEGAL_FORMS.contains(w)).collect();
    // `S.A.` simplified is `s a`.
    if let Some(pos) = kept.windows(2).position(|w| w == ["s", "a"]) {
        kept.drain(pos..pos + 2);
    }
    kept.join(" ")
}

/// The comparable words of a product name, with the vendor's words dropped from its start
/// (`BD Alaris …` under BD, `Philips Vue PACS` under Philips).
pub fn product_words(name: &str, vendor_keys: &[String]) -> Vec<String> {
    let text = simplify(name).replace(['(', ')'], " ");
    let mut words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    for key in vendor_keys {
        let vendor: Vec<&str> = key.split(' ').collect();
        if !vendor.is_empty() && words.len() > vendor.len() && words.iter().zip(&vendor).all(|(a, b)| a == b) {
            words.drain(..vendor.len());
            break;
        }
    }
    words
}

/// Confirmed aliases: a name (any spelling) → the vendor it stands for, with who confirmed it
/// and why.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    map: BTreeMap<String, Alias>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub vendor: String,
    pub confirmed_by: Option<String>,
    pub why: Option<String>,
}

impl Aliases {
    pub fn insert(&mut self, alias: &str, vendor: &str, confirmed_by: Option<String>, why: Option<String>) {
        let (to, _) = vendor_keys(vendor);
        let (from, _) = vendor_keys(alias);
        if !from.is_empty() && from != to {
            self.map.insert(from, Alias { vendor: to, confirmed_by, why });
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The canonical key of a vendor key, and whether an alias was used.
    pub fn resolve<'a>(&'a self, key: &'a str) -> (&'a str, bool) {
        match self.map.get(key) {
            Some(alias) => (alias.vendor.as_str(), true),
            None => (key, false),
        }
    }
}

/// A vendor as the matcher sees it: every canonical key it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// Canonical keys (after aliases): the name's and the parenthesised alias's.
    pub keys: BTreeSet<String>,
    /// Whether an alias-file entry produced one of the keys.
    pub aliased: bool,
    /// The words of all keys, for "similar" lookups.
    pub words: BTreeSet<String>,
    /// The keys before aliases, to strip from product names.
    pub raw_keys: Vec<String>,
}

impl Vendor {
    pub fn new(name: &str, aliases: &Aliases) -> Vendor {
        let (key, extra) = vendor_keys(name);
        let mut keys = BTreeSet::new();
        let mut aliased = false;
        let mut raw_keys = Vec::new();
        for k in std::iter::once(&key).chain(extra.iter()).filter(|k| !k.is_empty()) {
            raw_keys.push(k.clone());
            let (canon, used) = aliases.resolve(k);
            aliased |= used;
            keys.insert(canon.to_string());
        }
        let words = keys.iter().flat_map(|k| k.split(' ').map(str::to_string)).collect();
        Vendor { keys, aliased, words, raw_keys }
    }
}

/// How two vendors relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorRelation {
    /// The same key, `true` when an alias made it so.
    Same {
        aliased: bool,
    },
    /// One name's words contain the other's (`Philips Healthcare` / `Philips`), or they
    /// differ by a letter or two: maybe the same company, for someone to confirm.
    Similar,
    Unrelated,
}

pub fn relate_vendors(a: &Vendor, b: &Vendor) -> VendorRelation {
    if a.keys.iter().any(|k| b.keys.contains(k)) {
        return VendorRelation::Same { aliased: a.aliased || b.aliased };
    }
    for ka in &a.keys {
        for kb in &b.keys {
            let wa: BTreeSet<&str> = ka.split(' ').collect();
            let wb: BTreeSet<&str> = kb.split(' ').collect();
            if wa.is_subset(&wb) || wb.is_subset(&wa) {
                return VendorRelation::Similar;
            }
            if ka.chars().count() >= 5 && kb.chars().count() >= 5 && strsim::levenshtein(ka, kb) <= 2 {
                return VendorRelation::Similar;
            }
        }
    }
    VendorRelation::Unrelated
}

/// How two product names relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductRelation {
    Same,
    /// One name's words are all in the other (`Alaris PC Unit` / `Alaris 8015 PC Unit`).
    Similar,
    /// A distinctive word differs on both sides: another product.
    Different,
}

pub fn relate_products(a: &[String], b: &[String]) -> ProductRelation {
    if a.is_empty() || b.is_empty() {
        return ProductRelation::Different;
    }
    if a == b {
        return ProductRelation::Same;
    }
    let wa: BTreeSet<&String> = a.iter().collect();
    let wb: BTreeSet<&String> = b.iter().collect();
    if wa == wb {
        ProductRelation::Same
    } else if wa.is_subset(&wb) || wb.is_subset(&wa) {
        ProductRelation::Similar
    } else {
        ProductRelation::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> String {
        vendor_keys(name).0
    }

    #[test]
    fn real_vendor_spellings_meet() {
        assert_eq!(key("Medtronic "), "medtronic");
        assert_eq!(key("Phillips"), "philips");
        assert_eq!(vendor_keys("Becton, Dickinson and Company (BD)"), ("becton dickinson".into(), vec!["bd".into()]));
        assert_eq!(vendor_keys("General Electric (GE)"), ("general electric".into(), vec!["ge".into()]));
        assert_eq!(key("Innokas YhtymÃ¤ Oy"), "innokas yhtymä");
        assert_eq!(key("株式会社フィリップス・ジャパン"), "フィリップスジャパン");
        assert_eq!(key("ＡＢＣ（株）"), "abc");
        assert_eq!(key("Acme Co., Ltd."), "acme");
        assert_eq!(key("B. Braun Medical"), "b braun medical");
    }

    #[test]
    fn vendors_relate_as_hub_md_says() {
        let none = Aliases::default();
        let v = |n: &str| Vendor::new(n, &none);
        assert_eq!(
            relate_vendors(&v("BD"), &v("Becton, Dickinson and Company (BD)")),
            VendorRelation::Same { aliased: false }
        );
        assert_eq!(relate_vendors(&v("Philips Healthcare"), &v("Philips")), VendorRelation::Similar);
        assert_eq!(relate_vendors(&v("Philips Healthcare"), &v("Phillips")), VendorRelation::Similar);
        assert_eq!(relate_vendors(&v("株式会社フィリップス・ジャパン"), &v("Philips")), VendorRelation::Unrelated);
        assert_eq!(relate_vendors(&v("BD"), &v("GE Healthcare")), VendorRelation::Unrelated);
        let mut aliases = Aliases::default();
        aliases.insert("Philips Healthcare", "Philips", Some("coordinator".into()), None);
        aliases.insert("株式会社フィリップス・ジャパン", "Philips", None, None);
        let a = |n: &str| Vendor::new(n, &aliases);
        assert_eq!(relate_vendors(&a("Philips Healthcare"), &a("Phillips")), VendorRelation::Same { aliased: true });
        assert_eq!(
            relate_vendors(&a("株式会社フィリップス・ジャパン"), &a("Philips")),
            VendorRelation::Same { aliased: true }
        );
    }

    #[test]
    fn a_differing_distinctive_word_is_another_product() {
        let w = |n: &str, vendor: &str| {
            product_words(n, &vendor_keys(vendor).0.split('|').map(str::to_string).collect::<Vec<_>>())
        };
        let q = w("Welch Allyn Q-Stress Cardiac Stress Testing System", "Hillrom");
        let x = w("Welch Allyn X-Scribe Cardiac Stress Testing System", "Hillrom");
        assert_eq!(relate_products(&q, &x), ProductRelation::Different);
        assert_eq!(
            relate_products(&w("Alaris 8000 PC Unit", "BD"), &w("Alaris 8000 PC unit", "BD")),
            ProductRelation::Same
        );
        assert_eq!(
            relate_products(&w("Alaris 8000 PC Unit", "BD"), &w("Alaris 8015 PC unit", "BD")),
            ProductRelation::Different
        );
        assert_eq!(
            relate_products(&w("Battery Pack SP with Wi-Fi", "x"), &w("Battery pack SP with WiFi", "x")),
            ProductRelation::Same
        );
        assert_eq!(
            relate_products(&w("Vue PACS", "Philips"), &w("Philips Vue PACS", "Philips")),
            ProductRelation::Same
        );
        assert_eq!(relate_products(&w("Fortify", "x"), &w("Fortify Assura", "x")), ProductRelation::Similar);
        assert_eq!(
            relate_products(&w("IntelliSpace Cardiovascular", "x"), &w("IntelliSpace Portal", "x")),
            ProductRelation::Different
        );
    }
}
