//! An XML Schema set read into owned components: element and type declarations, model groups
//! and simple types, keyed by qualified name. Only what the bundled CycloneDX and JVN schemas
//! use is modelled; see `mod.rs` for what is and is not enforced.

use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;

pub const XS: &str = "http://www.w3.org/2001/XMLSchema";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// (namespace, local name); the namespace is empty for unqualified names.
pub type QName = (String, String);

#[derive(Debug)]
pub struct ElementDecl {
    pub name: QName,
    pub ty: TypeRef,
}

#[derive(Debug, Clone)]
pub enum TypeRef {
    Named(QName),
    Complex(Arc<ComplexType>),
    Simple(Arc<SimpleType>),
    /// No type given: anything goes.
    Any,
}

#[derive(Debug, Default)]
pub struct ComplexType {
    /// `complexContent` or `simpleContent` derivation: the base and whether it extends it.
    pub base: Option<(QName, bool)>,
    pub particle: Option<Arc<Particle>>,
    pub attributes: Vec<AttrUse>,
    pub attribute_groups: Vec<QName>,
    pub any_attribute: Option<Wildcard>,
    /// Text allowed: simple content (the restriction's own simple type when it gives one) or mixed.
    pub simple: Option<SimpleRef>,
    pub has_simple_content: bool,
    pub mixed: bool,
}

#[derive(Debug, Clone)]
pub struct AttrUse {
    pub name: QName,
    pub ty: Option<SimpleRef>,
    pub required: bool,
    pub prohibited: bool,
}

#[derive(Debug)]
pub struct Particle {
    pub term: Term,
    pub min: u32,
    /// `None` is unbounded.
    pub max: Option<u32>,
}

#[derive(Debug)]
pub enum Term {
    Element(Arc<ElementDecl>),
    ElementRef(QName),
    Sequence(Vec<Arc<Particle>>),
    Choice(Vec<Arc<Particle>>),
    All(Vec<Arc<Particle>>),
    Any(Wildcard),
    Group(QName),
}

#[derive(Debug, Clone)]
pub struct Wildcard {
    /// `##any`, `##other` (relative to `target`), or a list that may contain `##local` / `##targetNamespace`.
    pub namespaces: Namespaces,
    pub target: String,
    /// `skip` and `lax` contents are not checked unless declared; `strict` must be declared.
    pub strict: bool,
}

#[derive(Debug, Clone)]
pub enum Namespaces {
    Any,
    Other,
    List(Vec<String>),
}

impl Wildcard {
    pub fn allows(&self, namespace: &str) -> bool {
        match &self.namespaces {
            Namespaces::Any => true,
            Namespaces::Other => !namespace.is_empty() && namespace != self.target,
            Namespaces::List(list) => list.iter().any(|n| n == namespace),
        }
    }
}

#[derive(Debug, Clone)]
pub enum SimpleRef {
    Named(QName),
    Anonymous(Arc<SimpleType>),
}

#[derive(Debug)]
pub enum SimpleType {
    Restriction { base: SimpleRef, facets: Facets },
    List(SimpleRef),
    Union(Vec<SimpleRef>),
}

#[derive(Debug, Default)]
pub struct Facets {
    pub enumeration: Vec<String>,
    /// Compiled patterns; a pattern the regex engine does not take is counted in `unchecked`.
    pub patterns: Vec<Regex>,
    pub unchecked_patterns: usize,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_inclusive: Option<f64>,
    pub max_inclusive: Option<f64>,
    pub min_exclusive: Option<f64>,
    pub max_exclusive: Option<f64>,
}

#[derive(Debug, Default)]
pub struct AttributeGroup {
    pub attributes: Vec<AttrUse>,
    pub groups: Vec<QName>,
    pub any: Option<Wildcard>,
}

