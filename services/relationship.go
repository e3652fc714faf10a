package services

import (
	"context"
	"slices"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// RelationshipService lists the relationships of an object.
//
// A relationship relates two independent objects (not relationships) of
// the same repository; it is not fileable, and it depends on its ends:
// deleting either end deletes the relationship in the same transaction,
// whether or not the caller may see it. Who sees a relationship follows
// its own ACL (its creator gets cmis:all, as for any new object; there is
// no folder to inherit from). A relationship type's allowedSourceTypes
// and allowedTargetTypes, when set and not empty, admit the listed types
// and their subtypes.
type RelationshipService struct{ *core }

var _ generated.RelationshipServicePort = RelationshipService{}

// GetObjectRelationshipsContext lists one page of the relationships an
// object is the source or target of, that the caller may read.
func (s RelationshipService) GetObjectRelationshipsContext(ctx context.Context, req *generated.GetObjectRelationships) (*generated.GetObjectRelationshipsResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, nil, nil)
	if err != nil {
		return nil, err
	}
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetObjectRelationships.Object")
	if err != nil {
		return nil, err
	}
	dir := cmis.DirectionSource
	if req.RelationshipDirection != nil && *req.RelationshipDirection != "" {
		switch d := cmis.Direction(*req.RelationshipDirection); d {
		case cmis.DirectionSource, cmis.DirectionTarget, cmis.DirectionEither:
			dir = d
		default:
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "relationshipDirection %q", d)
		}
	}
	p, err := page(req.MaxItems, req.SkipCount, defaultRelationshipsPage)
	if err != nil {
		return nil, err
	}
	tc := s.typeCache(ctx, req.RepositoryId)
	var typeIDs []string
	if req.TypeId != nil && *req.TypeId != "" {
		t, err := tc.get(ctx, *req.TypeId)
		if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type %s does not exist", *req.TypeId)
		}
		if err != nil {
			return nil, err
		}
		if t.BaseID != cmis.BaseRelationship {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type %s is not a relationship type", t.ID)
		}
		typeIDs = []string{t.ID}
		if deref(req.IncludeSubRelationshipTypes) {
			if typeIDs, err = s.subtypes(ctx, req.RepositoryId, t.ID); err != nil {
				return nil, err
			}
		}
	}
	rels, end, err := s.objects.Relationships(ctx, req.RepositoryId, cmis.RelationshipQuery{
		ObjectID: o.ID, Direction: dir, TypeIDs: typeIDs, Page: p, Reader: access(ctx)})
	if err != nil {
		return nil, err
	}
	ws, err := s.renderAll(ctx, tc, rels, opt)
	if err != nil {
		return nil, err
	}
	list := &generated.CmisObjectListType{Objects: ws}
	list.HasMoreItems, list.NumItems = pageEnd(end)
	return &generated.GetObjectRelationshipsResponse{Objects: list}, nil
}

// subtypes lists a type and all its descendants.
func (c *core) subtypes(ctx context.Context, repo, typeID string) ([]string, error) {
	out := []string{typeID}
	for i := 0; i < len(out); i++ {
		kids, _, err := c.types.TypeChildren(ctx, repo, out[i], cmis.AllItems)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			out = append(out, k.ID)
		}
	}
	return out, nil
}

// isA reports whether type t is one of the listed types or a subtype of
// one; an empty list admits every type.
func isA(ctx context.Context, tc *typeCache, t *cmis.TypeDefinition, list []string) (bool, error) {
	if len(list) == 0 {
		return true, nil
	}
	for t != nil {
		if slices.Contains(list, t.ID) {
			return true, nil
		}
		if t.ParentID == "" {
			return false, nil
		}
		var err error
		if t, err = tc.get(ctx, t.ParentID); err != nil {
			return false, err
		}
	}
	return false, nil
}

