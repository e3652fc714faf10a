package services

import (
	"fmt"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// Characters a query name may not contain (CMIS 1.1 2.1.2.1.3): they
// would make it unparseable in a query or a filter.
const forbiddenQueryNameChars = " \t\r\n,\"'\\.()"

func validQueryName(s string) bool {
	return s != "" && !strings.ContainsAny(s, forbiddenQueryNameChars)
}

// checkType validates a type for createType (old nil) or updateType
// (old the stored type) against its parent, fills what the client may
// leave out, and returns the type to store. Both apply the same rules, in
// this order: the parent (or the type) allows the change; the type sits
// under its parent with its parent's base type; names default and must be
// usable in queries; what its base kind allows (checkKind); its own
// property definitions (checkOwnProperties). What an update may not
// change is fixedOnUpdate's.
func checkType(t, parent, old *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	if err := checkMutable(parent, old); err != nil {
		return nil, err
	}
	if t.BaseID != "" && t.BaseID != parent.BaseID {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "baseId %s does not match parent %s's base type %s", t.BaseID, parent.ID, parent.BaseID)
	}
	if t.ParentID != "" && t.ParentID != parent.ID {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "the parent of %s is %s: it cannot change", t.ID, parent.ID)
	}
	t.BaseID, t.ParentID = parent.BaseID, parent.ID
	names := &cmis.TypeDefinition{LocalName: t.ID, QueryName: t.ID, DisplayName: t.ID}
	if old == nil {
		if t.ID == "" {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type id is required")
		}
		if strings.HasPrefix(t.ID, "cmis:") {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type id %q: the cmis: prefix is reserved", t.ID)
		}
		// A subtype always allows its own subtypes to be created, changed
		// and deleted: that is what createType is for.
		t.TypeMutability = cmis.TypeMutability{Create: true, Update: true, Delete: true}
	} else {
		if err := fixedOnUpdate(t, old); err != nil {
			return nil, err
		}
		names = old
	}
	if t.LocalName == "" {
		t.LocalName = names.LocalName
	}
	if t.QueryName == "" {
		t.QueryName = names.QueryName
	}
	if t.DisplayName == "" {
		t.DisplayName = names.DisplayName
	}
	if (old == nil || t.QueryName != old.QueryName) && (!validQueryName(t.QueryName) || strings.HasPrefix(t.QueryName, "cmis:")) {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type query name %q is not allowed", t.QueryName)
	}
	if err := checkKind(t, parent); err != nil {
		return nil, err
	}
	var kept []cmis.PropertyDefinition // the update's type's own definitions
	if old != nil {
		for _, p := range old.PropertyDefinitions {
			if !p.Inherited {
				kept = append(kept, p)
			}
		}
	}
	props, err := checkOwnProperties(t.PropertyDefinitions, parent.PropertyDefinitions, kept)
	if err != nil {
		return nil, err
	}
	t.PropertyDefinitions = props
	return t, nil
}

// checkMutable: createType needs a parent that allows subtypes, updateType
// a type that allows updates (never a base type).
func checkMutable(parent, old *cmis.TypeDefinition) error {
	if old != nil {
		if old.IsBase() || !old.TypeMutability.Update {
			return cmis.Errorf(cmis.ErrConstraint, "type %s cannot be updated", old.ID)
		}
		return nil
	}
	if !parent.TypeMutability.Create {
		return cmis.Errorf(cmis.ErrConstraint, "type %s does not allow subtypes", parent.ID)
	}
	return nil
}

// fixedOnUpdate keeps what updateType may not change: the type's
// mutability, and of a document type what its documents were created
// under (versionable, contentStreamAllowed). Its place in the hierarchy
// (checkType) and its properties' type, cardinality, query name and
// being optional (checkCompatible) do not change either.
func fixedOnUpdate(t, old *cmis.TypeDefinition) error {
	t.TypeMutability = old.TypeMutability
	if old.BaseID != cmis.BaseDocument {
		return nil
	}
	t.Versionable = old.Versionable
	if t.ContentStreamAllowed == "" {
		t.ContentStreamAllowed = old.ContentStreamAllowed
	}
	if t.ContentStreamAllowed != old.ContentStreamAllowed {
		return cmis.Errorf(cmis.ErrConstraint, "contentStreamAllowed of %s cannot change", old.ID)
	}
	return nil
}

