//! Parts of hub pages kept while what they show is unchanged.
//!
//! A hospital's findings list is read far more often than it changes, and building it (its
//! findings read, put into words and rendered) costs most of a request. The list is kept per
//! organisation, language and filter together with the fingerprint of everything it was built
//! from ([`mamori_store::Store::hub_findings_fingerprint`], computed by the database in one
//! row); a request whose fingerprint is the same gets the kept list. So the cache can never
//! show what the database no longer says — several processes sharing a PostgreSQL database
//! each keep their own — and it holds nothing of one organisation under another's key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many parts, of at most this many bytes in all, are kept; when either would be
/// passed, all are dropped (the next requests rebuild what is read). A filter is free text and
/// a hospital's list can be long, so neither is bounded otherwise.
const MAX_ENTRIES: usize = 512;
const MAX_BYTES: usize = 64 << 20;

#[derive(Default)]
pub struct PageCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    parts: HashMap<String, (String, Arc<str>)>,
    bytes: usize,
}

impl PageCache {
    /// The kept part for `key` if it was built from `fingerprint`.
    pub fn get(&self, key: &str, fingerprint: &str) -> Option<Arc<str>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.parts.get(key).filter(|(f, _)| f == fingerprint).map(|(_, html)| html.clone())
    }

    pub fn put(&self, key: String, fingerprint: String, html: Arc<str>) {
        // A part larger than a quarter of the room is not kept at all.
        if html.len() > MAX_BYTES / 4 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, old)) = entries.parts.remove(&key) {
            entries.bytes -= old.len();
        }
        if entries.parts.len() >= MAX_ENTRIES || entries.bytes + html.len() > MAX_BYTES {
            entries.parts.clear();
            entries.bytes = 0;
        }
        entries.bytes += html.len();
        entries.parts.insert(key, (fingerprint, html));
    }

    /// How many parts are kept, and their bytes.
    pub fn kept(&self) -> (usize, usize) {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        (entries.parts.len(), entries.bytes)
    }
}

/// The key of a part: its organisation, language and whatever else it depends on, each with
/// its length so that no two different keys read the same.
pub fn key(parts: &[&str]) -> String {
    parts.iter().map(|p| format!("{}:{p}", p.len())).collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_part_is_given_only_for_its_own_fingerprint_and_the_cache_stays_bounded() {
        let cache = PageCache::default();
        cache.put(key(&["org-a", "ja"]), "f1".into(), Arc::from("<table>a</table>"));
        assert_eq!(cache.get(&key(&["org-a", "ja"]), "f1").as_deref(), Some("<table>a</table>"));
        assert_eq!(cache.get(&key(&["org-a", "ja"]), "f2"), None, "changed data is rebuilt");
        assert_eq!(cache.get(&key(&["org-b", "ja"]), "f1"), None, "another organisation's key");
        assert_ne!(key(&["a|1:b"]), key(&["a", "b"]));
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(key(&["org", &i.to_string()]), "f".into(), Arc::from(""));
        }
        assert!(cache.kept().0 <= MAX_ENTRIES);
        // Long lists: the bytes kept stay under the bound, and a part too large is not kept.
        let long: Arc<str> = Arc::from("x".repeat(MAX_BYTES / 8).as_str());
        for i in 0..20 {
            cache.put(key(&["long", &i.to_string()]), "f".into(), long.clone());
            assert!(cache.kept().1 <= MAX_BYTES);
        }
        cache.put(key(&["huge"]), "f".into(), Arc::from("x".repeat(MAX_BYTES / 2).as_str()));
        assert_eq!(cache.get(&key(&["huge"]), "f"), None);
        // Putting the same key again replaces it, counted once.
        let before = cache.kept();
        cache.put(key(&["long", "19"]), "g".into(), long.clone());
        assert_eq!(cache.kept(), before);
    }
}
