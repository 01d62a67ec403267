// Package facts is the shape of the compact schema facts files under
// schemacheck/testdata: the generator (schemacheck/gen) writes them from the
// official schema sources and schemacheck reads them. One definition keeps the
// writer and the reader from drifting apart. It lives in its own package
// because the generator cannot import schemacheck, which embeds the very files
// the generator writes.
package facts

// OCSF is the OCSF schema with inheritance, includes and profiles resolved.
type OCSF struct {
	Version string `json:"version"`
	// Categories maps a category name to its uid.
	Categories map[string]int `json:"categories"`
	// Profiles names every profile the schema defines.
	Profiles []string `json:"profiles"`
	// Types is the data type dictionary (string_t, port_t, ...).
	Types map[string]Type `json:"types"`
	// Classes maps a class_uid (category_uid*1000 + class uid) to its class.
	Classes map[int]Class `json:"classes"`
	// Objects maps an object name to its object; abstract objects (names
	// starting with "_") are folded into their children and absent.
	Objects map[string]Object `json:"objects"`
}

// Type is one entry of the OCSF type dictionary.
type Type struct {
	// Base is the primitive the type is built on (string_t for ip_t); a
	// primitive names itself.
	Base string `json:"base"`
	// Range bounds a numeric type, both ends included.
	Range []int64 `json:"range,omitempty"`
	// MaxLen bounds the length of a string type, in characters.
	MaxLen int `json:"max_len,omitempty"`
	// Regex is the pattern a string type's values must match.
	Regex string `json:"regex,omitempty"`
}

// Class is one concrete event class.
type Class struct {
	Name        string               `json:"name"`
	CategoryUID int                  `json:"category_uid"`
	Attributes  map[string]Attribute `json:"attributes"`
	Constraints Constraints          `json:"constraints,omitzero"`
}

// Object is one concrete object. An object without attributes (the generic
// "object", used by unmapped) is free-form.
type Object struct {
	Attributes  map[string]Attribute `json:"attributes"`
	Constraints Constraints          `json:"constraints,omitzero"`
}

// Attribute is one attribute of a class or an object.
type Attribute struct {
	// Type is a type dictionary name, or "object_t" for an object.
	Type string `json:"type"`
	// ObjectType names the object when Type is "object_t".
	ObjectType string `json:"object_type,omitempty"`
	IsArray    bool   `json:"is_array,omitempty"`
	// Requirement is "required" or "recommended"; empty means optional.
	Requirement string `json:"requirement,omitempty"`
	// Enum lists the allowed values (the enum's keys, as written in the
	// schema: "0", "99", or "GET" for http_method). The class_uid,
	// category_uid and type_uid enums are left out: the checker derives them
	// from the class.
	Enum []string `json:"enum,omitempty"`
	// Profile names the profile that brings the attribute in; empty for the
	// class's or object's own attributes.
	Profile string `json:"profile,omitempty"`
}

// Constraints are the schema's cross-attribute rules. Names may be dotted
// paths (device.os.version).
type Constraints struct {
	AtLeastOne []string `json:"at_least_one,omitempty"`
	JustOne    []string `json:"just_one,omitempty"`
}

// ECS is the ECS field list.
type ECS struct {
	Version string `json:"version"`
	// Fields maps a flat field name (source.ip) to its definition.
	Fields map[string]Field `json:"fields"`
}

// Field is one ECS field.
type Field struct {
	// Type is the Elasticsearch field type (keyword, long, date, ...).
	Type string `json:"type"`
	// Array is set for the fields ECS normalizes to arrays.
	Array    bool `json:"array,omitempty"`
	Required bool `json:"required,omitempty"`
	// Allowed lists the only values the field takes, when ECS has such a list.
	Allowed []string `json:"allowed,omitempty"`
	// Pattern is the regular expression the values must match.
	Pattern string `json:"pattern,omitempty"`
}
