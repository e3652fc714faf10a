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
			// Relationships are not stored yet: every object has none.
		default:
			return renderOptions{}, cmis.Errorf(cmis.ErrInvalidArgument, "includeRelationships %q", *rels)
		}
	}
	// Renditions are not supported (capabilityRenditions none): any
	// renditionFilter selects nothing.
	_ = renditions
	return renderOptions{filter: flt, allowableActions: deref(allowable)}, nil
}

// render turns an object into its wire form.
func (c *core) render(ctx context.Context, tc *typeCache, o *cmis.Object, opt renderOptions) (*generated.CmisObjectType, error) {
	ot, err := tc.of(ctx, o)
	if err != nil {
		return nil, err
	}
	w := &generated.CmisObjectType{Properties: wireProperties(o, ot, opt.filter)}
	if opt.allowableActions {
		w.AllowableActions = allowableActions(o, ot)
	}
	return w, nil
}

// allowableActions says what may be done with an object, from its kind and
// state; they promise exactly what the operations allow.
func allowableActions(o *cmis.Object, ot objectType) *generated.CmisAllowableActionsType {
	t := true
	a := &generated.CmisAllowableActionsType{CanGetProperties: &t, CanUpdateProperties: &t}
	isRoot := o.BaseTypeID == cmis.BaseFolder && o.ParentID == ""
	if !isRoot {
		a.CanDeleteObject = &t
	}
	switch o.BaseTypeID {
	case cmis.BaseFolder:
		a.CanGetChildren, a.CanGetDescendants, a.CanGetFolderTree = &t, &t, &t
		a.CanCreateDocument, a.CanCreateFolder, a.CanCreateItem = &t, &t, &t
		if !isRoot {
			a.CanGetFolderParent, a.CanGetObjectParents, a.CanMoveObject, a.CanDeleteTree = &t, &t, &t, &t
		}
	case cmis.BaseDocument:
		a.CanGetObjectParents, a.CanMoveObject = &t, &t
		if ot.primary.ContentStreamAllowed != cmis.ContentNotAllowed {
			a.CanSetContentStream = &t
		}
		if o.Content != nil {
			a.CanGetContentStream = &t
			if ot.primary.ContentStreamAllowed != cmis.ContentRequired {
				a.CanDeleteContentStream = &t
			}
		}
	case cmis.BaseItem, cmis.BasePolicy:
		a.CanGetObjectParents, a.CanMoveObject = &t, &t
	}
	return a
}