// createRelationship creates a relationship between two objects the
// caller may read; relationships are never filed.
func (s ObjectService) createRelationship(ctx context.Context, req *generated.CreateRelationship) (*generated.CreateRelationshipResponse, error) {
	repo := req.RepositoryId
	o, err := s.create(ctx, repo, req.Properties, cmis.BaseRelationship, nil,
		s.withPolicies(repo, req.Policies, func(ctx context.Context, o *cmis.Object, ot objectType) error {
			return s.checkEnds(ctx, repo, o, ot.primary)
		}), nil, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreateRelationshipResponse{ObjectId: o.ID}, nil
}

// checkEnds checks a new relationship's source and target: both given,
// readable by the caller, independent objects, of types the relationship
// type allows.
func (s ObjectService) checkEnds(ctx context.Context, repo string, o *cmis.Object, t *cmis.TypeDefinition) error {
	if o.SourceID == "" || o.TargetID == "" {
		return cmis.Errorf(cmis.ErrInvalidArgument, "a relationship needs cmis:sourceId and cmis:targetId")
	}
	tc := s.typeCache(ctx, repo)
	for _, end := range []struct {
		id, key, what string
		allowed       []string
	}{
		{o.SourceID, "canCreateRelationship.Source", "source", t.AllowedSourceTypes},
		{o.TargetID, "canCreateRelationship.Target", "target", t.AllowedTargetTypes},
	} {
		e, err := s.readable(ctx, repo, end.id, end.key)
		if err != nil {
			return err
		}
		if e.BaseTypeID == cmis.BaseRelationship {
			return cmis.Errorf(cmis.ErrConstraint, "the %s %s is a relationship: relationships relate independent objects", end.what, e.ID)
		}
		et, err := tc.get(ctx, e.TypeID)
		if err != nil {
			return err
		}
		ok, err := isA(ctx, tc, et, end.allowed)
		if err != nil {
			return err
		}
		if !ok {
			return cmis.Errorf(cmis.ErrConstraint, "relationship type %s does not allow a %s of type %s", t.ID, end.what, et.ID)
		}
	}
	return nil
}

// pageFacts is what rendering a page of objects needs beyond the objects
// themselves: the relationships to include, the policies applied, where
// the objects are filed, and which relationship types exist. Each is read
// once for the whole page, and only when the rendering asks for it, so a
// page costs a constant number of statements.
type pageFacts struct {
	relationships generated.EnumIncludeRelationships
	rels          []*cmis.Object
	renderedRels  []*generated.CmisObjectType
	policyIDs     map[string][]string
	filed         map[string]bool
	relTypes      []*cmis.TypeDefinition // creatable relationship types
	tc            *typeCache
}

// facts gathers the page facts the options call for.
func (c *core) facts(ctx context.Context, tc *typeCache, objs []*cmis.Object, opt renderOptions) (*pageFacts, error) {
	f := &pageFacts{tc: tc}
	if len(objs) == 0 {
		return f, nil
	}
	ids := objectIDs(objs)
	repo := objs[0].RepositoryID
	a := access(ctx)
	var dir cmis.Direction
	switch opt.relationships {
	case generated.EnumIncludeRelationshipsSource:
		dir = cmis.DirectionSource
	case generated.EnumIncludeRelationshipsTarget:
		dir = cmis.DirectionTarget
	case generated.EnumIncludeRelationshipsBoth:
		dir = cmis.DirectionEither
	}
	if dir != "" {
		f.relationships = opt.relationships
		var err error
		if f.rels, err = c.objects.RelationshipsOf(ctx, repo, ids, dir, a); err != nil {
			return nil, err
		}
		// The relationships themselves: all properties, and allowable
		// actions if the page has them.
		if f.renderedRels, err = c.renderAll(ctx, tc, f.rels, renderOptions{allowableActions: opt.allowableActions}); err != nil {
			return nil, err
		}
	}
	if opt.policyIDs || opt.allowableActions {
		var err error
		if f.policyIDs, err = c.objects.PolicyIDs(ctx, ids, a); err != nil {
			return nil, err
		}
	}
	if opt.allowableActions {
		var err error
		if f.filed, err = c.objects.Filed(ctx, ids); err != nil {
			return nil, err
		}
		all, err := c.subtypes(ctx, repo, string(cmis.BaseRelationship))
		if err != nil {
			return nil, err
		}
		for _, id := range all {
			t, err := tc.get(ctx, id)
			if err != nil {
				return nil, err
			}
			if t.Creatable {
				f.relTypes = append(f.relTypes, t)
			}
		}
	}
	return f, nil
}

// decorate adds the relationship elements and the policy ids to an
// object's wire form.
func (f *pageFacts) decorate(w *generated.CmisObjectType, o *cmis.Object, opt renderOptions) {
	for i, r := range f.rels {
		src := r.SourceID == o.ID && f.relationships != generated.EnumIncludeRelationshipsTarget
		tgt := r.TargetID == o.ID && f.relationships != generated.EnumIncludeRelationshipsSource
		if src || tgt {
			w.Relationship = append(w.Relationship, f.renderedRels[i])
		}
	}
	if opt.policyIDs {
		w.PolicyIds = &generated.CmisListOfIdsType{Id: f.policyIDs[o.ID]}
	}
}

// actions adds the filing, relationship and policy actions to what
// allowableActions says, from the caller's level and the page facts, so
// that each is promised exactly when its operation succeeds (for some
// folder or policy the caller may use).
func (f *pageFacts) actions(ctx context.Context, a *generated.CmisAllowableActionsType, o *cmis.Object, ot objectType, level cmis.Level) error {
	if level < levelFor("canGetProperties.Object") {
		return nil
	}
	filingActions(a, o, ot, level, f.filed[o.ID])
	policyActions(a, ot, level, len(f.policyIDs[o.ID]) > 0)
	if level >= levelFor("canGetObjectRelationships.Object") {
		a.CanGetObjectRelationships = ptr(true)
	}
	if o.BaseTypeID != cmis.BaseRelationship && level >= levelFor("canCreateRelationship.Source") {
		for _, rt := range f.relTypes {
			ok, err := isA(ctx, f.tc, ot.primary, rt.AllowedSourceTypes)
			if err != nil {
				return err
			}
			if ok {
				a.CanCreateRelationship = ptr(true)
				break
			}
		}
	}
	return nil
}
