package services

import (
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// Conversions between the wire types of generated/ and the domain model of
// cmis/, for type definitions. Values travel typed on both sides: bool,
// int64, xsd.Decimal, xsd.DateTime and strings on the wire; bool, int64,
// cmis.Decimal, time.Time and strings in the domain.

var xsiTypeOf = map[cmis.BaseTypeID]xsd.XsiType{
	cmis.BaseDocument:     generated.XsiCmisTypeDocumentDefinitionType,
	cmis.BaseFolder:       generated.XsiCmisTypeFolderDefinitionType,
	cmis.BaseRelationship: generated.XsiCmisTypeRelationshipDefinitionType,
	cmis.BasePolicy:       generated.XsiCmisTypePolicyDefinitionType,
	cmis.BaseItem:         generated.XsiCmisTypeItemDefinitionType,
	cmis.BaseSecondary:    generated.XsiCmisTypeSecondaryDefinitionType,
}

// wireType renders a type definition; withProps false leaves out the
// property definitions (getTypeChildren/getTypeDescendants default).
func wireType(t *cmis.TypeDefinition, withProps bool) *generated.CmisTypeDefinitionType {
	w := &generated.CmisTypeDefinitionType{
		XsiType:                  xsiTypeOf[t.BaseID],
		Id:                       t.ID,
		LocalName:                t.LocalName,
		LocalNamespace:           generated.AnyURI(t.LocalNamespace),
		DisplayName:              optString(t.DisplayName),
		QueryName:                optString(t.QueryName),
		Description:              optString(t.Description),
		BaseId:                   generated.EnumBaseObjectTypeIds(t.BaseID),
		ParentId:                 optString(t.ParentID),
		Creatable:                t.Creatable,
		Fileable:                 t.Fileable,
		Queryable:                t.Queryable,
		FulltextIndexed:          t.FulltextIndexed,
		IncludedInSupertypeQuery: t.IncludedInSupertypeQuery,
		ControllablePolicy:       t.ControllablePolicy,
		ControllableACL:          t.ControllableACL,
		TypeMutability: &generated.CmisTypeMutabilityCapabilitiesType{
			Create: t.TypeMutability.Create, Update: t.TypeMutability.Update, Delete: t.TypeMutability.Delete,
		},
	}
	switch t.BaseID {
	case cmis.BaseDocument:
		w.Versionable = ptr(t.Versionable)
		w.ContentStreamAllowed = ptr(generated.EnumContentStreamAllowed(t.ContentStreamAllowed))
	case cmis.BaseRelationship:
		w.AllowedSourceTypes, w.AllowedTargetTypes = t.AllowedSourceTypes, t.AllowedTargetTypes
	}
	if withProps {
		for i := range t.PropertyDefinitions {
			addWireProperty(w, &t.PropertyDefinitions[i])
		}
	}
	return w
}

func wirePropertyBase(p *cmis.PropertyDefinition) generated.CmisPropertyDefinitionType {
	var ns *generated.AnyURI
	if p.LocalNamespace != "" {
		ns = ptr(generated.AnyURI(p.LocalNamespace))
	}
	return generated.CmisPropertyDefinitionType{
		Id: p.ID, LocalName: p.LocalName, LocalNamespace: ns,
		DisplayName: optString(p.DisplayName), QueryName: optString(p.QueryName), Description: optString(p.Description),
		PropertyType: generated.EnumPropertyType(p.PropertyType),
		Cardinality:  generated.EnumCardinality(p.Cardinality),
		Updatability: generated.EnumUpdatability(p.Updatability),
		Inherited:    ptr(p.Inherited),
		Required:     p.Required, Queryable: p.Queryable, Orderable: p.Orderable,
		OpenChoice: p.OpenChoice,
	}
}

// wireValues converts domain values to one wire value type.
func wireValues[W any](vs []cmis.Value, conv func(cmis.Value) W) []W {
	if vs == nil {
		return nil
	}
	out := make([]W, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return out
}

func asString(v cmis.Value) string         { s, _ := v.(string); return s }
func asURI(v cmis.Value) generated.AnyURI  { return generated.AnyURI(asString(v)) }
func asBool(v cmis.Value) bool             { b, _ := v.(bool); return b }
func asInt(v cmis.Value) int64             { n, _ := v.(int64); return n }
func asDecimal(v cmis.Value) xsd.Decimal   { d, _ := v.(cmis.Decimal); return xsd.Decimal(d) }
func asDateTime(v cmis.Value) xsd.DateTime { t, _ := v.(time.Time); return xsd.DateTime{Time: t} }
func prop(p *cmis.PropertyDefinition) generated.CmisProperty {
	return generated.CmisProperty{PropertyDefinitionId: p.ID}
}

// choices converts a choice tree with mk building one wire choice.
func choices[W any](cs []cmis.Choice, mk func(c cmis.Choice, sub []*W) *W) []*W {
	if cs == nil {
		return nil
	}
	out := make([]*W, len(cs))
	for i, c := range cs {
		out[i] = mk(c, choices(c.Choices, mk))
	}
	return out
}

func addWireProperty(w *generated.CmisTypeDefinitionType, p *cmis.PropertyDefinition) {
	base := wirePropertyBase(p)
	hasDefault := p.DefaultValue != nil
	switch p.PropertyType {
	case cmis.PropertyBoolean:
		d := &generated.CmisPropertyBooleanDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyBoolean{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asBool)}
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceBoolean) *generated.CmisChoiceBoolean {
			return &generated.CmisChoiceBoolean{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asBool), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyID:
		d := &generated.CmisPropertyIdDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyId{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asString)}
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceId) *generated.CmisChoiceId {
			return &generated.CmisChoiceId{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asString), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyInteger:
		d := &generated.CmisPropertyIntegerDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyInteger{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asInt)}
		}
		if p.MinValue != nil {
			d.MinValue = ptr(asInt(*p.MinValue))
		}
		if p.MaxValue != nil {
			d.MaxValue = ptr(asInt(*p.MaxValue))
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceInteger) *generated.CmisChoiceInteger {
			return &generated.CmisChoiceInteger{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asInt), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyDateTime:
		d := &generated.CmisPropertyDateTimeDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyDateTime{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asDateTime)}
		}
		if p.Resolution != nil {
			d.Resolution = ptr(generated.EnumDateTimeResolution(*p.Resolution))
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceDateTime) *generated.CmisChoiceDateTime {
			return &generated.CmisChoiceDateTime{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asDateTime), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyDecimal:
		d := &generated.CmisPropertyDecimalDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyDecimal{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asDecimal)}
		}
		if p.MinValue != nil {
			d.MinValue = ptr(asDecimal(*p.MinValue))
		}
		if p.MaxValue != nil {
			d.MaxValue = ptr(asDecimal(*p.MaxValue))
		}
		if p.Precision != nil {
			d.Precision = ptr(generated.EnumDecimalPrecision(*p.Precision))
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceDecimal) *generated.CmisChoiceDecimal {
			return &generated.CmisChoiceDecimal{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asDecimal), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyHTML:
		d := &generated.CmisPropertyHtmlDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyHtml{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asString)}
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceHtml) *generated.CmisChoiceHtml {
			return &generated.CmisChoiceHtml{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asString), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyString:
		d := &generated.CmisPropertyStringDefinitionType{CmisPropertyDefinitionType: base, MaxLength: p.MaxLength}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyString{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asString)}
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceString) *generated.CmisChoiceString {
			return &generated.CmisChoiceString{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asString), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	case cmis.PropertyURI:
		d := &generated.CmisPropertyUriDefinitionType{CmisPropertyDefinitionType: base}
		if hasDefault {
			d.DefaultValue = &generated.CmisPropertyUri{CmisProperty: prop(p), Value: wireValues(p.DefaultValue, asURI)}
		}
		d.Choice = choices(p.Choices, func(c cmis.Choice, sub []*generated.CmisChoiceUri) *generated.CmisChoiceUri {
			return &generated.CmisChoiceUri{CmisChoice: generated.CmisChoice{DisplayName: c.DisplayName}, Value: wireValues(c.Values, asURI), Choice: sub}
		})
		w.PropertyDefinitions = append(w.PropertyDefinitions, d)
	}
}