/// Every component of a schema set, by qualified name.
#[derive(Debug, Default)]
pub struct Components {
    pub elements: HashMap<QName, Arc<ElementDecl>>,
    pub complex: HashMap<QName, Arc<ComplexType>>,
    pub simple: HashMap<QName, Arc<SimpleType>>,
    pub groups: HashMap<QName, Arc<Particle>>,
    pub attribute_groups: HashMap<QName, AttributeGroup>,
    pub attributes: HashMap<QName, Option<SimpleRef>>,
}

/// Reads one schema document into `into`; returns the `schemaLocation`s it imports or includes.
pub fn read(text: &str, into: &mut Components) -> Result<Vec<String>, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(XS) || root.tag_name().name() != "schema" {
        return Err("not an XML Schema document".into());
    }
    let reader = Reader {
        target: root.attribute("targetNamespace").unwrap_or("").to_string(),
        qualified_elements: root.attribute("elementFormDefault") == Some("qualified"),
        qualified_attributes: root.attribute("attributeFormDefault") == Some("qualified"),
    };
    let mut locations = Vec::new();
    for child in xs_children(root) {
        let name = || reader.global_name(child);
        match child.tag_name().name() {
            "import" | "include" => locations.extend(child.attribute("schemaLocation").map(str::to_string)),
            "element" => {
                let decl = reader.element(child, name());
                into.elements.insert(decl.name.clone(), Arc::new(decl));
            }
            "complexType" => {
                into.complex.insert(name(), Arc::new(reader.complex(child)));
            }
            "simpleType" => {
                into.simple.insert(name(), Arc::new(reader.simple(child)));
            }
            "group" => {
                if let Some(p) = xs_children(child).find_map(|c| reader.particle(c)) {
                    into.groups.insert(name(), Arc::new(p));
                }
            }
            "attributeGroup" => {
                let mut group = AttributeGroup::default();
                reader.attributes(child, &mut group.attributes, &mut group.groups, &mut group.any);
                into.attribute_groups.insert(name(), group);
            }
            "attribute" => {
                let ty = reader.attribute_type(child);
                into.attributes.insert(name(), ty);
            }
            _ => {}
        }
    }
    Ok(locations)
}

fn xs_children<'a, 'i>(n: roxmltree::Node<'a, 'i>) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    n.children().filter(|c| c.is_element() && c.tag_name().namespace() == Some(XS))
}

fn occurs(n: roxmltree::Node, name: &str) -> Option<u32> {
    match n.attribute(name) {
        None => Some(1),
        Some("unbounded") => None,
        Some(v) => Some(v.trim().parse().unwrap_or(1)),
    }
}

struct Reader {
    target: String,
    qualified_elements: bool,
    qualified_attributes: bool,
}

impl Reader {
    fn global_name(&self, n: roxmltree::Node) -> QName {
        (self.target.clone(), n.attribute("name").unwrap_or("").to_string())
    }

