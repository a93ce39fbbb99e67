//! The tables people bring: a hospital's device inventory, the coordinator's vendor aliases
//! and a manufacturer's release order — CSV (UTF-8 or Shift_JIS) or XLSX, headers in
//! Japanese or English. All or nothing: one bad cell refuses the file, and every problem is
//! named by row and column.

use crate::names::Aliases;
use mamori_form::diagnostic::column_letter;
use mamori_form::workbook::{Row, read_table};
use std::collections::BTreeMap;

/// The longest cell accepted: names and versions are short; a longer cell is a paste error.
const MAX_CELL_CHARS: usize = 500;
/// The most rows of one table: a large hospital group has tens of thousands of devices.
pub const MAX_ROWS: usize = 1_000_000;
/// Problems listed before the rest are counted.
const MAX_LISTED: usize = 50;

/// One device of an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Device {
    /// The row in the file (1-based, the header is row 1).
    pub row: usize,
    pub manufacturer: String,
    pub product: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub serial: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub asset_tag: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location: String,
    /// The device's software as a package URL, when the hospital knows it: matched against
    /// OSV like an SBOM component.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub purl: String,
}

struct Field {
    name: &'static str,
    headers: &'static [&'static str],
}

const INVENTORY: &[Field] = &[
    Field {
        name: "manufacturer",
        headers: &[
            "manufacturer",
            "vendor",
            "maker",
            "製造販売業者",
            "製造業者",
            "製造販売元",
            "製造元",
            "メーカー",
            "メーカー名",
        ],
    },
    Field {
        name: "product",
        headers: &["product", "productname", "device", "devicename", "製品名", "品名", "機器名", "販売名", "名称"],
    },
    Field { name: "model", headers: &["model", "modelnumber", "型番", "型式", "モデル", "モデル番号"] },
    Field {
        name: "version",
        headers: &[
            "version",
            "softwareversion",
            "firmwareversion",
            "ソフトウェアバージョン",
            "ファームウェアバージョン",
            "バージョン",
            "ソフトウェアver",
        ],
    },
    Field {
        name: "serial", headers: &["serial", "serialnumber", "シリアル番号", "製造番号", "シリアル"]
    },
    Field {
        name: "asset_tag", headers: &["assettag", "asset", "assetnumber", "資産番号", "管理番号", "備品番号"]
    },
    Field { name: "location", headers: &["location", "設置場所", "場所", "部署", "設置部署"] },
    Field { name: "purl", headers: &["purl", "packageurl", "パッケージurl"] },
];

const ALIASES: &[Field] = &[
    Field { name: "alias", headers: &["alias", "name", "別名", "表記"] },
    Field {
        name: "vendor", headers: &["vendor", "manufacturer", "canonical", "正式名", "製造販売業者", "メーカー"]
    },
    Field { name: "confirmed_by", headers: &["confirmedby", "確認者"] },
    Field { name: "why", headers: &["why", "reason", "理由", "根拠"] },
];

const RELEASES: &[Field] = &[
    Field { name: "manufacturer", headers: &["manufacturer", "vendor", "製造販売業者", "メーカー"] },
    Field { name: "product", headers: &["product", "製品名", "品名"] },
    Field { name: "version", headers: &["version", "release", "バージョン", "リリース"] },
];

fn normalise_header(h: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    h.trim()
        .trim_start_matches('\u{feff}')
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .replace([' ', '_', '-', '.', '\u{3000}'], "")
}

/// A row's cells by field name.
type Cells = BTreeMap<&'static str, String>;