// domainType reads a type definition sent by a client (createType,
// updateType). Its base kind comes from baseId; xsi:type only confirms it.
func domainType(w *generated.CmisTypeDefinitionType) (*cmis.TypeDefinition, error) {
	if w == nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type is required")
	}
	t := &cmis.TypeDefinition{
		ID: w.Id, LocalName: w.LocalName, LocalNamespace: string(w.LocalNamespace),
		DisplayName: deref(w.DisplayName), QueryName: deref(w.QueryName), Description: deref(w.Description),
		BaseID: cmis.BaseTypeID(w.BaseId), ParentID: deref(w.ParentId),
		Creatable: w.Creatable, Fileable: w.Fileable, Queryable: w.Queryable, FulltextIndexed: w.FulltextIndexed,
		IncludedInSupertypeQuery: w.IncludedInSupertypeQuery, ControllablePolicy: w.ControllablePolicy,
		ControllableACL: w.ControllableACL,
		Versionable:     deref(w.Versionable), ContentStreamAllowed: cmis.ContentStreamAllowed(deref(w.ContentStreamAllowed)),
		AllowedSourceTypes: w.AllowedSourceTypes, AllowedTargetTypes: w.AllowedTargetTypes,
	}
	if t.BaseID != "" && !t.BaseID.Valid() {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "unknown baseId %q", t.BaseID)
	}
	if w.XsiType != "" && t.BaseID != "" && xsiTypeOf[t.BaseID] != w.XsiType {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "xsi:type %s does not match baseId %s", w.XsiType, t.BaseID)
	}
	for _, pd := range w.PropertyDefinitions {
		p, err := domainPropertyDefinition(pd)
		if err != nil {
			return nil, err
		}
		t.PropertyDefinitions = append(t.PropertyDefinitions, p)
	}
	return t, nil
}