    /// A QName-valued attribute resolved with the schema document's prefixes.
    fn qname(n: roxmltree::Node, value: &str) -> QName {
        let (prefix, local) = match value.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, value),
        };
        let ns = match prefix {
            // Bound in every document without a declaration.
            Some("xml") => XML,
            _ => n.lookup_namespace_uri(prefix).unwrap_or(""),
        };
        (ns.to_string(), local.to_string())
    }

    fn element(&self, n: roxmltree::Node, name: QName) -> ElementDecl {
        let ty = if let Some(t) = n.attribute("type") {
            TypeRef::Named(Self::qname(n, t))
        } else if let Some(c) = xs_children(n).find(|c| c.tag_name().name() == "complexType") {
            TypeRef::Complex(Arc::new(self.complex(c)))
        } else if let Some(s) = xs_children(n).find(|c| c.tag_name().name() == "simpleType") {
            TypeRef::Simple(Arc::new(self.simple(s)))
        } else {
            TypeRef::Any
        };
        ElementDecl { name, ty }
    }

    fn particle(&self, n: roxmltree::Node) -> Option<Particle> {
        let (min, max) = (occurs(n, "minOccurs").unwrap_or(1), occurs(n, "maxOccurs"));
        let list = |r: &Reader| xs_children(n).filter_map(|c| r.particle(c).map(Arc::new)).collect::<Vec<_>>();
        let term = match n.tag_name().name() {
            "element" => match n.attribute("ref") {
                Some(r) => Term::ElementRef(Self::qname(n, r)),
                None => {
                    let qualified = match n.attribute("form") {
                        Some(f) => f == "qualified",
                        None => self.qualified_elements,
                    };
                    let ns = if qualified { self.target.clone() } else { String::new() };
                    let name = (ns, n.attribute("name").unwrap_or("").to_string());
                    Term::Element(Arc::new(self.element(n, name)))
                }
            },
            "sequence" => Term::Sequence(list(self)),
            "choice" => Term::Choice(list(self)),
            "all" => Term::All(list(self)),
            "any" => Term::Any(self.wildcard(n)),
            "group" => Term::Group(Self::qname(n, n.attribute("ref")?)),
            _ => return None,
        };
        Some(Particle { term, min, max })
    }

    fn wildcard(&self, n: roxmltree::Node) -> Wildcard {
        let namespaces = match n.attribute("namespace").unwrap_or("##any").trim() {
            "##any" => Namespaces::Any,
            "##other" => Namespaces::Other,
            list => Namespaces::List(
                list.split_whitespace()
                    .map(|t| match t {
                        "##local" => String::new(),
                        "##targetNamespace" => self.target.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
        };
        Wildcard {
            namespaces,
            target: self.target.clone(),
            strict: n.attribute("processContents").unwrap_or("strict") == "strict",
        }
    }

    fn attribute_type(&self, n: roxmltree::Node) -> Option<SimpleRef> {
        if let Some(t) = n.attribute("type") {
            return Some(SimpleRef::Named(Self::qname(n, t)));
        }
        xs_children(n)
            .find(|c| c.tag_name().name() == "simpleType")
            .map(|s| SimpleRef::Anonymous(Arc::new(self.simple(s))))
    }

    fn attributes(
        &self,
        n: roxmltree::Node,
        out: &mut Vec<AttrUse>,
        groups: &mut Vec<QName>,
        any: &mut Option<Wildcard>,
    ) {
        for c in xs_children(n) {
            match c.tag_name().name() {
                "attribute" => {
                    // A `ref` to a global attribute has its type looked up at validation.
                    let name = match c.attribute("ref") {
                        Some(r) => Self::qname(c, r),
                        None => {
                            let qualified = match c.attribute("form") {
                                Some(f) => f == "qualified",
                                None => self.qualified_attributes,
                            };
                            let ns = if qualified { self.target.clone() } else { String::new() };
                            (ns, c.attribute("name").unwrap_or("").to_string())
                        }
                    };
                    out.push(AttrUse {
                        name,
                        ty: self.attribute_type(c),
                        required: c.attribute("use") == Some("required"),
                        prohibited: c.attribute("use") == Some("prohibited"),
                    });
                }
                "attributeGroup" => groups.extend(c.attribute("ref").map(|r| Self::qname(c, r))),
                "anyAttribute" => *any = Some(self.wildcard(c)),
                _ => {}
            }
        }
    }

    fn complex(&self, n: roxmltree::Node) -> ComplexType {
        let mut ct = ComplexType { mixed: n.attribute("mixed") == Some("true"), ..Default::default() };
        let mut holder = n;
        for c in xs_children(n) {
            match c.tag_name().name() {
                "complexContent" | "simpleContent" => {
                    ct.has_simple_content = c.tag_name().name() == "simpleContent";
                    if c.attribute("mixed") == Some("true") {
                        ct.mixed = true;
                    }
                    if let Some(d) = xs_children(c).find(|d| matches!(d.tag_name().name(), "extension" | "restriction"))
                    {
                        let extends = d.tag_name().name() == "extension";
                        ct.base = d.attribute("base").map(|b| (Self::qname(d, b), extends));
                        if ct.has_simple_content && !extends {
                            // A restriction of simple content: its own facets over the base's type.
                            let facets = self.facets(d);
                            if let Some((base, _)) = &ct.base {
                                let own = SimpleType::Restriction { base: SimpleRef::Named(base.clone()), facets };
                                ct.simple = Some(SimpleRef::Anonymous(Arc::new(own)));
                            }
                        }
                        holder = d;
                    }
                }
                _ => {}
            }
        }
        ct.particle = xs_children(holder).find_map(|c| self.particle(c)).map(Arc::new);
        let (mut attributes, mut groups, mut any) = (Vec::new(), Vec::new(), None);
        self.attributes(holder, &mut attributes, &mut groups, &mut any);
        ct.attributes = attributes;
        ct.attribute_groups = groups;
        ct.any_attribute = any;
        ct
    }

    fn simple(&self, n: roxmltree::Node) -> SimpleType {
        for c in xs_children(n) {
            match c.tag_name().name() {
                "restriction" => {
                    let base = match c.attribute("base") {
                        Some(b) => SimpleRef::Named(Self::qname(c, b)),
                        None => xs_children(c)
                            .find(|s| s.tag_name().name() == "simpleType")
                            .map(|s| SimpleRef::Anonymous(Arc::new(self.simple(s))))
                            .unwrap_or_else(|| SimpleRef::Named((XS.into(), "anySimpleType".into()))),
                    };
                    return SimpleType::Restriction { base, facets: self.facets(c) };
                }
                "list" => {
                    let item = match c.attribute("itemType") {
                        Some(t) => SimpleRef::Named(Self::qname(c, t)),
                        None => xs_children(c)
                            .find(|s| s.tag_name().name() == "simpleType")
                            .map(|s| SimpleRef::Anonymous(Arc::new(self.simple(s))))
                            .unwrap_or_else(|| SimpleRef::Named((XS.into(), "anySimpleType".into()))),
                    };
                    return SimpleType::List(item);
                }
                "union" => {
                    let mut members: Vec<SimpleRef> = c
                        .attribute("memberTypes")
                        .unwrap_or("")
                        .split_whitespace()
                        .map(|t| SimpleRef::Named(Self::qname(c, t)))
                        .collect();
                    members.extend(
                        xs_children(c)
                            .filter(|s| s.tag_name().name() == "simpleType")
                            .map(|s| SimpleRef::Anonymous(Arc::new(self.simple(s)))),
                    );
                    return SimpleType::Union(members);
                }
                _ => {}
            }
        }
        SimpleType::Restriction {
            base: SimpleRef::Named((XS.into(), "anySimpleType".into())),
            facets: Facets::default(),
        }
    }

    fn facets(&self, n: roxmltree::Node) -> Facets {
        let mut f = Facets::default();
        for c in xs_children(n) {
            let Some(value) = c.attribute("value") else { continue };
            let number = || value.trim().parse::<f64>().ok();
            match c.tag_name().name() {
                "enumeration" => f.enumeration.push(value.to_string()),
                "pattern" => match super::pattern::compile(value) {
                    Some(r) => f.patterns.push(r),
                    None => f.unchecked_patterns += 1,
                },
                "length" => {
                    f.min_length = value.trim().parse().ok();
                    f.max_length = f.min_length;
                }
                "minLength" => f.min_length = value.trim().parse().ok(),
                "maxLength" => f.max_length = value.trim().parse().ok(),
                "minInclusive" => f.min_inclusive = number(),
                "maxInclusive" => f.max_inclusive = number(),
                "minExclusive" => f.min_exclusive = number(),
                "maxExclusive" => f.max_exclusive = number(),
                _ => {}
            }
        }
        f
    }
}
