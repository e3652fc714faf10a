package services

import (
	"context"
	"slices"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/generated"
)

// The CMIS version rules. A request that came in by a CMIS 1.0 endpoint
// (cmis.VersionFromContext) sees the repository as CMIS 1.0 defines it:
// the same objects and values, without what 1.1 added. Items and
// secondary types do not exist for it (their types are objectNotFound,
// their objects are left out of every listing, query, relationship and
// change log, in the store's statements so that counts agree), nor do the
// properties 1.1 added to the base types and those secondary types bring.
// The writers' 1.0 mode (xsd.Writer.V10) leaves out the elements 1.1
// added; these rules make sure nothing is left that 1.0 cannot say.

// hidden10 are the base types CMIS 1.0 does not have.
var hidden10 = []cmis.BaseTypeID{cmis.BaseItem, cmis.BaseSecondary}

// only11Properties are the properties CMIS 1.1 added to the base types
// (enumPropertiesBase and enumPropertiesDocument of the two schemas).
var only11Properties = map[string]bool{
	cmis.PropDescription: true, cmis.PropSecondaryObjectTypeIDs: true, cmis.PropIsPrivateWorkingCopy: true,
}

// v10 reports whether the request speaks CMIS 1.0.
func v10(ctx context.Context) bool { return cmis.VersionFromContext(ctx) == cmis.Version10 }

// access is the caller's access, for the store's filters: who it is and,
// for CMIS 1.0, what it cannot know of.
func access(ctx context.Context) *cmis.Access {
	a := cmis.AccessOf(cmis.UserFromContext(ctx))
	if v10(ctx) {
		a.Hidden = hidden10
	}
	return a
}

// hiddenBase reports whether objects and types of base b do not exist for
// the request.
func hiddenBase(ctx context.Context, b cmis.BaseTypeID) bool {
	return v10(ctx) && slices.Contains(hidden10, b)
}

// visible answers objectNotFound for an object the request cannot know.
func visible(ctx context.Context, o *cmis.Object) error {
	if hiddenBase(ctx, o.BaseTypeID) {
		return cmis.Errorf(cmis.ErrObjectNotFound, "object %s is not found in CMIS 1.0 (it is a %s)", o.ID, o.BaseTypeID)
	}
	return nil
}

// versionedType is t as the request sees it: objectNotFound for a type of
// a hidden base, and in CMIS 1.0 without the properties 1.1 added.
func versionedType(ctx context.Context, t *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	if !v10(ctx) {
		return t, nil
	}
	if slices.Contains(hidden10, t.BaseID) {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "type %s is not defined in CMIS 1.0", t.ID)
	}
	out := *t
	out.PropertyDefinitions = slices.DeleteFunc(slices.Clone(t.PropertyDefinitions), func(p cmis.PropertyDefinition) bool {
		return only11Properties[p.ID]
	})
	return &out, nil
}

// visibleTypes keeps the types of ts the request can know.
func visibleTypes(ctx context.Context, ts []*cmis.TypeDefinition) []*cmis.TypeDefinition {
	out := make([]*cmis.TypeDefinition, 0, len(ts))
	for _, t := range ts {
		if v, err := versionedType(ctx, t); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// definitions10 are the property definitions of an object in CMIS 1.0:
// its primary type's, without those 1.1 added (secondary types' are left
// out with the types).
func definitions10(ot objectType) []*cmis.PropertyDefinition {
	out := make([]*cmis.PropertyDefinition, 0, len(ot.primary.PropertyDefinitions))
	for i := range ot.primary.PropertyDefinitions {
		if p := &ot.primary.PropertyDefinitions[i]; !only11Properties[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

// versionInfo makes repository info say what the request's version can.
func versionInfo(ctx context.Context, info *generated.CmisRepositoryInfoType) {
	if !v10(ctx) {
		return
	}
	info.CmisVersionSupported = string(cmis.Version10)
	info.ChangesOnType = slices.DeleteFunc(info.ChangesOnType, func(b generated.EnumBaseObjectTypeIds) bool {
		return slices.Contains(hidden10, cmis.BaseTypeID(b))
	})
}

// changeVisible reports whether a change log event is of an object the
// request can know.
func changeVisible(ctx context.Context, e cmis.ChangeEvent) bool {
	return !hiddenBase(ctx, e.BaseTypeID)
}

// queryRunner is the runner a query statement binds against: in CMIS 1.0
// a FROM of an item or secondary type is invalidArgument, and the 1.1
// properties are no columns.
func (c *core) queryRunner(ctx context.Context) query.Runner {
	if !v10(ctx) {
		return c.queries
	}
	return runner10{c.queries}
}

type runner10 struct{ query.Runner }

func (r runner10) TypeByQueryName(ctx context.Context, repo, name string) (*cmis.TypeDefinition, error) {
	t, err := r.Runner.TypeByQueryName(ctx, repo, name)
	if err != nil {
		return nil, err
	}
	if slices.Contains(hidden10, t.BaseID) {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "FROM %s: %s types are not defined in CMIS 1.0", name, t.BaseID)
	}
	return versionedType(ctx, t)
}

// typeChildren lists the subtypes of typeID ("": the base types) that the
// request can know, one page of them, and their total.
func (c *core) typeChildren(ctx context.Context, repo, typeID string, p cmis.Page) ([]*cmis.TypeDefinition, int64, error) {
	if !v10(ctx) {
		return c.types.TypeChildren(ctx, repo, typeID, p)
	}
	if typeID != "" {
		t, err := c.types.Type(ctx, repo, typeID)
		if err != nil {
			return nil, 0, err
		}
		if _, err := versionedType(ctx, t); err != nil {
			return nil, 0, err
		}
		// A subtype has its parent's base: all of them are known.
		types, total, err := c.types.TypeChildren(ctx, repo, typeID, p)
		return visibleTypes(ctx, types), total, err
	}
	// The base types, a few: some are hidden, so count and page here.
	all, _, err := c.types.TypeChildren(ctx, repo, "", cmis.AllItems)
	if err != nil {
		return nil, 0, err
	}
	all = visibleTypes(ctx, all)
	return cmis.PageOf(all, p), int64(len(all)), nil
}

// hideRelationships marks, in CMIS 1.0, the relationships among objs
// that have an end of a hidden base type as unreadable in levels: a
// change log page is filtered in memory, as it is by access.
func (c *core) hideRelationships(ctx context.Context, repo string, objs []*cmis.Object, levels map[string]cmis.Level) error {
	if !v10(ctx) {
		return nil
	}
	var ends []string
	for _, o := range objs {
		if o.BaseTypeID == cmis.BaseRelationship {
			ends = append(ends, o.SourceID, o.TargetID)
		}
	}
	if len(ends) == 0 {
		return nil
	}
	found, err := c.objects.Objects(ctx, repo, ends)
	if err != nil {
		return err
	}
	hidden := map[string]bool{}
	for _, e := range found {
		hidden[e.ID] = hiddenBase(ctx, e.BaseTypeID)
	}
	for _, o := range objs {
		if o.BaseTypeID == cmis.BaseRelationship && (hidden[o.SourceID] || hidden[o.TargetID]) {
			levels[o.ID] = cmis.NoAccess
		}
	}
	return nil
}