/// The rows of a table as field → cell, checked; `required` fields must be non-empty on
/// every row (`one_of`: at least one of these).
fn read_rows(
    file: &str,
    bytes: &[u8],
    fields: &[Field],
    required: &[&str],
    one_of: &[&str],
) -> Result<Vec<(usize, Cells)>, Vec<String>> {
    let rows: Vec<Row> = read_table(file, bytes).map_err(|e| vec![e])?;
    let Some((header, body)) = rows.split_first() else {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        return Err(vec![format!("{file}: is empty; the first row must name the columns ({})", names.join(", "))]);
    };
    if body.len() > MAX_ROWS {
        return Err(vec![format!(
            "{file}: has {} rows; at most {MAX_ROWS} are read at once — split the file",
            body.len()
        )]);
    }
    let mut columns: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (c, cell) in header.cells.iter().enumerate() {
        let h = normalise_header(cell);
        if h.is_empty() {
            continue;
        }
        if let Some(field) = fields.iter().find(|f| f.headers.iter().any(|n| normalise_header(n) == h))
            && let Some(first) = columns.insert(field.name, c)
        {
            errors.push(format!(
                "{file}: row {}, column {}: a second {} column (the first is column {}); keep one",
                header.number,
                column_letter(c),
                field.name,
                column_letter(first)
            ));
        }
    }
    let mut missing: Vec<&str> = required.iter().copied().filter(|f| !columns.contains_key(f)).collect();
    if !one_of.is_empty() && !one_of.iter().any(|f| columns.contains_key(f)) {
        missing.push(one_of[0]);
    }
    if !missing.is_empty() {
        let known: Vec<String> = fields
            .iter()
            .map(|f| format!("{} ({})", f.name, f.headers.iter().find(|h| !h.is_ascii()).unwrap_or(&f.name)))
            .collect();
        errors.push(format!(
            "{file}: row {}: the header has no {} column; name the columns {}",
            header.number,
            missing.join(", "),
            known.join(", ")
        ));
        return Err(errors);
    }
    let mut out = Vec::with_capacity(body.len());
    for row in body {
        let mut values = BTreeMap::new();
        for (&name, &c) in &columns {
            let value = row.cell(c).trim().to_string();
            if value.chars().count() > MAX_CELL_CHARS {
                errors.push(format!(
                    "{file}: row {}, column {} ({name}): longer than {MAX_CELL_CHARS} characters",
                    row.number,
                    column_letter(c)
                ));
            }
            if value.chars().any(|ch| ch.is_control()) {
                errors.push(format!("{file}: row {}, column {} ({name}): holds a control character (a line break?); keep it on one line", row.number, column_letter(c)));
            }
            values.insert(name, value);
        }
        if let Some(purl) = values.get("purl").filter(|p| !p.is_empty())
            && let Err(e) = mamori_sbom::Purl::parse(purl)
        {
            errors.push(format!("{file}: row {}, column {} (purl): {e}", row.number, column_letter(columns["purl"])));
        }
        for name in required {
            if values.get(name).is_none_or(String::is_empty) {
                errors.push(format!(
                    "{file}: row {}, column {} ({name}): empty; every row needs it",
                    row.number,
                    column_letter(columns[name])
                ));
            }
        }
        if !one_of.is_empty() && one_of.iter().all(|f| values.get(f).is_none_or(String::is_empty)) {
            let cols: Vec<String> = one_of.iter().filter_map(|f| columns.get(f)).map(|c| column_letter(*c)).collect();
            errors.push(format!(
                "{file}: row {}, columns {} ({}): all empty; give one",
                row.number,
                cols.join("/"),
                one_of.join(" or ")
            ));
        }
        out.push((row.number, values));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        let more = errors.len().saturating_sub(MAX_LISTED);
        errors.truncate(MAX_LISTED);
        if more > 0 {
            errors.push(format!("{file}: … and {more} more problems"));
        }
        Err(errors)
    }
}

/// Reads a device inventory: manufacturer, product or model, version, serial, asset tag,
/// location. Nothing is returned unless every row is good.
pub fn read_inventory(file: &str, bytes: &[u8]) -> Result<Vec<Device>, Vec<String>> {
    let rows = read_rows(file, bytes, INVENTORY, &["manufacturer"], &["product", "model"])?;
    Ok(rows
        .into_iter()
        .map(|(row, mut v)| {
            let mut take = |k: &str| v.remove(k).unwrap_or_default();
            Device {
                row,
                manufacturer: take("manufacturer"),
                product: take("product"),
                model: take("model"),
                version: take("version"),
                serial: take("serial"),
                asset_tag: take("asset_tag"),
                location: take("location"),
                purl: take("purl"),
            }
        })
        .collect())
}

/// Reads the alias file: alias, vendor, confirmed by, why.
pub fn read_aliases(file: &str, bytes: &[u8]) -> Result<Aliases, Vec<String>> {
    let rows = read_rows(file, bytes, ALIASES, &["alias", "vendor"], &[])?;
    let mut aliases = Aliases::default();
    for (_, v) in rows {
        let opt = |k: &str| v.get(k).filter(|s| !s.is_empty()).cloned();
        aliases.insert(&v["alias"], &v["vendor"], opt("confirmed_by"), opt("why"));
    }
    Ok(aliases)
}

