package services

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// objectType is an object's type together with the secondary types
// attached to it: everything that defines its properties.
type objectType struct {
	primary     *cmis.TypeDefinition
	secondaries []*cmis.TypeDefinition
}

// property returns the definition of a property id across the primary
// and secondary types.
func (ot objectType) property(id string) *cmis.PropertyDefinition {
	if p := ot.primary.Property(id); p != nil {
		return p
	}
	for _, s := range ot.secondaries {
		if p := s.Property(id); p != nil {
			return p
		}
	}
	return nil
}

func (ot objectType) definitions() []*cmis.PropertyDefinition {
	n := len(ot.primary.PropertyDefinitions)
	for _, s := range ot.secondaries {
		n += len(s.PropertyDefinitions)
	}
	out := make([]*cmis.PropertyDefinition, 0, n)
	for i := range ot.primary.PropertyDefinitions {
		out = append(out, &ot.primary.PropertyDefinitions[i])
	}
	if len(ot.secondaries) == 0 {
		return out
	}
	seen := make(map[string]bool, n)
	for _, p := range out {
		seen[p.ID] = true
	}
	for _, s := range ot.secondaries {
		for i := range s.PropertyDefinitions {
			if p := &s.PropertyDefinitions[i]; !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// typeCache memoises type lookups for one request: a page of objects has a
// handful of distinct types, so rendering it costs a few lookups, not one
// per object.
type typeCache struct {
	store cmis.TypeStore
	repo  string
	v10   bool // render for CMIS 1.0 (version.go)
	types map[string]*cmis.TypeDefinition
	shown map[*cmis.TypeDefinition]shown
}

func (c *core) typeCache(ctx context.Context, repo string) *typeCache {
	return &typeCache{store: c.types, repo: repo, v10: v10(ctx), types: map[string]*cmis.TypeDefinition{}}
}

// shown is what an object shows of its properties: their definitions,
// and for each the head of its wire form (the definition's names, their
// attributes written once for the page: generated.CmisProperty.Attrs).
type shown struct {
	defs  []*cmis.PropertyDefinition
	heads []generated.CmisProperty
	sys   []sysProp // the system property each definition is, if one
}

// definitions is what an object shows of its properties: ot.definitions()
// (definitions10 in CMIS 1.0), kept for objects without secondary types,
// which most of a page usually are.
func (tc *typeCache) definitions(ot objectType) shown {
	if len(ot.secondaries) > 0 && !tc.v10 {
		return tc.show(ot.definitions())
	}
	if s, ok := tc.shown[ot.primary]; ok {
		return s
	}
	if tc.shown == nil {
		tc.shown = map[*cmis.TypeDefinition]shown{}
	}
	d := ot.definitions()
	if tc.v10 {
		d = definitions10(ot)
	}
	s := tc.show(d)
	tc.shown[ot.primary] = s
	return s
}

// show pairs definitions with their heads.
func (tc *typeCache) show(defs []*cmis.PropertyDefinition) shown {
	heads := make([]generated.CmisProperty, len(defs))
	sys := make([]sysProp, len(defs))
	for i, p := range defs {
		heads[i] = headOf(p)
		sys[i] = sysPropOf(p.ID)
	}
	return shown{defs: defs, heads: heads, sys: sys}
}

// heads are the wire heads of the property definitions requests show,
// by their names (a head is nothing else), written once for all of them:
// the same few dozen serve every object of every listing. The map starts
// over when it has grown past maxHeads.
var heads struct {
	sync.Map // headKey -> generated.CmisProperty
	n        atomic.Int64
}

type headKey struct{ id, local, display, query string }

const maxHeads = 4096

// headOf is the head of property p's wire form, its attributes written.
func headOf(p *cmis.PropertyDefinition) generated.CmisProperty {
	key := headKey{p.ID, p.LocalName, p.DisplayName, p.QueryName}
	if h, ok := heads.Load(key); ok {
		return h.(generated.CmisProperty)
	}
	h := wireHead(p)
	h.SetAttrs()
	if heads.n.Add(1) > maxHeads {
		heads.Clear()
		heads.n.Store(1)
	}
	heads.Store(key, h)
	return h
}

// wireHead is the head of property p's wire form: its definition's names.
func wireHead(p *cmis.PropertyDefinition) generated.CmisProperty {
	return generated.CmisProperty{PropertyDefinitionId: p.ID, LocalName: p.LocalName, DisplayName: p.DisplayName, QueryName: p.QueryName}
}

func (tc *typeCache) get(ctx context.Context, id string) (*cmis.TypeDefinition, error) {
	if t, ok := tc.types[id]; ok {
		return t, nil
	}
	t, err := tc.store.Type(ctx, tc.repo, id)
	if err != nil {
		return nil, err
	}
	tc.types[id] = t
	return t, nil
}

func (tc *typeCache) of(ctx context.Context, o *cmis.Object) (objectType, error) {
	t, err := tc.get(ctx, o.TypeID)
	if err != nil {
		return objectType{}, err
	}
	ot := objectType{primary: t}
	for _, id := range o.SecondaryTypeIDs {
		s, err := tc.get(ctx, id)
		if err != nil {
			return objectType{}, err
		}
		ot.secondaries = append(ot.secondaries, s)
	}
	return ot, nil
}

// filter is a parsed property filter: nil means all properties.
type filter map[string]bool

// parseFilter reads a filter: "*", empty or absent selects all; else a
// comma-separated list of query names. Unknown names are ignored (as the
// TCK requires); names that cannot be query names are filterNotValid.
func parseFilter(f *string) (filter, error) {
	if f == nil {
		return nil, nil
	}
	s := strings.TrimSpace(*f)
	if s == "" || s == "*" {
		return nil, nil
	}
	out := filter{}
	for _, part := range strings.Split(s, ",") {
		name := strings.TrimSpace(part)
		if name == "*" {
			return nil, nil
		}
		if !validQueryName(name) {
			return nil, cmis.Errorf(cmis.ErrFilterNotValid, "filter: %q is not a property query name", name)
		}
		out[name] = true
	}
	return out, nil
}

func (f filter) allows(p *cmis.PropertyDefinition) bool {
	return f == nil || f[p.QueryName]
}

// addWireValue appends one property; no values is "not set".
func addWireValue(out *generated.CmisPropertiesType, p *cmis.PropertyDefinition, values []cmis.Value) {
	var s wireSlab
	if w := s.values(p, wireHead(p), values); w != nil {
		out.Properties = append(out.Properties, w)
	}
}

// inputProperty is one property as a client sent it.
type inputProperty struct {
	id     string
	kind   cmis.PropertyType
	values []cmis.Value
}

// readProperties reads the properties a client sent, in their order.
func readProperties(p *generated.CmisPropertiesType) []inputProperty {
	if p == nil {
		return nil
	}
	out := make([]inputProperty, 0, len(p.Properties))
	for _, pv := range p.Properties {
		in := inputProperty{id: pv.PropertyBase().PropertyDefinitionId}
		switch x := pv.(type) {
		case *generated.CmisPropertyBoolean:
			in.kind, in.values = cmis.PropertyBoolean, domainValues(x.Value, func(v bool) cmis.Value { return v })
		case *generated.CmisPropertyId:
			in.kind, in.values = cmis.PropertyID, domainValues(x.Value, fromString)
		case *generated.CmisPropertyInteger:
			in.kind, in.values = cmis.PropertyInteger, domainValues(x.Value, fromInt)
		case *generated.CmisPropertyDateTime:
			in.kind, in.values = cmis.PropertyDateTime, domainValues(x.Value, fromDateTime)
		case *generated.CmisPropertyDecimal:
			in.kind, in.values = cmis.PropertyDecimal, domainValues(x.Value, fromDecimal)
		case *generated.CmisPropertyHtml:
			in.kind, in.values = cmis.PropertyHTML, domainValues(x.Value, fromString)
		case *generated.CmisPropertyString:
			in.kind, in.values = cmis.PropertyString, domainValues(x.Value, fromString)
		case *generated.CmisPropertyUri:
			in.kind, in.values = cmis.PropertyURI, domainValues(x.Value, fromURI)
		default:
			continue
		}
		out = append(out, in)
	}
	return out
}

// lookup returns the first value a client sent for a property id.
func lookup(in []inputProperty, id string) (string, bool) {
	for _, p := range in {
		if p.id == id && len(p.values) > 0 {
			s, ok := p.values[0].(string)
			return s, ok
		}
	}
	return "", false
}

// secondaryIDs returns the cmis:secondaryObjectTypeIds a client sent.
func secondaryIDs(in []inputProperty) ([]string, bool) {
	for _, p := range in {
		if p.id == cmis.PropSecondaryObjectTypeIDs {
			ids := []string{}
			for _, v := range p.values {
				if s, _ := v.(string); s != "" {
					ids = append(ids, s)
				}
			}
			return ids, true
		}
	}
	return nil, false
}

// checkName enforces the name rules: not empty, no '/', which would make
// the name unusable as a path segment, valid UTF-8.
func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return cmis.Errorf(cmis.ErrInvalidArgument, "cmis:name must not be empty")
	case strings.Contains(name, "/"):
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "cmis:name %q contains '/'", name)
	case !utf8.ValidString(name) || len(name) > 1024:
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "cmis:name is not valid UTF-8 or longer than 1024 bytes")
	}
	return nil
}

