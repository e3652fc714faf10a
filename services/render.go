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
	// levels are the caller's levels on the objects, when read already
	// (with a single object): allowable actions then need no statement.
	levels map[string]cmis.Level
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
	levels := opt.levels
	if opt.allowableActions && levels == nil && len(objs) > 0 {
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
	ots := make([]objectType, len(objs))
	defs := make([]shown, len(objs))
	var counts slabCounts
	for i, o := range objs {
		var err error
		if ots[i], err = tc.of(ctx, o); err != nil {
			return nil, err
		}
		defs[i] = tc.definitions(ots[i])
		counts.add(defs[i].defs, opt.filter)
	}
	slab := newSlab(ctx)
	slab.reserve(counts)
	for i, o := range objs {
		ot := ots[i]
		w := &wires[i]
		w.Properties = slab.properties(o, defs[i], opt.filter)
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
// kind, its state and the caller's access level: each action is promised
// when the level reaches what its permission-mapping key needs, as the
// operation checks, so that they promise exactly what the operations
// allow.
func allowableActions(o *cmis.Object, ot objectType, level cmis.Level) *generated.CmisAllowableActionsType {
	a := &generated.CmisAllowableActionsType{}
	if level < levelFor("canGetProperties.Object") {
		return a
	}
	may := func(key string, cond bool) *bool {
		if cond && level >= levelFor(key) {
			return ptr(true)
		}
		return nil
	}
	isRoot := o.BaseTypeID == cmis.BaseFolder && o.ParentID == ""
	a.CanGetProperties = may("canGetProperties.Object", true)
	a.CanUpdateProperties = may("canUpdateProperties.Object", true)
	a.CanDeleteObject = may("canDelete.Object", !isRoot)
	a.CanGetACL = may("canGetACL.Object", true)
	a.CanApplyACL = may("canApplyACL.Object", ot.primary.ControllableACL)
	switch o.BaseTypeID {
	case cmis.BaseFolder:
		a.CanGetChildren = may("canGetChildren.Folder", true)
		a.CanGetDescendants = may("canGetDescendents.Folder", true)
		a.CanGetFolderTree = may("canGetDescendents.Folder", true)
		a.CanCreateDocument = may("canCreateDocument.Folder", true)
		a.CanCreateFolder = may("canCreateFolder.Folder", true)
		a.CanCreateItem = may("canCreateDocument.Folder", true) // items and policies are created as documents are
		a.CanGetFolderParent = may("canGetFolderParent.Object", !isRoot)
		a.CanGetObjectParents = may("canGetParents.Folder", !isRoot)
		a.CanMoveObject = may("canMove.Object", !isRoot)
		a.CanDeleteTree = may("canDeleteTree.Folder", !isRoot)
	case cmis.BaseDocument:
		// Only the latest version and the PWC change, and only the
		// latest version is filed (see VersioningService).
		current := o.IsLatestVersion || o.IsPrivateWorkingCopy
		a.CanGetObjectParents = may("canGetParents.Folder", true)
		a.CanMoveObject = may("canMove.Object", o.IsLatestVersion)
		a.CanUpdateProperties = may("canUpdateProperties.Object", current)
		if ot.primary.ContentStreamAllowed != cmis.ContentNotAllowed {
			a.CanSetContentStream = may("canSetContent.Document", current)
		}
		if o.Content != nil {
			a.CanGetContentStream = may("canViewContent.Object", true)
			if ot.primary.ContentStreamAllowed != cmis.ContentRequired {
				a.CanDeleteContentStream = may("canDeleteContent.Document", current)
			}
		}
		a.CanGetAllVersions = may("canGetAllVersions.VersionSeries", true)
		a.CanCheckOut = may("canCheckout.Document", ot.primary.Versionable && o.IsLatestVersion && o.VersionSeriesCheckedOutID == "")
		a.CanCheckIn = may("canCheckin.Document", o.IsPrivateWorkingCopy)
		a.CanCancelCheckOut = may("canCancelCheckout.Document", o.IsPrivateWorkingCopy)
	case cmis.BaseItem, cmis.BasePolicy:
		a.CanGetObjectParents = may("canGetParents.Folder", true)
		a.CanMoveObject = may("canMove.Object", true)
	}
	return a
}