// checkKind enforces what a base kind allows of its subtypes.
func checkKind(t, parent *cmis.TypeDefinition) error {
	switch t.BaseID {
	case cmis.BaseDocument:
		if t.ContentStreamAllowed == "" {
			t.ContentStreamAllowed = parent.ContentStreamAllowed
		}
		switch t.ContentStreamAllowed {
		case cmis.ContentAllowed, cmis.ContentNotAllowed, cmis.ContentRequired:
		default:
			return cmis.Errorf(cmis.ErrInvalidArgument, "contentStreamAllowed %q is not allowed", t.ContentStreamAllowed)
		}
	case cmis.BaseRelationship:
		if t.Fileable {
			return cmis.Errorf(cmis.ErrConstraint, "relationship types are not fileable")
		}
	case cmis.BaseSecondary:
		if t.Creatable || t.Fileable || t.ControllableACL || t.ControllablePolicy {
			return cmis.Errorf(cmis.ErrConstraint, "secondary types are not creatable, fileable or controllable")
		}
	case cmis.BaseFolder:
		if !t.Fileable {
			return cmis.Errorf(cmis.ErrConstraint, "folder types are always fileable")
		}
	}
	if t.BaseID != cmis.BaseDocument {
		t.Versionable, t.ContentStreamAllowed = false, ""
	}
	if t.BaseID != cmis.BaseRelationship {
		t.AllowedSourceTypes, t.AllowedTargetTypes = nil, nil
	}
	return nil
}

// checkOwnProperties validates the property definitions a type defines
// itself (those not marked inherited). inherited are the parent's; kept
// are the type's existing own definitions (updateType), which may be
// restated but not changed incompatibly. It returns inherited definitions
// followed by the type's own.
func checkOwnProperties(in, inherited, kept []cmis.PropertyDefinition) ([]cmis.PropertyDefinition, error) {
	seen := map[string]bool{}
	seenQuery := map[string]bool{}
	out := make([]cmis.PropertyDefinition, 0, len(inherited)+len(in))
	for _, p := range inherited {
		p.Inherited = true
		seen[p.ID], seenQuery[p.QueryName] = true, true
		out = append(out, p)
	}
	keptByID := map[string]cmis.PropertyDefinition{}
	for _, p := range kept {
		keptByID[p.ID] = p
		seenQuery[p.QueryName] = true
	}
	var own []cmis.PropertyDefinition
	for _, p := range in {
		if p.Inherited {
			continue // clients echo inherited definitions; they are the parent's
		}
		if p.ID == "" {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "a property definition has no id")
		}
		if seen[p.ID] {
			if _, ok := keptByID[p.ID]; !ok {
				return nil, cmis.Errorf(cmis.ErrInvalidArgument, "property %s is defined twice", p.ID)
			}
		}
		if strings.HasPrefix(p.ID, "cmis:") {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "property id %q: the cmis: prefix is reserved", p.ID)
		}
		if err := checkPropertyDefinition(&p); err != nil {
			return nil, err
		}
		if old, ok := keptByID[p.ID]; ok {
			if err := checkCompatible(old, p); err != nil {
				return nil, err
			}
			delete(keptByID, p.ID)
		} else if seenQuery[p.QueryName] {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "query name %s is used twice", p.QueryName)
		}
		seen[p.ID], seenQuery[p.QueryName] = true, true
		own = append(own, p)
	}
	// Existing definitions the update did not restate stay as they are.
	for _, p := range kept {
		if _, ok := keptByID[p.ID]; ok {
			own = append(own, p)
		}
	}
	return append(out, own...), nil
}

// checkCompatible allows an update to change what describes a property,
// never what existing values depend on.
func checkCompatible(old, p cmis.PropertyDefinition) error {
	if old.PropertyType != p.PropertyType || old.Cardinality != p.Cardinality || old.QueryName != p.QueryName {
		return cmis.Errorf(cmis.ErrConstraint, "property %s: type, cardinality and query name cannot change", p.ID)
	}
	if p.Required && !old.Required {
		return cmis.Errorf(cmis.ErrConstraint, "property %s cannot become required", p.ID)
	}
	return nil
}