// domainPropertyDefinition reads one property definition of a type sent
// by a client; its xsi:type decides the property type.
func domainPropertyDefinition(pd any) (cmis.PropertyDefinition, error) {
	switch d := pd.(type) {
	case *generated.CmisPropertyBooleanDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyBoolean, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, func(v bool) cmis.Value { return v })
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceBoolean) (string, []cmis.Value, []*generated.CmisChoiceBoolean) {
				return c.DisplayName, domainValues(c.Value, func(v bool) cmis.Value { return v }), c.Choice
			})
		})
	case *generated.CmisPropertyIdDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyID, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromString)
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceId) (string, []cmis.Value, []*generated.CmisChoiceId) {
				return c.DisplayName, domainValues(c.Value, fromString), c.Choice
			})
		})
	case *generated.CmisPropertyIntegerDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyInteger, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromInt)
			}
			if d.MinValue != nil {
				p.MinValue = ptr(fromInt(*d.MinValue))
			}
			if d.MaxValue != nil {
				p.MaxValue = ptr(fromInt(*d.MaxValue))
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceInteger) (string, []cmis.Value, []*generated.CmisChoiceInteger) {
				return c.DisplayName, domainValues(c.Value, fromInt), c.Choice
			})
		})
	case *generated.CmisPropertyDateTimeDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyDateTime, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromDateTime)
			}
			if d.Resolution != nil {
				p.Resolution = ptr(string(*d.Resolution))
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceDateTime) (string, []cmis.Value, []*generated.CmisChoiceDateTime) {
				return c.DisplayName, domainValues(c.Value, fromDateTime), c.Choice
			})
		})
	case *generated.CmisPropertyDecimalDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyDecimal, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromDecimal)
			}
			if d.MinValue != nil {
				p.MinValue = ptr(fromDecimal(*d.MinValue))
			}
			if d.MaxValue != nil {
				p.MaxValue = ptr(fromDecimal(*d.MaxValue))
			}
			if d.Precision != nil {
				p.Precision = ptr(string(*d.Precision))
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceDecimal) (string, []cmis.Value, []*generated.CmisChoiceDecimal) {
				return c.DisplayName, domainValues(c.Value, fromDecimal), c.Choice
			})
		})
	case *generated.CmisPropertyHtmlDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyHTML, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromString)
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceHtml) (string, []cmis.Value, []*generated.CmisChoiceHtml) {
				return c.DisplayName, domainValues(c.Value, fromString), c.Choice
			})
		})
	case *generated.CmisPropertyStringDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyString, func(p *cmis.PropertyDefinition) {
			p.MaxLength = d.MaxLength
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromString)
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceString) (string, []cmis.Value, []*generated.CmisChoiceString) {
				return c.DisplayName, domainValues(c.Value, fromString), c.Choice
			})
		})
	case *generated.CmisPropertyUriDefinitionType:
		return propertyDefinition(d.CmisPropertyDefinitionType, cmis.PropertyURI, func(p *cmis.PropertyDefinition) {
			if d.DefaultValue != nil {
				p.DefaultValue = domainValues(d.DefaultValue.Value, fromURI)
			}
			p.Choices = domainChoices(d.Choice, func(c *generated.CmisChoiceUri) (string, []cmis.Value, []*generated.CmisChoiceUri) {
				return c.DisplayName, domainValues(c.Value, fromURI), c.Choice
			})
		})
	}
	return cmis.PropertyDefinition{}, cmis.Errorf(cmis.ErrInvalidArgument, "unknown property definition %T", pd)
}

