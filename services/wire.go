package services

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/answered"
	"github.com/cmisd/cmisd/internal/blocks"
	"github.com/cmisd/cmisd/internal/xsd"
)

// sysValue is the value an object holds for one of its system properties.
type sysValue struct {
	set bool // the property has a value
	s   string
	ss  []string // cmis:secondaryObjectTypeIds
	b   bool
	i   int64
	t   time.Time
}

// systemValue returns the value of system property id for o; ok is false
// when id is not a system property of o's base kind (custom properties
// live in o.Properties).
func systemValue(o *cmis.Object, id string) (sysValue, bool) {
	return systemValueOf(o, sysPropOf(id))
}

// systemValueOf is systemValue of the system property p.
func systemValueOf(o *cmis.Object, p sysProp) (v sysValue, ok bool) {
	switch p {
	case noSys:
		return sysValue{}, false
	case sysName:
		return sysString(o.Name)
	case sysObjectID:
		return sysString(o.ID)
	case sysBaseTypeID:
		return sysString(string(o.BaseTypeID))
	case sysObjectTypeID:
		return sysString(o.TypeID)
	case sysCreatedBy:
		return sysString(o.CreatedBy)
	case sysCreationDate:
		return sysValue{set: true, t: o.CreationDate}, true
	case sysLastModifiedBy:
		return sysString(o.LastModifiedBy)
	case sysLastModificationDate:
		return sysValue{set: true, t: o.LastModificationDate}, true
	case sysChangeToken:
		return sysString(strconv.FormatInt(o.ChangeToken, 10))
	case sysDescription:
		return sysOptional(o.Description)
	case sysSecondaryObjectTypeIDs:
		return sysValue{set: len(o.SecondaryTypeIDs) > 0, ss: o.SecondaryTypeIDs}, true
	}
	switch o.BaseTypeID {
	case cmis.BaseDocument:
		return documentValue(o, p)
	case cmis.BaseFolder:
		switch p {
		case sysPath:
			return sysString(o.Path)
		case sysParentID:
			if o.ParentID == "" {
				return sysValue{}, true
			}
			return sysString(o.ParentID)
		}
	case cmis.BaseRelationship:
		switch p {
		case sysSourceID:
			return sysString(o.SourceID)
		case sysTargetID:
			return sysString(o.TargetID)
		}
	case cmis.BasePolicy:
		if p == sysPolicyText {
			return sysOptional(o.PolicyText)
		}
	}
	return sysValue{}, false
}

func sysString(s string) (sysValue, bool) { return sysValue{set: true, s: s}, true }
func sysFlag(b bool) (sysValue, bool)     { return sysValue{set: true, b: b}, true }

func sysOptional(s *string) (sysValue, bool) {
	if s == nil {
		return sysValue{}, true
	}
	return sysString(*s)
}

// documentValue is systemValueOf for the properties of documents alone:
// versioning and content stream.
func documentValue(o *cmis.Object, p sysProp) (sysValue, bool) {
	c := o.Content
	switch p {
	case sysIsImmutable:
		return sysFlag(false)
	case sysIsLatestVersion:
		return sysFlag(o.IsLatestVersion)
	case sysIsMajorVersion:
		return sysFlag(o.IsMajorVersion)
	case sysIsLatestMajorVersion:
		return sysFlag(o.IsLatestMajorVersion)
	case sysIsPrivateWorkingCopy:
		return sysFlag(o.IsPrivateWorkingCopy)
	case sysVersionLabel:
		return sysString(o.VersionLabel)
	case sysVersionSeriesID:
		return sysString(o.VersionSeriesID)
	case sysIsVersionSeriesCheckedOut:
		return sysFlag(o.VersionSeriesCheckedOutID != "")
	case sysVersionSeriesCheckedOutID, sysVersionSeriesCheckedOutBy:
		if o.VersionSeriesCheckedOutID == "" {
			return sysValue{}, true
		}
		if p == sysVersionSeriesCheckedOutID {
			return sysString(o.VersionSeriesCheckedOutID)
		}
		return sysString(o.VersionSeriesCheckedOutBy)
	case sysCheckinComment:
		return sysOptional(o.CheckinComment)
	case sysContentStreamLength:
		if c == nil {
			return sysValue{}, true
		}
		return sysValue{set: true, i: c.Length}, true
	case sysContentStreamMimeType, sysContentStreamID:
		if c == nil {
			return sysValue{}, true
		}
		if p == sysContentStreamID {
			return sysString(c.ID)
		}
		return sysString(c.MimeType)
	case sysContentStreamFileName:
		if c == nil || c.FileName == "" {
			return sysValue{}, true
		}
		return sysString(c.FileName)
	}
	return sysValue{}, false
}