// applyProperties validates client properties against an object's types
// and writes them into o (on create) or into a Change (on update).
//
// create: required properties must end up set (defaults fill in), and
// oncreate properties may be set. update: only readwrite properties (and
// whencheckedout ones on a private working copy) may change.
func applyProperties(in []inputProperty, ot objectType, o *cmis.Object, create bool) (*cmis.Change, error) {
	ch := &cmis.Change{Properties: map[string][]cmis.Value{}}
	seen := map[string]bool{}
	for _, p := range in {
		def := ot.property(p.id)
		if def == nil {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "property %s is not defined for type %s or its secondary types", p.id, ot.primary.ID)
		}
		if seen[p.id] {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "property %s is given twice", p.id)
		}
		seen[p.id] = true
		if p.kind != def.PropertyType {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "property %s is of type %s, not %s", p.id, def.PropertyType, p.kind)
		}
		switch p.id {
		case cmis.PropObjectTypeID, cmis.PropSecondaryObjectTypeIDs:
			continue // read by the caller: they decide the types themselves
		}
		if err := checkInput(p, def, o, create); err != nil {
			return nil, err
		}
		if err := changeProperty(ch, p); err != nil {
			return nil, err
		}
	}
	if !create {
		for _, def := range ot.definitions() {
			if vs, ok := ch.Properties[def.ID]; ok && len(vs) == 0 && def.Required {
				return nil, cmis.Errorf(cmis.ErrConstraint, "required property %s cannot be unset", def.ID)
			}
		}
		return ch, nil
	}
	if err := fillDefaults(ch, ot, seen); err != nil {
		return nil, err
	}
	setCreated(o, ch)
	return ch, nil
}

