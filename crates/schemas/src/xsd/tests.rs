//! The validator on small schemas written for the case, each rule once valid and once not.

use super::SchemaSet;

const BOM: &str = r###"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:t"
    targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:annotation><xs:documentation>an annotation before the import, as CycloneDX writes it</xs:documentation></xs:annotation>
  <xs:import namespace="urn:other" schemaLocation="https://example.org/not-bundled.xsd"/>
  <xs:simpleType name="kind">
    <xs:restriction base="xs:string">
      <xs:enumeration value="library"/><xs:enumeration value="device"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="serial">
    <xs:restriction base="xs:string"><xs:pattern value="urn:uuid:[0-9a-f]{8}"/></xs:restriction>
  </xs:simpleType>
  <xs:complexType name="entity">
    <xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence>
  </xs:complexType>
  <xs:complexType name="supplier">
    <xs:complexContent><xs:extension base="b:entity">
      <xs:sequence><xs:element name="url" type="xs:anyURI" minOccurs="0" maxOccurs="2"/></xs:sequence>
      <xs:attribute name="trusted" type="xs:boolean"/>
    </xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:complexType name="component">
    <xs:sequence>
      <xs:element name="supplier" type="b:supplier" minOccurs="0"/>
      <xs:element name="name" type="xs:string"/>
      <xs:element name="version" type="xs:string" minOccurs="0"/>
      <xs:choice minOccurs="0"><xs:element name="purl" type="xs:string"/><xs:element name="cpe" type="xs:string"/></xs:choice>
      <xs:element name="components" minOccurs="0">
        <xs:complexType><xs:sequence>
          <xs:element name="component" type="b:component" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence></xs:complexType>
      </xs:element>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="type" type="b:kind" use="required"/>
    <xs:attribute name="count" type="xs:positiveInteger"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:complexType>
  <xs:element name="bom">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="created" type="xs:dateTime" minOccurs="0"/>
        <xs:element name="components" minOccurs="0">
          <xs:complexType><xs:sequence>
            <xs:element name="component" type="b:component" minOccurs="0" maxOccurs="unbounded"/>
          </xs:sequence></xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="serialNumber" type="b:serial"/>
      <xs:attribute name="version" type="xs:integer" default="1"/>
    </xs:complexType>
  </xs:element>
</xs:schema>"###;

fn check(xml: &str) -> Vec<(String, String)> {
    let set = SchemaSet::load(&[("bom.xsd", BOM)], "bom.xsd").expect("schema reads");
    assert_eq!(set.missing, ["https://example.org/not-bundled.xsd"]);
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    set.validate(&doc, 20)
}

fn wrap(components: &str) -> String {
    format!(
        r#"<bom xmlns="urn:t" xmlns:o="urn:other" serialNumber="urn:uuid:0123abcd" version="1">
<created>2024-01-31T10:00:00Z</created>
<components>{components}</components>
</bom>"#
    )
}

#[test]
fn a_valid_document_has_no_failures_even_nested_and_extended() {
    let xml = wrap(
        r#"<component type="device" count="2" o:note="x">
  <supplier trusted="true"><name>ACME</name><url>https://acme.example</url></supplier>
  <name>monitor</name><version>1.0</version><cpe>cpe:/h:acme:monitor</cpe>
  <components><component type="library"><name>zlib</name><components><component type="library"><name>deep</name></component></components></component></components>
  <o:extra anything="goes"><o:inside/></o:extra>
</component>"#,
    );
    assert_eq!(check(&xml), Vec::<(String, String)>::new());
}

#[test]
fn missing_and_misplaced_elements_are_located() {
    let missing = check(&wrap("\n<component type=\"library\"><version>1</version></component>"));
    assert_eq!(missing, [("line 4".to_string(), "<component> is missing <name>, found <version>".to_string())]);
    let order =
        check(&wrap(r#"<component type="library"><name>a</name><purl>p</purl><version>1</version></component>"#));
    assert!(order[0].1.contains("<version> is not allowed here in <component>"), "{order:?}");
    let both = check(&wrap(r#"<component type="library"><name>a</name><purl>p</purl><cpe>c</cpe></component>"#));
    assert!(both[0].1.contains("<cpe> is not allowed here"), "a choice takes one: {both:?}");
    let too_many = check(&wrap(
        r#"<component type="library"><supplier><name>s</name><url>a</url><url>b</url><url>c</url></supplier><name>a</name></component>"#,
    ));
    assert!(too_many[0].1.contains("<url> is not allowed here in <supplier>"), "maxOccurs 2: {too_many:?}");
    let base_part =
        check(&wrap(r#"<component type="library"><supplier><url>a</url></supplier><name>a</name></component>"#));
    assert!(
        base_part[0].1.contains("<supplier> is missing <name>"),
        "the base type's sequence comes first: {base_part:?}"
    );
}

#[test]
fn attributes_and_simple_values_are_checked() {
    let bad_enum = check(&wrap(r#"<component type="firmware"><name>a</name></component>"#));
    assert!(bad_enum[0].1.contains("attribute type: \"firmware\" is not one of library, device"), "{bad_enum:?}");
    let no_type = check(&wrap("<component><name>a</name></component>"));
    assert!(no_type[0].1.contains("missing the required attribute type"), "{no_type:?}");
    let unknown = check(&wrap(r#"<component type="library" colour="red"><name>a</name></component>"#));
    assert!(unknown[0].1.contains("does not take the attribute colour"), "{unknown:?}");
    let count = check(&wrap(r#"<component type="library" count="0"><name>a</name></component>"#));
    assert!(count[0].1.contains("out of range"), "{count:?}");
    let trusted = check(&wrap(
        r#"<component type="library"><supplier trusted="yes"><name>s</name></supplier><name>a</name></component>"#,
    ));
    assert!(trusted[0].1.contains("not a boolean"), "an extension's own attribute: {trusted:?}");
    let serial = check(r#"<bom xmlns="urn:t" serialNumber="urn:uuid:XYZ"/>"#);
    assert!(serial[0].1.contains("does not have the form"), "{serial:?}");
    let date = check(r#"<bom xmlns="urn:t"><created>yesterday</created></bom>"#);
    assert!(date[0].1.contains("not a date and time"), "{date:?}");
    let text = check(r#"<bom xmlns="urn:t">stray text</bom>"#);
    assert!(text[0].1.contains("takes elements, not the text \"stray text\""), "{text:?}");
}

#[test]
fn a_foreign_root_and_hostile_depth_are_reported_not_crashed_on() {
    let foreign = check(r#"<bom xmlns="urn:other"/>"#);
    assert!(foreign[0].1.contains("root element <bom> is not one this schema declares"), "{foreign:?}");
    let mut deep = String::new();
    for _ in 0..300 {
        deep.push_str(r#"<component type="library"><name>n</name><components>"#);
    }
    for _ in 0..300 {
        deep.push_str("</components></component>");
    }
    let failures = check(&wrap(&deep));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].1.contains("nested more than 200 elements deep"));
}

#[test]
fn failures_are_capped() {
    let many: String = (0..100).map(|_| r#"<component type="bad"><name>a</name></component>"#).collect();
    assert_eq!(check(&wrap(&many)).len(), 20);
}
