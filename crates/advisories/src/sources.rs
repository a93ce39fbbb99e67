//! Advisories from where they are kept: a file, a directory tree (a CSAF provider's, with
//! `.sha256`/`.sha512` beside each document, or an OSV export) or a zip archive (OSV's
//! `all.zip`). Every file is read or refused on its own with a located problem; one bad
//! record never hides the others. Revisions of the same CSAF document collapse to the newest
//! tracking version, the older ones kept for their difference.

use crate::csaf::{self, Document};
use crate::osv::{self, Record};
use crate::problem::Problem;
use sha2::{Digest, Sha256, Sha512};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A provider's `index.txt`: its folder, its name, and the documents it lists.
type Index = (PathBuf, String, std::collections::BTreeSet<PathBuf>);

/// Largest file read: the biggest real CSAF documents (Red Hat's) are a few MB.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// A CSAF revision as read, with where it came from.
#[derive(Debug, Clone)]
pub struct CsafFile {
    pub file: String,
    pub document: Document,
}

#[derive(Debug, Default)]
pub struct Loaded {
    /// OpenPGP keys the CSAF documents must be signed with; none: signatures are not checked.
    pub keys: Vec<pgp::composed::SignedPublicKey>,
    /// The newest revision of each document id, in id order.
    pub csaf: Vec<CsafFile>,
    /// Older revisions, each with the tracking version of the one that superseded it.
    pub superseded: Vec<(CsafFile, String)>,
    pub osv: Vec<Record>,
    /// Warnings about what was read, and errors about what was not.
    pub problems: Vec<Problem>,
}

/// The files under `path` (itself if a file), sorted so results do not depend on the order a
/// file system lists them in.
pub fn files_under(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a file of at most [`MAX_FILE_BYTES`]; a larger one (or a device file that never
/// ends) is refused rather than read into memory.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("is larger than {} MB", MAX_FILE_BYTES >> 20));
    }
    Ok(bytes)
}

