package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// renderOptions are the read options most operations share.
type renderOptions struct {
	filter           filter
	allowableActions bool
	acl              bool
	relationships    generated.EnumIncludeRelationships // none, source, target or both
	policyIDs        bool
}

func readOptions(f *string, allowable *bool, rels *generated.EnumIncludeRelationships, renditions *string) (renderOptions, error) {
	flt, err := parseFilter(f)
	if err != nil {
		return renderOptions{}, err
	}
	if rels != nil {
		switch *rels {
		case "", generated.EnumIncludeRelationshipsNone, generated.EnumIncludeRelationshipsSource,
			generated.EnumIncludeRelationshipsTarget, generated.EnumIncludeRelationshipsBoth:
		default:
			return renderOptions{}, cmis.Errorf(cmis.ErrInvalidArgument, "includeRelationships %q", *rels)
		}
	}
	// Renditions are not supported (capabilityRenditions none): any
	// renditionFilter selects nothing.
	_ = renditions
	return renderOptions{filter: flt, allowableActions: deref(allowable), relationships: deref(rels)}, nil
}

// render turns one object into its wire form.
func (c *core) render(ctx context.Context, tc *typeCache, o *cmis.Object, opt renderOptions) (*generated.CmisObjectType, error) {
	out, err := c.renderAll(ctx, tc, []*cmis.Object{o}, opt)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// renderAll renders a page of objects; the caller's access to all of them
// is read in one statement, not one per object.
func (c *core) renderAll(ctx context.Context, tc *typeCache, objs []*cmis.Object, opt renderOptions) ([]*generated.CmisObjectType, error) {
	var levels map[string]cmis.Level
	if opt.allowableActions && len(objs) > 0 {
		ids := make([]string, len(objs))
		for i, o := range objs {
			ids[i] = o.ID
		}
		var err error
		if levels, err = c.acls.Levels(ctx, ids, access(ctx)); err != nil {
			return nil, err
		}
	}
	// Relationships, policies and filing: a few statements for the page.
	facts, err := c.facts(ctx, tc, objs, opt)
	if err != nil {
		return nil, err
	}
	out := make([]*generated.CmisObjectType, len(objs))
	wires := make([]generated.CmisObjectType, len(objs))
	var slab wireSlab
	for i, o := range objs {
		ot, err := tc.of(ctx, o)
		if err != nil {
			return nil, err
		}
		w := &wires[i]
		w.Properties = slab.properties(o, tc.definitions(ot), opt.filter)
		if opt.allowableActions {
			w.AllowableActions = allowableActions(o, ot, levels[o.ID])
			if err := facts.actions(ctx, w.AllowableActions, o, ot, levels[o.ID]); err != nil {
				return nil, err
			}
		}
		facts.decorate(w, o, opt)
		if opt.acl {
			aces, err := c.acls.ACL(ctx, o.RepositoryID, o.ID)
			if err != nil {
				return nil, err
			}
			w.Acl, w.ExactACL = wireACL(aces), ptr(true)
		}
		out[i] = w
	}
	return out, nil
}

// allowableActions says what the caller may do with an object, from its
// kind, its state and the caller's access level (per permissionMapping):
// they promise exactly what the operations allow.
func allowableActions(o *cmis.Object, ot objectType, level cmis.Level) *generated.CmisAllowableActionsType {
	t := true
	a := &generated.CmisAllowableActionsType{}
	if level < cmis.CanRead {
		return a
	}
	read, write := true, level >= cmis.CanWrite
	on := func(cond bool) *bool {
		if cond {
			return &t
		}
		return nil
	}
	isRoot := o.BaseTypeID == cmis.BaseFolder && o.ParentID == ""
	a.CanGetProperties, a.CanUpdateProperties = &t, on(write)
	a.CanDeleteObject = on(write && !isRoot)
	a.CanGetACL = &t
	a.CanApplyACL = on(level >= cmis.CanAll && ot.primary.ControllableACL)
	switch o.BaseTypeID {
	case cmis.BaseFolder:
		a.CanGetChildren, a.CanGetDescendants, a.CanGetFolderTree = &t, &t, &t
		a.CanCreateDocument, a.CanCreateFolder, a.CanCreateItem = on(write), on(write), on(write)
		if !isRoot {
			a.CanGetFolderParent, a.CanGetObjectParents = &t, &t
			a.CanMoveObject, a.CanDeleteTree = on(write), on(write)
		}
	case cmis.BaseDocument:
		// Only the latest version and the PWC change, and only the
		// latest version is filed (see VersioningService).
		current := write && (o.IsLatestVersion || o.IsPrivateWorkingCopy)
		a.CanGetObjectParents, a.CanMoveObject = &t, on(write && o.IsLatestVersion)
		a.CanUpdateProperties = on(current)
		if ot.primary.ContentStreamAllowed != cmis.ContentNotAllowed {
			a.CanSetContentStream = on(current)
		}
		if o.Content != nil {
			a.CanGetContentStream = on(read)
			if ot.primary.ContentStreamAllowed != cmis.ContentRequired {
				a.CanDeleteContentStream = on(current)
			}
		}
		a.CanGetAllVersions = &t
		a.CanCheckOut = on(write && ot.primary.Versionable && o.IsLatestVersion && o.VersionSeriesCheckedOutID == "")
		a.CanCheckIn, a.CanCancelCheckOut = on(write && o.IsPrivateWorkingCopy), on(write && o.IsPrivateWorkingCopy)
	case cmis.BaseItem, cmis.BasePolicy:
		a.CanGetObjectParents, a.CanMoveObject = &t, on(write)
	}
	return a
}