// values is v in the domain's form, nil when not set.
func (v sysValue) values(t cmis.PropertyType) []cmis.Value {
	if !v.set {
		return nil
	}
	switch {
	case v.ss != nil:
		out := make([]cmis.Value, len(v.ss))
		for i, s := range v.ss {
			out[i] = s
		}
		return out
	case t == cmis.PropertyBoolean:
		return []cmis.Value{v.b}
	case t == cmis.PropertyInteger:
		return []cmis.Value{v.i}
	case t == cmis.PropertyDateTime:
		return []cmis.Value{v.t}
	}
	return []cmis.Value{v.s}
}

// propertyValues is what o holds for property p: a system value or a
// custom one; nil is "not set".
func propertyValues(o *cmis.Object, p *cmis.PropertyDefinition) []cmis.Value {
	if v, ok := systemValue(o, p.ID); ok {
		return v.values(p.PropertyType)
	}
	return o.Properties[p.ID]
}

// wireSlab hands out the wire form of properties from blocks, so that a
// page of objects costs a few allocations per object rather than two or
// three per property.
type wireSlab struct {
	props []generated.Property
	strs  []generated.CmisPropertyString
	ids   []generated.CmisPropertyId
	bools []generated.CmisPropertyBoolean
	ints  []generated.CmisPropertyInteger
	dates []generated.CmisPropertyDateTime
	sv    []string
	bv    []bool
	iv    []int64
	tv    []xsd.DateTime
}

// slabs are property blocks whose answer is written, to serve another
// page: a page of a hundred documents takes about 450 KB of them, which
// otherwise the collector frees and the runtime zeroes and maps again.
var slabs = sync.Pool{New: func() any { return new(wireSlab) }}

// maxPooledSlab bounds the entries a pooled slab keeps: the blocks of a
// rare huge page are left to the collector.
const maxPooledSlab = 1 << 15

// newSlab returns an empty slab for a page: a pooled one when ctx's
// request tells when its answer is written (answered), back in the pool
// then; else a new one.
func newSlab(ctx context.Context) *wireSlab {
	s := slabs.Get().(*wireSlab)
	if !answered.After(ctx, s.recycle) {
		slabs.Put(s)
		return new(wireSlab)
	}
	return s
}

// recycle clears a slab whose answer is written (so it points at nothing
// and take's blocks are zero past their length again) and pools it.
func (s *wireSlab) recycle() {
	if cap(s.props) > maxPooledSlab || cap(s.strs) > maxPooledSlab || cap(s.ids) > maxPooledSlab || cap(s.sv) > maxPooledSlab {
		return
	}
	emptied(&s.props)
	emptied(&s.strs)
	emptied(&s.ids)
	emptied(&s.bools)
	emptied(&s.ints)
	emptied(&s.dates)
	emptied(&s.sv)
	emptied(&s.bv)
	emptied(&s.iv)
	emptied(&s.tv)
	slabs.Put(s)
}

// emptied zeroes a block up to its capacity and empties it.
func emptied[T any](block *[]T) {
	clear((*block)[:cap(*block)])
	*block = (*block)[:0]
}

// grow is the size of the block after one of size n: blocks double up to
// a bound, and are never smaller than what is needed now. A page sizes
// its blocks first (reserve), so growing is for what that did not count
// (the values of multi-valued properties).
func grow(n, need int) int { return max(need, min(2*n, 1024)) }

// slabCounts is what the properties of some objects take from each block.
// The value blocks take one value per property of their kind (strings
// and ids share sv).
type slabCounts struct{ props, bools, ints, dates, strs, ids int }

// add counts the properties of one object of these definitions that f
// selects, each with one value (and room for all in the object's list).
func (c *slabCounts) add(defs []*cmis.PropertyDefinition, f filter) {
	c.props += len(defs)
	for _, p := range defs {
		if !f.allows(p) {
			continue
		}
		switch p.PropertyType {
		case cmis.PropertyBoolean:
			c.bools++
		case cmis.PropertyInteger:
			c.ints++
		case cmis.PropertyDateTime:
			c.dates++
		case cmis.PropertyString:
			c.strs++
		case cmis.PropertyID:
			c.ids++
		}
	}
}

// reserve makes room in every block for c more entries, in one
// allocation per block: a page of a hundred objects costs a few large
// allocations, not a block that doubles its way up.
func (s *wireSlab) reserve(c slabCounts) {
	reserve(&s.props, c.props)
	reserve(&s.bools, c.bools)
	reserve(&s.ints, c.ints)
	reserve(&s.dates, c.dates)
	reserve(&s.strs, c.strs)
	reserve(&s.ids, c.ids)
	reserve(&s.sv, c.strs+c.ids)
	reserve(&s.bv, c.bools)
	reserve(&s.iv, c.ints)
	reserve(&s.tv, c.dates)
}