// propertyDefinition reads the part every property definition shares,
// then fill reads the part of its type.
func propertyDefinition(b generated.CmisPropertyDefinitionType, want cmis.PropertyType, fill func(p *cmis.PropertyDefinition)) (cmis.PropertyDefinition, error) {
	if b.PropertyType != "" && cmis.PropertyType(b.PropertyType) != want {
		return cmis.PropertyDefinition{}, cmis.Errorf(cmis.ErrInvalidArgument, "property %s: propertyType %s in a %s definition", b.Id, b.PropertyType, want)
	}
	var ns string
	if b.LocalNamespace != nil {
		ns = string(*b.LocalNamespace)
	}
	p := cmis.PropertyDefinition{
		ID: b.Id, LocalName: b.LocalName, LocalNamespace: ns, DisplayName: deref(b.DisplayName),
		QueryName: deref(b.QueryName), Description: deref(b.Description), PropertyType: want,
		Cardinality: cmis.Cardinality(b.Cardinality), Updatability: cmis.Updatability(b.Updatability),
		Inherited: deref(b.Inherited), Required: b.Required, Queryable: b.Queryable, Orderable: b.Orderable,
		OpenChoice: b.OpenChoice,
	}
	fill(&p)
	return p, nil
}

func fromString(s string) cmis.Value         { return s }
func fromURI(s generated.AnyURI) cmis.Value  { return string(s) }
func fromInt(n int64) cmis.Value             { return n }
func fromDecimal(d xsd.Decimal) cmis.Value   { return cmis.Decimal(d) }
func fromDateTime(t xsd.DateTime) cmis.Value { return t.UTC() }

func domainValues[W any](ws []W, conv func(W) cmis.Value) []cmis.Value {
	out := make([]cmis.Value, len(ws))
	for i, w := range ws {
		out[i] = conv(w)
	}
	return out
}

func domainChoices[W any](ws []*W, parts func(*W) (string, []cmis.Value, []*W)) []cmis.Choice {
	if ws == nil {
		return nil
	}
	out := make([]cmis.Choice, len(ws))
	for i, w := range ws {
		name, values, sub := parts(w)
		out[i] = cmis.Choice{DisplayName: name, Values: values, Choices: domainChoices(sub, parts)}
	}
	return out
}