// checkInput checks one client property of the right kind against its
// definition: whether it may be written now, its cardinality and values.
func checkInput(p inputProperty, def *cmis.PropertyDefinition, o *cmis.Object, create bool) error {
	writable := def.Updatability == cmis.ReadWrite ||
		(create && def.Updatability == cmis.OnCreate) ||
		(def.Updatability == cmis.WhenCheckedOut && o.IsPrivateWorkingCopy)
	if !writable {
		return cmis.Errorf(cmis.ErrConstraint, "property %s is %s", p.id, def.Updatability)
	}
	if def.Cardinality == cmis.Single && len(p.values) > 1 {
		return cmis.Errorf(cmis.ErrInvalidArgument, "property %s is single-valued but has %d values", p.id, len(p.values))
	}
	for _, v := range p.values {
		if s, ok := v.(string); ok && s == "" && def.Cardinality == cmis.Multi {
			return cmis.Errorf(cmis.ErrInvalidArgument, "property %s has an empty value", p.id)
		}
		if err := checkValue(def, v); err != nil {
			return cmis.Errorf(cmis.ErrConstraint, "property %s: %v", p.id, err)
		}
		if err := checkChoice(def, v); err != nil {
			return err
		}
	}
	return nil
}

// changeProperty puts a checked property into the change: name and
// description into their fields, everything else by id.
func changeProperty(ch *cmis.Change, p inputProperty) error {
	switch p.id {
	case cmis.PropName:
		if len(p.values) == 0 {
			return cmis.Errorf(cmis.ErrConstraint, "cmis:name cannot be unset")
		}
		name := p.values[0].(string)
		if err := checkName(name); err != nil {
			return err
		}
		ch.Name = &name
	case cmis.PropDescription:
		var d *string
		if len(p.values) > 0 {
			s := p.values[0].(string)
			d = &s
		}
		ch.Description = &d
	case cmis.PropPolicyText, cmis.PropSourceID, cmis.PropTargetID:
		// Columns, set by the create operation of their kind.
		ch.Properties[p.id] = p.values
	default:
		if len(p.values) == 0 {
			ch.Properties[p.id] = nil
		} else {
			ch.Properties[p.id] = p.values
		}
	}
	return nil
}