func checkPropertyDefinition(p *cmis.PropertyDefinition) error {
	bad := func(format string, args ...any) error {
		return cmis.Errorf(cmis.ErrInvalidArgument, "property %s: %s", p.ID, fmt.Sprintf(format, args...))
	}
	if !p.PropertyType.Valid() {
		return bad("unknown property type %q", p.PropertyType)
	}
	if p.LocalName == "" {
		p.LocalName = p.ID
	}
	if p.QueryName == "" {
		p.QueryName = p.ID
	}
	if p.DisplayName == "" {
		p.DisplayName = p.ID
	}
	if !validQueryName(p.QueryName) || strings.HasPrefix(p.QueryName, "cmis:") {
		return bad("query name %q is not allowed", p.QueryName)
	}
	switch p.Cardinality {
	case cmis.Single, cmis.Multi:
	case "":
		p.Cardinality = cmis.Single
	default:
		return bad("cardinality %q", p.Cardinality)
	}
	switch p.Updatability {
	case cmis.ReadWrite, cmis.ReadOnly, cmis.OnCreate, cmis.WhenCheckedOut:
	case "":
		p.Updatability = cmis.ReadWrite
	default:
		return bad("updatability %q", p.Updatability)
	}
	if p.Cardinality == cmis.Multi && p.Orderable {
		return bad("a multi-valued property cannot be orderable")
	}
	if p.MaxLength != nil && (p.PropertyType != cmis.PropertyString || *p.MaxLength < 0) {
		return bad("maxLength applies to string properties and cannot be negative")
	}
	if (p.MinValue != nil || p.MaxValue != nil) && p.PropertyType != cmis.PropertyInteger && p.PropertyType != cmis.PropertyDecimal {
		return bad("minValue and maxValue apply to integer and decimal properties")
	}
	if p.MinValue != nil && p.MaxValue != nil && compareValues(*p.MinValue, *p.MaxValue) > 0 {
		return bad("minValue is above maxValue")
	}
	if p.Precision != nil && (p.PropertyType != cmis.PropertyDecimal || (*p.Precision != "32" && *p.Precision != "64")) {
		return bad("precision must be 32 or 64, on decimal properties")
	}
	if p.Resolution != nil && (p.PropertyType != cmis.PropertyDateTime ||
		(*p.Resolution != "year" && *p.Resolution != "date" && *p.Resolution != "time")) {
		return bad("resolution must be year, date or time, on datetime properties")
	}
	if p.Cardinality == cmis.Single && len(p.DefaultValue) > 1 {
		return bad("a single-valued property has one default value at most")
	}
	for _, v := range p.DefaultValue {
		if err := checkValue(p, v); err != nil {
			return bad("default value: %v", err)
		}
	}
	var walk func([]cmis.Choice) error
	walk = func(cs []cmis.Choice) error {
		for _, c := range cs {
			for _, v := range c.Values {
				if err := checkValue(p, v); err != nil {
					return bad("choice %q: %v", c.DisplayName, err)
				}
			}
			if err := walk(c.Choices); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(p.Choices)
}

// checkValue checks one value against a definition's type and bounds.
func checkValue(p *cmis.PropertyDefinition, v cmis.Value) error {
	if !cmis.CheckValue(p.PropertyType, v) {
		return fmt.Errorf("value %v is not of type %s", v, p.PropertyType)
	}
	if s, ok := v.(string); ok && p.MaxLength != nil && int64(len([]rune(s))) > *p.MaxLength {
		return fmt.Errorf("value is longer than %d characters", *p.MaxLength)
	}
	if p.MinValue != nil && compareValues(v, *p.MinValue) < 0 {
		return fmt.Errorf("value %v is below the minimum", v)
	}
	if p.MaxValue != nil && compareValues(v, *p.MaxValue) > 0 {
		return fmt.Errorf("value %v is above the maximum", v)
	}
	return nil
}

// compareValues orders two integers or two decimals.
func compareValues(a, b cmis.Value) int {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
		return cmis.Decimal(fmt.Sprint(x)).Cmp(b.(cmis.Decimal))
	case cmis.Decimal:
		if y, ok := b.(int64); ok {
			return x.Cmp(cmis.Decimal(fmt.Sprint(y)))
		}
		return x.Cmp(b.(cmis.Decimal))
	}
	return 0
}