// reserve makes room for n more entries in a block.
func reserve[T any](block *[]T, n int) {
	if cap(*block)-len(*block) < n {
		*block = make([]T, 0, n)
	}
}

// take returns a new zero entry from a block. A block comes from make
// and only grows into its capacity (take, many), so what lies past its
// length is zero already: taking an entry writes nothing, where
// appending a zero value cleared it again, with a write barrier for each
// of its pointers while the collector runs.
func take[T any](block *[]T) *T {
	if len(*block) == cap(*block) {
		*block = make([]T, 0, grow(cap(*block), 1))
	}
	*block = (*block)[:len(*block)+1]
	return &(*block)[len(*block)-1]
}

// many returns a slice of n entries from a block, with no room to grow
// into its neighbours.
func many[T any](block *[]T, n int) []T { return blocks.Carve(block, n, grow(cap(*block), n)) }

func one[T any](block *[]T, v T) []T {
	s := many(block, 1)
	s[0] = v
	return s
}

// properties renders the properties of o that f selects, in the order of
// its type's definitions.
func (s *wireSlab) properties(o *cmis.Object, sh shown, f filter) *generated.CmisPropertiesType {
	out := &generated.CmisPropertiesType{Properties: many(&s.props, len(sh.defs))[:0]}
	for i, p := range sh.defs {
		if !f.allows(p) {
			continue
		}
		head := sh.heads[i]
		var w generated.Property
		if v, ok := systemValueOf(o, sh.sys[i]); ok {
			w = s.system(p, head, v)
		} else {
			w = s.values(p, head, o.Properties[p.ID])
		}
		if w != nil {
			out.Properties = append(out.Properties, w)
		}
	}
	return out
}

// system is the wire property of a system value.
func (s *wireSlab) system(p *cmis.PropertyDefinition, head generated.CmisProperty, v sysValue) generated.Property {
	switch p.PropertyType {
	case cmis.PropertyBoolean:
		w := take(&s.bools)
		w.CmisProperty = head
		if v.set {
			w.Value = one(&s.bv, v.b)
		}
		return w
	case cmis.PropertyInteger:
		w := take(&s.ints)
		w.CmisProperty = head
		if v.set {
			w.Value = one(&s.iv, v.i)
		}
		return w
	case cmis.PropertyDateTime:
		w := take(&s.dates)
		w.CmisProperty = head
		if v.set {
			w.Value = one(&s.tv, xsd.DateTime{Time: v.t})
		}
		return w
	case cmis.PropertyID, cmis.PropertyString:
		var vals []string
		switch {
		case v.ss != nil:
			vals = v.ss
		case v.set:
			vals = one(&s.sv, v.s)
		}
		if p.PropertyType == cmis.PropertyID {
			w := take(&s.ids)
			w.CmisProperty, w.Value = head, vals
			return w
		}
		w := take(&s.strs)
		w.CmisProperty, w.Value = head, vals
		return w
	}
	return s.values(p, head, v.values(p.PropertyType))
}

// values is the wire property of domain values; no values is "not set".
func (s *wireSlab) values(p *cmis.PropertyDefinition, head generated.CmisProperty, values []cmis.Value) generated.Property {
	switch p.PropertyType {
	case cmis.PropertyBoolean:
		w := take(&s.bools)
		w.CmisProperty, w.Value = head, convert(&s.bv, values, asBool)
		return w
	case cmis.PropertyID:
		w := take(&s.ids)
		w.CmisProperty, w.Value = head, convert(&s.sv, values, asString)
		return w
	case cmis.PropertyInteger:
		w := take(&s.ints)
		w.CmisProperty, w.Value = head, convert(&s.iv, values, asInt)
		return w
	case cmis.PropertyDateTime:
		w := take(&s.dates)
		w.CmisProperty, w.Value = head, convert(&s.tv, values, asDateTime)
		return w
	case cmis.PropertyString:
		w := take(&s.strs)
		w.CmisProperty, w.Value = head, convert(&s.sv, values, asString)
		return w
	case cmis.PropertyDecimal:
		return &generated.CmisPropertyDecimal{CmisProperty: head, Value: wireValues(values, asDecimal)}
	case cmis.PropertyHTML:
		return &generated.CmisPropertyHtml{CmisProperty: head, Value: wireValues(values, asString)}
	case cmis.PropertyURI:
		return &generated.CmisPropertyUri{CmisProperty: head, Value: wireValues(values, asURI)}
	}
	return nil
}

func convert[W any](block *[]W, vs []cmis.Value, conv func(cmis.Value) W) []W {
	if vs == nil {
		return nil
	}
	out := many(block, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return out
}