/// A manufacturer's releases in order, oldest first, per (manufacturer, product) as written.
pub type ReleaseOrders = Vec<(String, String, Vec<String>)>;

/// Reads the release-order file: one row per release, oldest first, under manufacturer and
/// product.
pub fn read_releases(file: &str, bytes: &[u8]) -> Result<ReleaseOrders, Vec<String>> {
    let rows = read_rows(file, bytes, RELEASES, &["manufacturer", "product", "version"], &[])?;
    let mut out: ReleaseOrders = Vec::new();
    for (_, v) in rows {
        let (m, p, r) = (v["manufacturer"].clone(), v["product"].clone(), v["version"].clone());
        match out.iter_mut().find(|(om, op, _)| *om == m && *op == p) {
            Some((_, _, list)) if !list.contains(&r) => list.push(r),
            Some(_) => {}
            None => out.push((m, p, vec![r])),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_headers_read_and_one_bad_cell_refuses_the_file() {
        let good = "製造販売業者,製品名,型番,ソフトウェアバージョン,シリアル番号,資産番号,設置場所\nHillrom,Q-Stress,,6.2.0,S1,A1,3F\n";
        let devices = read_inventory("inv.csv", good.as_bytes()).unwrap();
        assert_eq!(devices[0].manufacturer, "Hillrom");
        assert_eq!((devices[0].row, devices[0].location.as_str()), (2, "3F"));
        let bad = format!("{good},Q-Stress,,6.2.0,,,\nBD,,,9.5,,,\n");
        let errors = read_inventory("inv.csv", bad.as_bytes()).unwrap_err();
        assert_eq!(
            errors,
            [
                "inv.csv: row 3, column A (manufacturer): empty; every row needs it",
                "inv.csv: row 4, columns B/C (product or model): all empty; give one",
            ]
        );
    }

    #[test]
    fn a_header_without_a_manufacturer_says_what_to_name_the_columns() {
        let errors = read_inventory("inv.csv", b"name,version\nX,1\n").unwrap_err();
        assert!(errors[0].contains("row 1: the header has no manufacturer, product column"), "{errors:?}");
        assert!(errors[0].contains("製造販売業者"), "{errors:?}");
        assert!(read_inventory("inv.pdf", b"x").unwrap_err()[0].contains("use .csv or .xlsx"));
        assert!(read_inventory("inv.csv", b"").unwrap_err()[0].contains("is empty"));
    }

    #[test]
    fn shift_jis_inventories_from_excel_read() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("メーカー,品名,バージョン\nテルモ株式会社,輸液ポンプ,1.0\n");
        let devices = read_inventory("inv.csv", &bytes).unwrap();
        assert_eq!(devices[0].product, "輸液ポンプ");
    }

    #[test]
    fn an_xlsx_inventory_from_excel_reads_and_is_checked_the_same() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let rows = [
            ["製造販売業者", "製品名", "型番", "ソフトウェアバージョン"],
            ["Medtronic", "MiniMed 640G", "MMT-1711", ""],
            ["", "MiniMed 640G", "", "1.0"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
        sheet.write_number(3, 0, 42.0).unwrap();
        sheet.write_string(3, 1, "Pump").unwrap();
        sheet.write_number(3, 3, 2.5).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let errors = read_inventory("inventory.xlsx", &bytes).unwrap_err();
        assert_eq!(errors, ["inventory.xlsx: row 3, column A (manufacturer): empty; every row needs it"]);
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (r, row) in rows[..2].iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
        sheet.write_number(1, 3, 2.5).unwrap();
        let devices = read_inventory("inventory.xlsx", &workbook.save_to_buffer().unwrap()).unwrap();
        assert_eq!((devices[0].model.as_str(), devices[0].version.as_str()), ("MMT-1711", "2.5"));
    }

    #[test]
    fn releases_keep_their_order() {
        let text = "manufacturer,product,version\nB. Braun Medical,Battery Pack SP with Wi-Fi,L79\nB. Braun Medical,Battery Pack SP with Wi-Fi,L80\n";
        let r = read_releases("r.csv", text.as_bytes()).unwrap();
        assert_eq!(r[0].2, ["L79", "L80"]);
    }
}
