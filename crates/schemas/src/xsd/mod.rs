//! XML documents checked against XML Schemas (XSD 1.0), offline.
//!
//! Hand-written because no crate fits: `libxml` binds libxml2 through bindgen (libclang and a
//! C library on every build machine), and the pure-Rust `xmlschema` 0.0.14 refuses the
//! CycloneDX schemas (it rejects an `xs:import` after `xs:annotation`, which XSD allows, and
//! expands recursive content models past its particle limit). CycloneDX and JVN schemas use a
//! small part of XSD, and that part is what this module enforces:
//!
//! - element-only content as sequences, choices, `all` groups, `xs:any` wildcards and named
//!   groups with their occurrence bounds, matched greedily — exact for the deterministic content
//!   models XSD requires (Unique Particle Attribution);
//! - declared, required and prohibited attributes, `xs:anyAttribute`, attribute groups;
//! - simple content and simple types: the built-ins, restrictions with enumeration, pattern,
//!   length and range facets, lists and unions; `xsi:type` and `xsi:nil`;
//! - derivation of complex types by extension and restriction.
//!
//! Not enforced: identity constraints (`xs:unique`, `xs:key`), substitution groups,
//! `xs:redefine`, and patterns the `regex` crate cannot express (`pattern.rs` says which).
//! Components that cannot be found — an import not bundled — make the content they govern
//! unchecked rather than invalid.

mod model;
mod pattern;
mod simple;

use model::{AttrUse, ComplexType, Components, ElementDecl, Particle, QName, SimpleRef, Term, TypeRef, Wildcard, XS};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Instance elements nested deeper than this are not checked (a hostile document could
/// otherwise exhaust the stack).
const MAX_DEPTH: usize = 200;

/// A compiled set of schema documents.
#[derive(Debug)]
pub struct SchemaSet {
    components: Components,
    /// `schemaLocation`s imported but not in the bundle.
    pub missing: Vec<String>,
}

impl SchemaSet {
    /// Reads `root` from `bundle` (file name → text) and every document it imports or
    /// includes, found by the last segment of its `schemaLocation`.
    pub fn load(bundle: &[(&str, &str)], root: &str) -> Result<SchemaSet, String> {
        let mut components = Components::default();
        let mut missing = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([root.to_string()]);
        while let Some(location) = queue.pop_front() {
            let name = location.rsplit('/').next().unwrap_or(&location).to_string();
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some((_, text)) = bundle.iter().find(|(n, _)| *n == name) else {
                missing.push(location);
                continue;
            };
            let more = model::read(text, &mut components).map_err(|e| format!("{name}: {e}"))?;
            queue.extend(more);
        }
        Ok(SchemaSet { components, missing })
    }

    /// Checks a document; each failure as ("line N", message), at most `max` of them.
    pub fn validate(&self, doc: &roxmltree::Document, max: usize) -> Vec<(String, String)> {
        let mut walk = Walk { set: &self.components, doc, out: Vec::new(), max, too_deep: false };
        let root = doc.root_element();
        match self.components.elements.get(&qname(root)) {
            Some(decl) => walk.element(root, decl, 0),
            None => walk.fail(root, format!("the root element <{}> is not one this schema declares", label(root))),
        }
        walk.out
    }
}

fn qname(n: roxmltree::Node) -> QName {
    (n.tag_name().namespace().unwrap_or("").to_string(), n.tag_name().name().to_string())
}

fn label(n: roxmltree::Node) -> String {
    n.tag_name().name().to_string()
}

/// A complex type with its derivation applied.
#[derive(Default)]
struct Effective {
    particle: Option<Arc<Particle>>,
    attributes: Vec<AttrUse>,
    any_attribute: Option<Wildcard>,
    simple: Option<SimpleRef>,
    simple_content: bool,
    mixed: bool,
}

enum Binding {
    Decl(Arc<ElementDecl>),
    /// Matched a wildcard: `true` when its content must be declared.
    Wild(bool),
}

struct Walk<'s, 'd, 'i> {
    set: &'s Components,
    doc: &'d roxmltree::Document<'i>,
    out: Vec<(String, String)>,
    max: usize,
    too_deep: bool,
}

