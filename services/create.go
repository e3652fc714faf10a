package services

// Creating objects: the checks every create* operation shares, run in the
// write transaction before the object is stored.

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// newObjectType resolves and checks the type of an object to create: it
// must exist, be of the base kind the operation creates, and be creatable;
// secondary types must be secondary.
func (s ObjectService) newObjectType(ctx context.Context, tc *typeCache, in []inputProperty, base cmis.BaseTypeID) (objectType, error) {
	typeID, ok := lookup(in, cmis.PropObjectTypeID)
	if !ok || typeID == "" {
		return objectType{}, cmis.Errorf(cmis.ErrInvalidArgument, "cmis:objectTypeId is required")
	}
	t, err := tc.get(ctx, typeID)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		return objectType{}, cmis.Errorf(cmis.ErrInvalidArgument, "type %s does not exist", typeID)
	}
	if err != nil {
		return objectType{}, err
	}
	if t.BaseID != base {
		return objectType{}, cmis.Errorf(cmis.ErrInvalidArgument, "type %s is a %s type, not a %s type", typeID, t.BaseID, base)
	}
	if !t.Creatable {
		return objectType{}, cmis.Errorf(cmis.ErrConstraint, "type %s is not creatable", typeID)
	}
	ot := objectType{primary: t}
	if ids, ok := secondaryIDs(in); ok {
		if ot.secondaries, err = secondaryTypes(ctx, tc, ids); err != nil {
			return objectType{}, err
		}
	}
	return ot, nil
}

func secondaryTypes(ctx context.Context, tc *typeCache, ids []string) ([]*cmis.TypeDefinition, error) {
	var out []*cmis.TypeDefinition
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		t, err := tc.get(ctx, id)
		if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "secondary type %s does not exist", id)
		}
		if err != nil {
			return nil, err
		}
		if t.BaseID != cmis.BaseSecondary {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "type %s is not a secondary type", id)
		}
		out = append(out, t)
	}
	return out, nil
}

func secondaryIDList(ts []*cmis.TypeDefinition) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

// notYet refuses policies on create until policies are implemented,
// rather than silently dropping them.
func notYet(policies []string) error {
	if len(policies) > 0 {
		return cmis.Errorf(cmis.ErrNotSupported, "policies are not supported by this repository")
	}
	return nil
}

// initialACL is the ACL change a new object starts with: its creator gets
// cmis:all on it, then the request's removeACEs and addACEs apply to what
// it inherited from its folder.
func initialACL(ctx context.Context, add, remove *generated.CmisAccessControlListType) ([]cmis.ACE, []cmis.ACE, error) {
	a, err := readACEs(add)
	if err != nil {
		return nil, nil, err
	}
	r, err := readACEs(remove)
	if err != nil {
		return nil, nil, err
	}
	return append([]cmis.ACE{{Principal: userName(ctx), Permission: cmis.PermAll, Direct: true}}, a...), r, nil
}

// parentFolder checks the folder an object is created in, and the
// caller's right to create there (key). Folders need one; documents,
// items and policies without one are created unfiled (nil), and
// relationships are never filed.
func (s ObjectService) parentFolder(ctx context.Context, repo string, folderID *string, key string, base cmis.BaseTypeID) (*cmis.Object, error) {
	if folderID == nil || *folderID == "" {
		if base == cmis.BaseFolder {
			return nil, cmis.Errorf(cmis.ErrConstraint, "folderId is required: a folder has a parent")
		}
		return nil, nil
	}
	if base == cmis.BaseRelationship {
		return nil, cmis.Errorf(cmis.ErrConstraint, "relationships are not fileable")
	}
	f, err := s.readable(ctx, repo, *folderID, key)
	if err != nil {
		return nil, err
	}
	if f.BaseTypeID != cmis.BaseFolder {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a folder", *folderID)
	}
	return f, nil
}

// versioning applies versioningState to a new document.
func versioning(o *cmis.Object, t *cmis.TypeDefinition, state *generated.EnumVersioningState) error {
	st := generated.EnumVersioningState("")
	if state != nil {
		st = *state
	}
	if !t.Versionable {
		if st != "" && st != generated.EnumVersioningStateNone {
			return cmis.Errorf(cmis.ErrConstraint, "type %s is not versionable: versioningState must be none", t.ID)
		}
		o.IsMajorVersion, o.VersionLabel = true, "1.0"
	} else {
		switch st {
		case "", generated.EnumVersioningStateMajor:
			o.IsMajorVersion, o.IsLatestMajorVersion, o.VersionLabel = true, true, "1.0"
		case generated.EnumVersioningStateMinor:
			o.IsMajorVersion, o.VersionLabel = false, "0.1"
		case generated.EnumVersioningStateCheckedout:
			// Created checked out, the document is only its PWC until
			// checked in (see VersioningService).
			o.IsPrivateWorkingCopy, o.VersionLabel = true, "pwc"
			return nil
		case generated.EnumVersioningStateNone:
			return cmis.Errorf(cmis.ErrConstraint, "type %s is versionable: versioningState none is not allowed", t.ID)
		default:
			return cmis.Errorf(cmis.ErrInvalidArgument, "versioningState %q", st)
		}
	}
	o.IsLatestVersion = true
	if !t.Versionable {
		o.IsLatestMajorVersion = true
	}
	return nil
}