// fillDefaults gives a new object's unset properties their defaults and
// refuses it when a required one stays unset.
func fillDefaults(ch *cmis.Change, ot objectType, seen map[string]bool) error {
	for _, def := range ot.definitions() {
		if seen[def.ID] || isSystemProperty(def.ID) {
			continue
		}
		if len(def.DefaultValue) > 0 {
			ch.Properties[def.ID] = def.DefaultValue
		} else if def.Required {
			return cmis.Errorf(cmis.ErrConstraint, "required property %s is not set", def.ID)
		}
	}
	if ch.Name == nil {
		return cmis.Errorf(cmis.ErrConstraint, "cmis:name is required")
	}
	return nil
}

// setCreated writes a new object's properties from the change into o.
func setCreated(o *cmis.Object, ch *cmis.Change) {
	o.Name = *ch.Name
	if ch.Description != nil {
		o.Description = *ch.Description
	}
	o.Properties = map[string][]cmis.Value{}
	for id, vs := range ch.Properties {
		switch id {
		case cmis.PropPolicyText:
			if len(vs) > 0 {
				s := vs[0].(string)
				o.PolicyText = &s
			}
		case cmis.PropSourceID:
			o.SourceID, _ = firstString(vs)
		case cmis.PropTargetID:
			o.TargetID, _ = firstString(vs)
		default:
			if len(vs) > 0 {
				o.Properties[id] = vs
			}
		}
	}
}

func firstString(vs []cmis.Value) (string, bool) {
	if len(vs) == 0 {
		return "", false
	}
	s, ok := vs[0].(string)
	return s, ok
}

// isSystemProperty reports whether the repository maintains a property.
func isSystemProperty(id string) bool { return strings.HasPrefix(id, "cmis:") }

// checkChoice refuses a value outside a closed choice list.
func checkChoice(def *cmis.PropertyDefinition, v cmis.Value) error {
	if len(def.Choices) == 0 || (def.OpenChoice != nil && *def.OpenChoice) {
		return nil
	}
	var walk func([]cmis.Choice) bool
	walk = func(cs []cmis.Choice) bool {
		for _, c := range cs {
			for _, cv := range c.Values {
				if cmis.FormatValue(def.PropertyType, cv) == cmis.FormatValue(def.PropertyType, v) {
					return true
				}
			}
			if walk(c.Choices) {
				return true
			}
		}
		return false
	}
	if !walk(def.Choices) {
		return cmis.Errorf(cmis.ErrConstraint, "property %s: %v is not one of its choices", def.ID, v)
	}
	return nil
}

// changeToken parses a client's change token; absent means no check.
func changeToken(s *string) (*int64, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(*s, 10, 64)
	if err != nil {
		// A token this server never issued cannot be current.
		return nil, cmis.Errorf(cmis.ErrUpdateConflict, "change token %q is not current", *s)
	}
	return &n, nil
}

func tokenString(o *cmis.Object) *string { return ptr(strconv.FormatInt(o.ChangeToken, 10)) }