/// Checks `bytes` against a `.sha256` or `.sha512` file beside `path` (the hash, optionally
/// followed by the file name, as `sha512sum` writes it).
fn check_digest(path: &Path, bytes: &[u8]) -> Option<Problem> {
    for (ext, hex) in [("sha512", hex(&Sha512::digest(bytes))), ("sha256", hex(&Sha256::digest(bytes)))] {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{ext}"));
        let Ok(text) = std::fs::read_to_string(PathBuf::from(&name)) else { continue };
        let stated = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        if stated != hex {
            return Some(Problem::error(
                "",
                format!(
                    "its {ext} digest does not match {}: the file was changed or damaged; it is not used",
                    Path::new(&name).display()
                ),
            ));
        }
        return None;
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Loaded {
    /// Adds an armored OpenPGP public key (a provider's, from its provider-metadata); from
    /// then on every CSAF document must carry a detached `.asc` signature by one of the keys.
    pub fn add_key(&mut self, armored: &str) -> Result<(), String> {
        use pgp::composed::Deserializable;
        let (key, _) = pgp::composed::SignedPublicKey::from_string(armored)
            .map_err(|e| format!("not an OpenPGP public key: {e}"))?;
        key.verify_bindings().map_err(|e| format!("the key's self-signatures do not verify: {e}"))?;
        self.keys.push(key);
        Ok(())
    }

    /// With keys given: the document's `.asc` must be a signature by one of them (its primary
    /// key or a subkey). `None` when it is.
    fn check_signature(&self, path: &Path, bytes: &[u8]) -> Option<Problem> {
        use pgp::composed::Deserializable;
        if self.keys.is_empty() {
            return None;
        }
        let mut name = path.as_os_str().to_owned();
        name.push(".asc");
        let Ok(armored) = std::fs::read_to_string(PathBuf::from(&name)) else {
            return Some(Problem::error("", "has no .asc signature beside it, and keys were given; it is not used"));
        };
        let Ok((signature, _)) = pgp::composed::DetachedSignature::from_string(&armored) else {
            return Some(Problem::error(
                "",
                format!("{} is not an OpenPGP signature; the document is not used", Path::new(&name).display()),
            ));
        };
        let verified = self.keys.iter().any(|key| {
            signature.verify(key, bytes).is_ok()
                || key.public_subkeys.iter().any(|sub| signature.verify(sub, bytes).is_ok())
        });
        (!verified).then(|| Problem::error("", "its .asc signature does not verify with the given key(s): changed, or signed by someone else; it is not used"))
    }

    /// Reads CSAF documents from a file or directory tree (`.json` files; provider metadata,
    /// ROLIE feeds and other JSON that is not a CSAF document are passed over).
    pub fn add_csaf(&mut self, path: &Path) -> Result<(), String> {
        let files = files_under(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let single = files.len() == 1 && path.is_file();
        let indexes = self.check_provider_lists(&files);
        for file in files {
            let name = file.display().to_string();
            if !name.ends_with(".json") {
                continue;
            }
            let Some(bytes) = self.read_or_note(&file, &name) else { continue };
            if let Some(problem) = check_digest(&file, &bytes) {
                self.problems.push(problem.in_file(&name));
                continue;
            }
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                self.problems.push(Problem::error("", "is not JSON").in_file(&name));
                continue;
            };
            // In a tree, JSON that is not a CSAF document (provider-metadata.json, ROLIE
            // feeds, aggregator lists) is part of the tree, not an error.
            if value.pointer("/document/csaf_version").is_none() && !single {
                continue;
            }
            if let Some(problem) = self.check_signature(&file, &bytes) {
                self.problems.push(problem.in_file(&name));
                continue;
            }
            match csaf::from_value(&value) {
                Ok((document, warnings)) => {
                    self.problems.extend(warnings.into_iter().map(|w| w.in_file(&name)));
                    self.problems.extend(crate::csaf_tests::run(&value).into_iter().map(|w| w.in_file(&name)));
                    // A document in a folder with an index.txt that does not list it.
                    if let Some((_, index, _)) =
                        indexes.iter().find(|(dir, _, listed)| file.starts_with(dir) && !listed.contains(&file))
                    {
                        self.problems.push(
                            Problem::warning("", format!("is not listed in {index}; read all the same")).in_file(&name),
                        );
                    }
                    self.csaf.push(CsafFile { file: name, document });
                }
                Err(errors) => self.problems.extend(errors.into_iter().map(|e| e.in_file(&name))),
            }
        }
        Ok(())
    }

    /// Reads one uploaded document, whatever its kind — a CSAF document (JSON with
    /// `/document/csaf_version`), an OSV record (JSON with `id` and `modified`) or a JVN iPedia
    /// document (XML) — as the directory readers read it, without the provider-tree checks
    /// (digest and signature files, `index.txt`) that only a tree has. Returns the kind read
    /// (`csaf`, `osv`, `jvn`), or `None` with the reason among the problems.
    pub fn add_document(&mut self, name: &str, bytes: &[u8]) -> Option<&'static str> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            self.problems.push(Problem::error("", format!("is larger than {} MB", MAX_FILE_BYTES >> 20)).in_file(name));
            return None;
        }
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
        if start.is_some_and(|i| bytes[i] == b'<') {
            return match crate::jvn::read(bytes) {
                Ok((documents, warnings)) => {
                    self.problems.extend(warnings.into_iter().map(|w| w.in_file(name)));
                    self.csaf.extend(documents.into_iter().map(|document| CsafFile { file: name.into(), document }));
                    Some("jvn")
                }
                Err(errors) => {
                    self.problems.extend(errors.into_iter().map(|e| e.in_file(name)));
                    None
                }
            };
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            self.problems.push(Problem::error("", "is neither JSON (CSAF, OSV) nor XML (JVN iPedia)").in_file(name));
            return None;
        };
        if value.pointer("/document/csaf_version").is_some() {
            return match csaf::from_value(&value) {
                Ok((document, warnings)) => {
                    self.problems.extend(warnings.into_iter().map(|w| w.in_file(name)));
                    self.problems.extend(crate::csaf_tests::run(&value).into_iter().map(|w| w.in_file(name)));
                    self.csaf.push(CsafFile { file: name.into(), document });
                    Some("csaf")
                }
                Err(errors) => {
                    self.problems.extend(errors.into_iter().map(|e| e.in_file(name)));
                    None
                }
            };
        }
        if value.get("id").is_some() && value.get("modified").is_some() {
            let before = self.osv.len();
            self.add_osv_bytes(bytes, name);
            return (self.osv.len() > before).then_some("osv");
        }
        self.problems.push(
            Problem::error(
                "",
                "is JSON but neither a CSAF document (no /document/csaf_version) nor an OSV record (no id and modified)",
            )
            .in_file(name),
        );
        None
    }

    /// The file's bytes, or `None` with the reason noted as an error about that file.
    fn read_or_note(&mut self, file: &Path, name: &str) -> Option<Vec<u8>> {
        read_bounded(file).map_err(|e| self.problems.push(Problem::error("", e).in_file(name))).ok()
    }

    /// A CSAF provider's tree lists its documents in `index.txt` (one path per line, relative
    /// to the file) and `changes.csv` (`"path","date"`) in each distribution folder: a
    /// listed document that is missing is an error, one present but unlisted a warning (a
    /// mirror may be incomplete or hold strays; either way the reader should know). Returns the
    /// indexes, so that documents read later can be checked against them without a second read.
    fn check_provider_lists(&mut self, files: &[PathBuf]) -> Vec<Index> {
        let mut indexes = Vec::new();
        let present: std::collections::BTreeSet<&PathBuf> = files.iter().collect();
        for list in files.iter().filter(|f| f.file_name().is_some_and(|n| n == "index.txt" || n == "changes.csv")) {
            let Some(dir) = list.parent() else { continue };
            let name = list.display().to_string();
            let Ok(text) = std::fs::read_to_string(list) else {
                self.problems.push(Problem::error("", "is not UTF-8 text").in_file(&name));
                continue;
            };
            let csv = name.ends_with(".csv");
            let mut listed = std::collections::BTreeSet::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let at = format!("line {}", i + 1);
                let entry = if csv {
                    let cells: Vec<&str> = line.split(',').map(|c| c.trim().trim_matches('"')).collect();
                    if cells.len() != 2 || crate::csaf_tests::instant(cells[1]).0 == 0 {
                        self.problems.push(
                            Problem::warning(
                                at.clone(),
                                format!("{line:?} is not \"path\",\"date\" with an RFC 3339 date"),
                            )
                            .in_file(&name),
                        );
                    }
                    cells[0].to_string()
                } else {
                    line.to_string()
                };
                if entry.contains("..") || entry.starts_with('/') {
                    self.problems.push(
                        Problem::error(at, format!("{entry:?} leaves the provider's folder; not followed"))
                            .in_file(&name),
                    );
                    continue;
                }
                let target = dir.join(&entry);
                if !present.contains(&target) {
                    self.problems
                        .push(Problem::error(at, format!("lists {entry}, which is not in the tree")).in_file(&name));
                }
                listed.insert(target);
            }
            if !csv {
                indexes.push((dir.to_path_buf(), name.clone(), listed));
            }
        }
        indexes
    }

    /// Reads JVN iPedia documents (VULDEF detail, JVNRSS overview) from a file or a directory
    /// tree of `.xml` files.
    pub fn add_jvn(&mut self, path: &Path) -> Result<(), String> {
        let files = files_under(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for file in files {
            let name = file.display().to_string();
            if !name.ends_with(".xml") {
                continue;
            }
            let Some(bytes) = self.read_or_note(&file, &name) else { continue };
            match crate::jvn::read(&bytes) {
                Ok((documents, warnings)) => {
                    self.problems.extend(warnings.into_iter().map(|w| w.in_file(&name)));
                    self.csaf.extend(documents.into_iter().map(|document| CsafFile { file: name.clone(), document }));
                }
                // In a tree, other MyJVN answers (vendor lists, statistics) are not advisories.
                Err(_) if path.is_dir() => {}
                Err(errors) => self.problems.extend(errors.into_iter().map(|e| e.in_file(&name))),
            }
        }
        Ok(())
    }

    /// Reads OSV records from a file, a directory tree or a zip archive.
    pub fn add_osv(&mut self, path: &Path) -> Result<(), String> {
        let files = files_under(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for file in files {
            let name = file.display().to_string();
            if name.ends_with(".zip") {
                self.add_osv_zip(&file, &name);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            match read_bounded(&file) {
                Ok(bytes) => self.add_osv_bytes(&bytes, &name),
                Err(e) => self.problems.push(Problem::error("", e).in_file(&name)),
            }
        }
        Ok(())
    }

    fn add_osv_bytes(&mut self, bytes: &[u8], name: &str) {
        match osv::read(bytes) {
            Ok(record) => self.osv.push(record),
            Err(e) => self.problems.push(Problem::error("", e).in_file(name)),
        }
    }

    fn add_osv_zip(&mut self, file: &Path, name: &str) {
        let archive = std::fs::File::open(file)
            .map_err(|e| e.to_string())
            .and_then(|f| zip::ZipArchive::new(f).map_err(|e| e.to_string()));
        let mut archive = match archive {
            Ok(a) => a,
            Err(e) => {
                return self.problems.push(Problem::error("", format!("is not a zip archive: {e}")).in_file(name));
            }
        };
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.problems.push(Problem::error(format!("entry {i}"), e.to_string()).in_file(name));
                    continue;
                }
            };
            let entry_name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("entry {i}"));
            let inner = format!("{name}!{entry_name}");
            if !entry_name.ends_with(".json") {
                continue;
            }
            // The stated size can lie (a zip bomb); the read is bounded either way.
            let mut bytes = Vec::new();
            match (&mut entry).take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
                Ok(_) if bytes.len() as u64 <= MAX_FILE_BYTES => self.add_osv_bytes(&bytes, &inner),
                Ok(_) => self.problems.push(Problem::error("", "is larger than 64 MB uncompressed").in_file(&inner)),
                Err(e) => self.problems.push(Problem::error("", e.to_string()).in_file(&inner)),
            }
        }
    }

    /// Keeps the newest revision of each CSAF document (tracking version compared
    /// numerically, never by date) and moves the others to `superseded`.
    pub fn collapse_revisions(&mut self) {
        let mut by_id: BTreeMap<String, Vec<CsafFile>> = BTreeMap::new();
        for file in std::mem::take(&mut self.csaf) {
            by_id.entry(file.document.id.clone()).or_default().push(file);
        }
        for (_, mut revisions) in by_id {
            revisions.sort_by(|a, b| {
                csaf::compare_versions(&b.document.version, &a.document.version).then_with(|| a.file.cmp(&b.file))
            });
            let mut revisions = revisions.into_iter();
            let Some(newest) = revisions.next() else { continue };
            for older in revisions {
                if csaf::compare_versions(&older.document.version, &newest.document.version) == Ordering::Equal {
                    self.problems.push(
                        Problem::warning(
                            "/document/tracking/version",
                            format!(
                                "{} has the same id and version as {}; the latter is used",
                                older.file, newest.file
                            ),
                        )
                        .in_file(&older.file),
                    );
                }
                self.superseded.push((older, newest.document.version.clone()));
            }
            self.csaf.push(newest);
        }
    }
}