// incoming turns a request's contentStream into a domain stream; the
// transport has set the reader (an MTOM part or spooled base64).
func incoming(cs *generated.CmisContentStreamType, name string) (*cmis.ContentStream, error) {
	if cs == nil {
		return nil, nil
	}
	if cs.Stream == nil || cs.Stream.Reader == nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "contentStream has no stream")
	}
	c := &cmis.ContentStream{Reader: cs.Stream.Reader, MimeType: deref(cs.MimeType), FileName: deref(cs.Filename)}
	if c.FileName == "" {
		c.FileName = name
	}
	return c, nil
}

func checkContentAllowed(t *cmis.TypeDefinition, hasContent bool) error {
	switch {
	case hasContent && t.ContentStreamAllowed == cmis.ContentNotAllowed:
		return cmis.Errorf(cmis.ErrStreamNotSupported, "type %s does not allow content", t.ID)
	case !hasContent && t.ContentStreamAllowed == cmis.ContentRequired:
		return cmis.Errorf(cmis.ErrConstraint, "type %s requires content", t.ID)
	}
	return nil
}

// create builds and stores a new object of a base kind: checked, content
// staged, checked again and written in one transaction (writeWithContent).
func (s ObjectService) create(ctx context.Context, repo string, props *generated.CmisPropertiesType, base cmis.BaseTypeID,
	folderID *string, prepare prepareFunc, content *generated.CmisContentStreamType,
	addACEs, removeACEs *generated.CmisAccessControlListType) (*cmis.Object, error) {
	var out *cmis.Object
	err := writeWithContent(s.core, ctx,
		func(ctx context.Context) (createPlan, error) {
			return s.planCreate(ctx, repo, props, base, folderID, prepare, content, addACEs, removeACEs)
		},
		func(p createPlan) (*cmis.ContentStream, *cmis.ContentInfo) { return p.content, nil },
		func(ctx context.Context, p createPlan) (err error) {
			out, err = s.objects.CreateObject(ctx, p.o, p.parentID, p.content, p.add, p.remove)
			return err
		})
	return out, err
}

// prepareFunc completes a new object once its type and properties are
// known (versioning state, policies, relationship ends): part of the
// checks, so it runs in the write transaction with them.
type prepareFunc func(ctx context.Context, o *cmis.Object, ot objectType) error

// createPlan is a checked object to create.
type createPlan struct {
	o           *cmis.Object
	parentID    string
	content     *cmis.ContentStream
	add, remove []cmis.ACE
}

// planCreate checks a create and builds the object.
func (s ObjectService) planCreate(ctx context.Context, repo string, props *generated.CmisPropertiesType, base cmis.BaseTypeID,
	folderID *string, prepare prepareFunc, content *generated.CmisContentStreamType,
	addACEs, removeACEs *generated.CmisAccessControlListType) (p createPlan, err error) {
	if _, err := s.repository(ctx, repo); err != nil {
		return p, err
	}
	if props == nil {
		return p, cmis.Errorf(cmis.ErrInvalidArgument, "properties are required")
	}
	tc := s.typeCache(ctx, repo)
	in := readProperties(props)
	ot, err := s.newObjectType(ctx, tc, in, base)
	if err != nil {
		return p, err
	}
	key := "canCreateDocument.Folder"
	if base == cmis.BaseFolder {
		key = "canCreateFolder.Folder"
	}
	parent, err := s.parentFolder(ctx, repo, folderID, key, base)
	if err != nil {
		return p, err
	}
	parentID := ""
	if parent != nil {
		if !ot.primary.Fileable {
			return p, cmis.Errorf(cmis.ErrConstraint, "type %s is not fileable", ot.primary.ID)
		}
		parentID = parent.ID
	}
	add, remove, err := initialACL(ctx, addACEs, removeACEs)
	if err != nil {
		return p, err
	}
	o := &cmis.Object{RepositoryID: repo, TypeID: ot.primary.ID, BaseTypeID: base, CreatedBy: user(ctx),
		SecondaryTypeIDs: secondaryIDList(ot.secondaries)}
	if _, err := applyProperties(in, ot, o, true); err != nil {
		return p, err
	}
	if prepare != nil {
		if err := prepare(ctx, o, ot); err != nil {
			return p, err
		}
	}
	cs, err := incoming(content, o.Name)
	if err != nil {
		return p, err
	}
	return createPlan{o: o, parentID: parentID, content: cs, add: add, remove: remove}, nil
}