impl Walk<'_, '_, '_> {
    fn fail(&mut self, n: roxmltree::Node, message: String) {
        if self.out.len() < self.max {
            let row = self.doc.text_pos_at(n.range().start).row;
            self.out.push((format!("line {row}"), message));
        }
    }

    fn full(&self) -> bool {
        self.out.len() >= self.max
    }

    fn element(&mut self, n: roxmltree::Node, decl: &ElementDecl, depth: usize) {
        if self.full() {
            return;
        }
        if depth > MAX_DEPTH {
            if !std::mem::replace(&mut self.too_deep, true) {
                self.fail(n, format!("nested more than {MAX_DEPTH} elements deep; the rest is not checked"));
            }
            return;
        }
        if matches!(n.attribute((XSI, "nil")), Some("true" | "1")) {
            return;
        }
        let mut ty = decl.ty.clone();
        if let Some(t) = n.attribute((XSI, "type")) {
            let (prefix, local) = t.split_once(':').map_or((None, t), |(p, l)| (Some(p), l));
            let name = (n.lookup_namespace_uri(prefix).unwrap_or("").to_string(), local.to_string());
            ty = TypeRef::Named(name);
        }
        match ty {
            TypeRef::Any => self.lax_children(n, depth),
            TypeRef::Simple(s) => self.simple_element(n, &SimpleRef::Anonymous(s)),
            TypeRef::Complex(ct) => self.complex_element(n, &ct, depth),
            TypeRef::Named(name) => {
                if name.0 == XS && name.1 == "anyType" {
                    self.lax_children(n, depth);
                } else if let Some(ct) = self.set.complex.get(&name) {
                    self.complex_element(n, ct, depth);
                } else if name.0 == XS || self.set.simple.contains_key(&name) {
                    self.simple_element(n, &SimpleRef::Named(name));
                } else {
                    // A type from a schema not bundled: nothing to check against.
                    self.lax_children(n, depth);
                }
            }
        }
    }

    /// Children checked only where a global declaration exists (`anyType`, lax wildcards).
    fn lax_children(&mut self, n: roxmltree::Node, depth: usize) {
        for c in n.children().filter(|c| c.is_element()) {
            if let Some(decl) = self.set.elements.get(&qname(c)) {
                self.element(c, decl, depth + 1);
            }
        }
    }

    fn simple_element(&mut self, n: roxmltree::Node, ty: &SimpleRef) {
        if let Some(c) = n.children().find(|c| c.is_element()) {
            self.fail(c, format!("<{}> takes text only, not the element <{}>", label(n), label(c)));
            return;
        }
        let text: String = n.children().filter_map(|c| c.text()).collect();
        if let Err(e) = simple::check(self.set, ty, &text) {
            self.fail(n, format!("<{}>: {e}", label(n)));
        }
    }

    fn complex_element(&mut self, n: roxmltree::Node, ct: &ComplexType, depth: usize) {
        let eff = self.effective(ct, 0);
        self.attributes(n, &eff);
        if eff.simple_content {
            if let Some(c) = n.children().find(|c| c.is_element()) {
                self.fail(c, format!("<{}> takes text only, not the element <{}>", label(n), label(c)));
            } else if let Some(ty) = &eff.simple {
                let text: String = n.children().filter_map(|c| c.text()).collect();
                if let Err(e) = simple::check(self.set, ty, &text) {
                    self.fail(n, format!("<{}>: {e}", label(n)));
                }
            }
            return;
        }
        if !eff.mixed
            && let Some(t) = n.children().find(|c| c.is_text() && !c.text().unwrap_or("").trim().is_empty())
        {
            let text = t.text().unwrap_or("").trim();
            let shown: String = text.chars().take(40).collect();
            self.fail(t, format!("<{}> takes elements, not the text {shown:?}", label(n)));
        }
        let kids: Vec<roxmltree::Node> = n.children().filter(|c| c.is_element()).collect();
        let mut binds = Vec::new();
        let mut pos = 0;
        let matched = match &eff.particle {
            Some(p) => self.particle(p, &kids, &mut pos, &mut binds),
            None => Ok(()),
        };
        match matched {
            Err(expected) => {
                let at = kids.get(pos).copied().unwrap_or(n);
                let found = kids.get(pos).map(|k| format!(", found <{}>", label(*k))).unwrap_or_default();
                self.fail(at, format!("<{}> is missing {expected}{found}", label(n)));
            }
            Ok(()) if pos < kids.len() => {
                self.fail(kids[pos], format!("<{}> is not allowed here in <{}>", label(kids[pos]), label(n)));
            }
            Ok(()) => {}
        }
        for (kid, bind) in kids.iter().zip(binds) {
            match bind {
                Binding::Decl(decl) => self.element(*kid, &decl, depth + 1),
                Binding::Wild(strict) => match self.set.elements.get(&qname(*kid)) {
                    Some(decl) => self.element(*kid, decl, depth + 1),
                    None if strict && !kid.tag_name().namespace().unwrap_or("").is_empty() => {
                        // Strict wildcards name a namespace whose schema may not be bundled.
                    }
                    None => {}
                },
            }
        }
    }

    fn attributes(&mut self, n: roxmltree::Node, eff: &Effective) {
        for a in n.attributes() {
            let ns = a.namespace().unwrap_or("");
            if ns == XSI {
                continue;
            }
            let name = (ns.to_string(), a.name().to_string());
            match eff.attributes.iter().find(|u| u.name == name) {
                Some(u) if u.prohibited => {
                    self.fail(n, format!("<{}> must not have the attribute {}", label(n), a.name()))
                }
                Some(u) => {
                    let ty = u.ty.clone().or_else(|| self.set.attributes.get(&name).cloned().flatten());
                    if let Some(ty) = ty
                        && let Err(e) = simple::check(self.set, &ty, a.value())
                    {
                        self.fail(n, format!("<{}> attribute {}: {e}", label(n), a.name()));
                    }
                }
                None if eff.any_attribute.as_ref().is_some_and(|w| w.allows(ns)) => {}
                None => self.fail(n, format!("<{}> does not take the attribute {}", label(n), a.name())),
            }
        }
        for u in eff.attributes.iter().filter(|u| u.required) {
            let present = if u.name.0.is_empty() {
                n.attribute(u.name.1.as_str()).is_some()
            } else {
                n.attribute((u.name.0.as_str(), u.name.1.as_str())).is_some()
            };
            if !present {
                self.fail(n, format!("<{}> is missing the required attribute {}", label(n), u.name.1));
            }
        }
    }

    fn effective(&self, ct: &ComplexType, depth: usize) -> Effective {
        let mut eff = Effective { simple_content: ct.has_simple_content, ..Default::default() };
        let mut extends = false;
        if let Some((base, is_extension)) = &ct.base {
            extends = *is_extension;
            if let Some(b) = self.set.complex.get(base).filter(|_| depth < 32) {
                let b = self.effective(b, depth + 1);
                eff.attributes = b.attributes;
                eff.any_attribute = b.any_attribute;
                eff.simple = b.simple;
                eff.mixed = b.mixed && extends;
                if extends {
                    eff.particle = b.particle;
                }
            } else if !(base.0 == XS && base.1 == "anyType") {
                eff.simple = Some(SimpleRef::Named(base.clone()));
            }
        }
        if ct.simple.is_some() {
            eff.simple.clone_from(&ct.simple);
        }
        eff.mixed |= ct.mixed;
        eff.particle = match (eff.particle.take(), ct.particle.clone()) {
            (Some(base), Some(own)) if extends => {
                Some(Arc::new(Particle { term: Term::Sequence(vec![base, own]), min: 1, max: Some(1) }))
            }
            (base, None) if extends => base,
            (_, own) => own,
        };
        let mut own = ct.attributes.clone();
        let mut any = ct.any_attribute.clone();
        self.attribute_groups(&ct.attribute_groups, &mut own, &mut any, 0);
        for u in own {
            eff.attributes.retain(|b| b.name != u.name);
            eff.attributes.push(u);
        }
        if any.is_some() {
            eff.any_attribute = any;
        }
        eff
    }

    fn attribute_groups(&self, groups: &[QName], out: &mut Vec<AttrUse>, any: &mut Option<Wildcard>, depth: usize) {
        for g in groups {
            if let Some(group) = self.set.attribute_groups.get(g).filter(|_| depth < 16) {
                out.extend(group.attributes.iter().cloned());
                if group.any.is_some() {
                    any.clone_from(&group.any);
                }
                self.attribute_groups(&group.groups, out, any, depth + 1);
            }
        }
    }

    /// Matches a particle as often as it occurs; `Err` names what is missing.
    fn particle(
        &self,
        p: &Particle,
        kids: &[roxmltree::Node],
        pos: &mut usize,
        binds: &mut Vec<Binding>,
    ) -> Result<(), String> {
        let mut count = 0;
        while p.max.is_none_or(|m| count < m) && *pos < kids.len() && self.starts(&p.term, kids[*pos], 0) {
            let before = *pos;
            self.term(&p.term, kids, pos, binds)?;
            count += 1;
            if *pos == before {
                break;
            }
        }
        if count < p.min && !self.nullable_term(&p.term, 0) {
            return match &p.term {
                // A group that cannot start here: matching it anyway names the part missing.
                Term::Sequence(_) | Term::Choice(_) | Term::All(_) | Term::Group(_) => {
                    self.term(&p.term, kids, pos, binds)?;
                    Err(self.expected(&p.term, 0))
                }
                _ => Err(self.expected(&p.term, 0)),
            };
        }
        Ok(())
    }

    fn term(
        &self,
        t: &Term,
        kids: &[roxmltree::Node],
        pos: &mut usize,
        binds: &mut Vec<Binding>,
    ) -> Result<(), String> {
        match t {
            Term::Element(decl) => {
                binds.push(Binding::Decl(decl.clone()));
                *pos += 1;
            }
            Term::ElementRef(name) => {
                match self.set.elements.get(name) {
                    Some(decl) => binds.push(Binding::Decl(decl.clone())),
                    None => binds.push(Binding::Wild(false)),
                }
                *pos += 1;
            }
            Term::Any(w) => {
                binds.push(Binding::Wild(w.strict));
                *pos += 1;
            }
            Term::Sequence(list) => {
                for p in list {
                    self.particle(p, kids, pos, binds)?;
                }
            }
            Term::Choice(list) => {
                let next = kids.get(*pos).copied();
                match next.and_then(|k| list.iter().find(|p| self.starts(&p.term, k, 0))) {
                    Some(p) => self.particle(p, kids, pos, binds)?,
                    None if list.iter().any(|p| self.nullable(p, 0)) => {}
                    None => return Err(self.expected(t, 0)),
                }
            }
            Term::All(list) => {
                let mut used = vec![false; list.len()];
                while let Some(k) = kids.get(*pos).copied() {
                    let Some(i) = (0..list.len()).find(|&i| !used[i] && self.starts(&list[i].term, k, 0)) else {
                        break;
                    };
                    used[i] = true;
                    self.particle(&list[i], kids, pos, binds)?;
                }
                if let Some(i) = (0..list.len()).find(|&i| !used[i] && !self.nullable(&list[i], 0)) {
                    return Err(self.expected(&list[i].term, 0));
                }
            }
            Term::Group(name) => {
                if let Some(p) = self.set.groups.get(name) {
                    self.particle(p, kids, pos, binds)?;
                }
            }
        }
        Ok(())
    }

    /// Whether `t` can begin with the element `k`.
    fn starts(&self, t: &Term, k: roxmltree::Node, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match t {
            Term::Element(decl) => decl.name == qname(k),
            Term::ElementRef(name) => *name == qname(k),
            Term::Any(w) => w.allows(k.tag_name().namespace().unwrap_or("")),
            Term::Sequence(list) => {
                for p in list {
                    if self.starts(&p.term, k, depth + 1) {
                        return true;
                    }
                    if !self.nullable(p, depth + 1) {
                        return false;
                    }
                }
                false
            }
            Term::Choice(list) | Term::All(list) => list.iter().any(|p| self.starts(&p.term, k, depth + 1)),
            Term::Group(name) => self.set.groups.get(name).is_some_and(|p| self.starts(&p.term, k, depth + 1)),
        }
    }

    fn nullable(&self, p: &Particle, depth: usize) -> bool {
        p.min == 0 || self.nullable_term(&p.term, depth)
    }

    fn nullable_term(&self, t: &Term, depth: usize) -> bool {
        if depth > 32 {
            return true;
        }
        match t {
            Term::Element(_) | Term::ElementRef(_) | Term::Any(_) => false,
            Term::Sequence(list) | Term::All(list) => list.iter().all(|p| self.nullable(p, depth + 1)),
            Term::Choice(list) => list.iter().any(|p| self.nullable(p, depth + 1)),
            Term::Group(name) => self.set.groups.get(name).is_none_or(|p| self.nullable(p, depth + 1)),
        }
    }

    /// What could come at this point, for the message.
    fn expected(&self, t: &Term, depth: usize) -> String {
        let mut names = Vec::new();
        self.first_names(t, &mut names, depth);
        names.dedup();
        match names.len() {
            0 => "an element".into(),
            1 => names.remove(0),
            _ => format!("one of {}", names.join(", ")),
        }
    }

    fn first_names(&self, t: &Term, out: &mut Vec<String>, depth: usize) {
        if depth > 32 || out.len() > 8 {
            return;
        }
        match t {
            Term::Element(decl) => out.push(format!("<{}>", decl.name.1)),
            Term::ElementRef(name) => out.push(format!("<{}>", name.1)),
            Term::Any(_) => out.push("an element from another namespace".into()),
            Term::Sequence(list) => {
                for p in list {
                    self.first_names(&p.term, out, depth + 1);
                    if !self.nullable(p, depth + 1) {
                        break;
                    }
                }
            }
            Term::Choice(list) | Term::All(list) => list.iter().for_each(|p| self.first_names(&p.term, out, depth + 1)),
            Term::Group(name) => {
                if let Some(p) = self.set.groups.get(name) {
                    self.first_names(&p.term, out, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
