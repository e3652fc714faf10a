package services

// Changing objects: the checks of property and content updates, run in the
// write transaction before the change is stored.

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// update validates and applies property changes to one object.
func (s ObjectService) update(ctx context.Context, repo, id string, token *int64, props *generated.CmisPropertiesType, addSec, removeSec []string) (*cmis.Object, error) {
	o, err := s.readable(ctx, repo, id, "canUpdateProperties.Object")
	if err != nil {
		return nil, err
	}
	if err := editable(o); err != nil {
		return nil, err
	}
	ch, err := s.change(ctx, repo, o, props, addSec, removeSec)
	if err != nil {
		return nil, err
	}
	return s.objects.UpdateObject(ctx, repo, id, token, *ch, user(ctx))
}

// change validates property changes to an object (updateProperties,
// bulkUpdateProperties, checkIn) and returns them as a Change.
func (c *core) change(ctx context.Context, repo string, o *cmis.Object, props *generated.CmisPropertiesType, addSec, removeSec []string) (*cmis.Change, error) {
	id := o.ID
	tc := c.typeCache(ctx, repo)
	in := readProperties(props)
	// Clients may echo the type id; changing it is not an update.
	if t, ok := lookup(in, cmis.PropObjectTypeID); ok && t != o.TypeID {
		return nil, cmis.Errorf(cmis.ErrConstraint, "cmis:objectTypeId is oncreate: %s cannot become a %s", id, t)
	}
	secIDs := o.SecondaryTypeIDs
	if ids, ok := secondaryIDs(in); ok {
		secIDs = ids
	}
	if len(addSec) > 0 || len(removeSec) > 0 {
		drop := map[string]bool{}
		for _, id := range removeSec {
			drop[id] = true
		}
		var next []string
		for _, id := range append(append([]string{}, secIDs...), addSec...) {
			if !drop[id] {
				next = append(next, id)
			}
		}
		secIDs = next
	}
	primary, err := tc.get(ctx, o.TypeID)
	if err != nil {
		return nil, err
	}
	secs, err := secondaryTypes(ctx, tc, secIDs)
	if err != nil {
		return nil, err
	}
	ot := objectType{primary: primary, secondaries: secs}
	ch, err := applyProperties(in, ot, o, false)
	if err != nil {
		return nil, err
	}
	if o.BaseTypeID == cmis.BaseFolder && o.ParentID == "" && ch.Name != nil {
		return nil, cmis.Errorf(cmis.ErrConstraint, "the root folder cannot be renamed")
	}
	newIDs := secondaryIDList(secs)
	if !sameStrings(newIDs, o.SecondaryTypeIDs) {
		ch.SecondaryTypeIDs = &newIDs
		// Properties of detached secondary types go with them.
		old, err := tc.of(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, def := range old.definitions() {
			if ot.property(def.ID) == nil {
				ch.Properties[def.ID] = nil
			}
		}
	}
	return ch, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// contentPlan is a checked change of a document's content.
type contentPlan struct {
	o   *cmis.Object
	tok *int64
	c   *cmis.ContentStream // nil: delete
}

// contentUpdate checks a change of a document's content (cs nil:
// delete; appendTo: the new bytes follow the old), stages the new bytes
// and applies it in one write transaction (writeWithContent).
func (s ObjectService) contentUpdate(ctx context.Context, repo, id string, token *string, cs *generated.CmisContentStreamType, appendTo bool,
	apply func(ctx context.Context, t *int64, c *cmis.ContentStream) (*cmis.Object, error)) (string, *string, error) {
	var o *cmis.Object
	err := writeWithContent(s.core, ctx,
		func(ctx context.Context) (contentPlan, error) { return s.planContentUpdate(ctx, repo, id, token, cs) },
		func(p contentPlan) (*cmis.ContentStream, *cmis.ContentInfo) {
			if appendTo {
				return p.c, p.o.Content
			}
			return p.c, nil
		},
		func(ctx context.Context, p contentPlan) (err error) {
			o, err = apply(ctx, p.tok, p.c)
			return err
		})
	if err != nil {
		return "", nil, err
	}
	return o.ID, tokenString(o), nil
}

func (s ObjectService) planContentUpdate(ctx context.Context, repo, id string, token *string, cs *generated.CmisContentStreamType) (contentPlan, error) {
	key := "canSetContent.Document"
	if cs == nil {
		key = "canDeleteContent.Document"
	}
	o, err := s.readable(ctx, repo, id, key)
	if err != nil {
		return contentPlan{}, err
	}
	if o.BaseTypeID != cmis.BaseDocument {
		return contentPlan{}, cmis.Errorf(cmis.ErrConstraint, "object %s is not a document", id)
	}
	if err := editable(o); err != nil {
		return contentPlan{}, err
	}
	t, err := s.types.Type(ctx, repo, o.TypeID)
	if err != nil {
		return contentPlan{}, err
	}
	tok, err := changeToken(token)
	if err != nil {
		return contentPlan{}, err
	}
	var c *cmis.ContentStream
	if cs != nil {
		if err := checkContentAllowed(t, true); err != nil {
			return contentPlan{}, err
		}
		if c, err = incoming(cs, o.Name); err != nil {
			return contentPlan{}, err
		}
	} else if err := checkContentAllowed(t, false); err != nil {
		return contentPlan{}, err
	}
	return contentPlan{o: o, tok: tok, c: c}, nil
}
