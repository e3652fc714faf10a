package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// ObjectService creates, reads, updates and deletes objects and their
// content. createRelationship and createPolicy live beside their services
// (relationship.go, policy.go).
type ObjectService struct{ *core }

var _ generated.ObjectServicePort = ObjectService{}

// user is the authenticated user's name; the server authenticates every
// request before it reaches a service.
func user(ctx context.Context) string {
	if u := cmis.UserFromContext(ctx); u != nil {
		return u.Name
	}
	return "anonymous"
}

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

// CreateDocumentContext creates a document, with content if given.
func (s ObjectService) CreateDocumentContext(ctx context.Context, req *generated.CreateDocument) (*generated.CreateDocumentResponse, error) {
	o, err := s.create(ctx, req.RepositoryId, req.Properties, cmis.BaseDocument, req.FolderId, s.withPolicies(req.RepositoryId, req.Policies, func(ctx context.Context, o *cmis.Object, ot objectType) error {
		if err := checkContentAllowed(ot.primary, req.ContentStream != nil); err != nil {
			return err
		}
		return versioning(o, ot.primary, req.VersioningState)
	}), req.ContentStream, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreateDocumentResponse{ObjectId: o.ID}, nil
}

// CreateDocumentFromSourceContext copies a document: its properties
// (overridden by those given) and its content, streamed store to store.
func (s ObjectService) CreateDocumentFromSourceContext(ctx context.Context, req *generated.CreateDocumentFromSource) (*generated.CreateDocumentFromSourceResponse, error) {
	src, err := s.readable(ctx, req.RepositoryId, req.SourceId, "canViewContent.Object")
	if err != nil {
		return nil, err
	}
	if src.BaseTypeID != cmis.BaseDocument {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "source %s is not a document", req.SourceId)
	}
	// The copy starts as the source's properties; the request overrides.
	tc := s.typeCache(ctx, req.RepositoryId)
	srcType, err := tc.of(ctx, src)
	if err != nil {
		return nil, err
	}
	merged := &generated.CmisPropertiesType{}
	given := map[string]bool{}
	for _, p := range readProperties(req.Properties) {
		given[p.id] = true
	}
	for _, def := range srcType.definitions() {
		if given[def.ID] {
			continue
		}
		switch {
		case def.ID == cmis.PropName || def.ID == cmis.PropDescription || def.ID == cmis.PropObjectTypeID || def.ID == cmis.PropSecondaryObjectTypeIDs:
			if vs := propertyValues(src, def); len(vs) > 0 {
				addWireValue(merged, def, vs)
			}
		case !isSystemProperty(def.ID) && (def.Updatability == cmis.ReadWrite || def.Updatability == cmis.OnCreate):
			if vs := src.Properties[def.ID]; len(vs) > 0 {
				addWireValue(merged, def, vs)
			}
		}
	}
	if req.Properties != nil {
		mergeWire(merged, req.Properties)
	}
	var content *generated.CmisContentStreamType
	if src.Content != nil {
		c, err := s.objects.OpenContent(ctx, req.RepositoryId, src.ID, 0, -1)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		content = &generated.CmisContentStreamType{MimeType: &c.Info.MimeType, Filename: &c.Info.FileName,
			Stream: &xsd.Stream{Href: "copy", Reader: c}}
	}
	o, err := s.create(ctx, req.RepositoryId, merged, cmis.BaseDocument, req.FolderId, s.withPolicies(req.RepositoryId, req.Policies, func(ctx context.Context, o *cmis.Object, ot objectType) error {
		if err := checkContentAllowed(ot.primary, content != nil); err != nil {
			return err
		}
		return versioning(o, ot.primary, req.VersioningState)
	}), content, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreateDocumentFromSourceResponse{ObjectId: o.ID}, nil
}

func mergeWire(dst, src *generated.CmisPropertiesType) {
	dst.Properties = append(dst.Properties, src.Properties...)
}

// CreateFolderContext creates a folder in a folder.
func (s ObjectService) CreateFolderContext(ctx context.Context, req *generated.CreateFolder) (*generated.CreateFolderResponse, error) {
	folderID := &req.FolderId
	o, err := s.create(ctx, req.RepositoryId, req.Properties, cmis.BaseFolder, folderID, s.withPolicies(req.RepositoryId, req.Policies, nil), nil, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreateFolderResponse{ObjectId: o.ID}, nil
}

// CreateItemContext creates an item (CMIS 1.1): a fileable object without
// content.
func (s ObjectService) CreateItemContext(ctx context.Context, req *generated.CreateItem) (*generated.CreateItemResponse, error) {
	o, err := s.create(ctx, req.RepositoryId, req.Properties, cmis.BaseItem, req.FolderId, nil, nil, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreateItemResponse{ObjectId: o.ID}, nil
}

// CreateRelationshipContext creates a relationship (relationship.go).
func (s ObjectService) CreateRelationshipContext(ctx context.Context, req *generated.CreateRelationship) (*generated.CreateRelationshipResponse, error) {
	return s.createRelationship(ctx, req)
}

// CreatePolicyContext creates a policy (policy.go).
func (s ObjectService) CreatePolicyContext(ctx context.Context, req *generated.CreatePolicy) (*generated.CreatePolicyResponse, error) {
	return s.createPolicy(ctx, req)
}

// GetAllowableActionsContext returns what the caller may do with an object.
func (s ObjectService) GetAllowableActionsContext(ctx context.Context, req *generated.GetAllowableActions) (*generated.GetAllowableActionsResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, renderOptions{filter: filter{}, allowableActions: true})
	if err != nil {
		return nil, err
	}
	return &generated.GetAllowableActionsResponse{AllowableActions: w.AllowableActions}, nil
}

// GetObjectContext returns an object.
func (s ObjectService) GetObjectContext(ctx context.Context, req *generated.GetObject) (*generated.GetObjectResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	opt.acl = deref(req.IncludeACL)
	opt.policyIDs = deref(req.IncludePolicyIds)
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetObjectResponse{Object: w}, nil
}

// GetPropertiesContext returns an object's properties.
func (s ObjectService) GetPropertiesContext(ctx context.Context, req *generated.GetProperties) (*generated.GetPropertiesResponse, error) {
	opt, err := readOptions(req.Filter, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetPropertiesResponse{Properties: w.Properties}, nil
}

// GetObjectByPathContext returns the object at a path.
func (s ObjectService) GetObjectByPathContext(ctx context.Context, req *generated.GetObjectByPath) (*generated.GetObjectByPathResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if req.Path == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "path is required")
	}
	opt.acl = deref(req.IncludeACL)
	opt.policyIDs = deref(req.IncludePolicyIds)
	o, err := s.objects.ObjectByPath(ctx, req.RepositoryId, req.Path)
	if err != nil {
		return nil, err
	}
	if err := visible(ctx, o); err != nil {
		return nil, err
	}
	if err := s.require(ctx, "canGetProperties.Object", o); err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetObjectByPathResponse{Object: w}, nil
}

// GetContentStreamContext streams a document's content, or a byte range
// of it, straight from the store into the response. The content store
// hands out what the server can send best: from the file store, a
// section of the file (its Size the length announced, its Outer the file
// sent with sendfile).
func (s ObjectService) GetContentStreamContext(ctx context.Context, req *generated.GetContentStream) (*generated.GetContentStreamResponse, error) {
	if _, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canViewContent.Object"); err != nil {
		return nil, err
	}
	if req.StreamId != nil && *req.StreamId != "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "stream %s does not exist: this repository has no renditions", *req.StreamId)
	}
	offset, length := deref(req.Offset), int64(-1)
	if req.Length != nil {
		length = *req.Length
	}
	if offset < 0 || (req.Length != nil && length < 0) {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "offset and length must not be negative")
	}
	c, err := s.objects.OpenContent(ctx, req.RepositoryId, req.ObjectId, offset, length)
	if err != nil {
		return nil, err
	}
	return &generated.GetContentStreamResponse{ContentStream: &generated.CmisContentStreamType{
		Length:   ptr(c.Length),
		MimeType: ptr(c.Info.MimeType),
		Filename: optString(c.Info.FileName),
		Stream:   &xsd.Stream{Reader: c.ReadCloser},
	}}, nil
}

// GetRenditionsContext lists renditions: this repository has none
// (capabilityRenditions none).
func (s ObjectService) GetRenditionsContext(ctx context.Context, req *generated.GetRenditions) (*generated.GetRenditionsResponse, error) {
	if _, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object"); err != nil {
		return nil, err
	}
	return &generated.GetRenditionsResponse{}, nil
}

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

// UpdatePropertiesContext changes an object's properties under its change
// token; a stale token is updateConflict.
func (s ObjectService) UpdatePropertiesContext(ctx context.Context, req *generated.UpdateProperties) (*generated.UpdatePropertiesResponse, error) {
	token, err := changeToken(req.ChangeToken)
	if err != nil {
		return nil, err
	}
	if req.Properties == nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "properties are required")
	}
	o, err := s.update(ctx, req.RepositoryId, req.ObjectId, token, req.Properties, nil, nil)
	if err != nil {
		return nil, err
	}
	return &generated.UpdatePropertiesResponse{ObjectId: o.ID, ChangeToken: tokenString(o)}, nil
}

// BulkUpdatePropertiesContext applies one change to many objects; as the
// spec allows, objects that fail are skipped. The WS schema has room for a
// single result (OASIS CMIS-754): the first object updated.
func (s ObjectService) BulkUpdatePropertiesContext(ctx context.Context, req *generated.BulkUpdateProperties) (*generated.BulkUpdatePropertiesResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	d := req.BulkUpdateData
	if d == nil || len(d.ObjectIdAndChangeToken) == 0 {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "bulkUpdateData names no objects")
	}
	resp := &generated.BulkUpdatePropertiesResponse{}
	for _, ref := range d.ObjectIdAndChangeToken {
		token, err := changeToken(ref.ChangeToken)
		if err != nil {
			continue
		}
		o, err := s.update(ctx, req.RepositoryId, ref.Id, token, d.Properties, d.AddSecondaryTypeIds, d.RemoveSecondaryTypeIds)
		if err != nil {
			if cmis.ErrorTypeOf(err) == cmis.ErrRuntime {
				return nil, err
			}
			continue
		}
		if resp.ObjectIdAndChangeToken == nil {
			resp.ObjectIdAndChangeToken = &generated.CmisObjectIdAndChangeTokenType{Id: ref.Id, NewId: ptr(o.ID), ChangeToken: tokenString(o)}
		}
	}
	return resp, nil
}

// MoveObjectContext moves an object from one folder to another.
func (s ObjectService) MoveObjectContext(ctx context.Context, req *generated.MoveObject) (*generated.MoveObjectResponse, error) {
	if req.SourceFolderId == "" || req.TargetFolderId == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "sourceFolderId and targetFolderId are required")
	}
	if _, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canMove.Object"); err != nil {
		return nil, err
	}
	for _, f := range []struct{ id, key string }{{req.SourceFolderId, "canMove.Source"}, {req.TargetFolderId, "canMove.Target"}} {
		if _, err := s.readable(ctx, req.RepositoryId, f.id, f.key); err != nil {
			return nil, err
		}
	}
	o, err := s.objects.MoveObject(ctx, req.RepositoryId, req.ObjectId, req.SourceFolderId, req.TargetFolderId, user(ctx))
	if err != nil {
		return nil, err
	}
	return &generated.MoveObjectResponse{ObjectId: o.ID}, nil
}

// DeleteObjectContext deletes an object; a folder must be empty. A
// document goes with all its versions unless allVersions is false;
// deleting a PWC cancels the check-out (see deleteDocument).
func (s ObjectService) DeleteObjectContext(ctx context.Context, req *generated.DeleteObject) (*generated.DeleteObjectResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canDelete.Object")
	if err != nil {
		return nil, err
	}
	if o.BaseTypeID == cmis.BaseDocument {
		err = s.deleteDocument(ctx, req.RepositoryId, o, req.AllVersions == nil || *req.AllVersions)
	} else {
		err = s.objects.DeleteObject(ctx, req.RepositoryId, req.ObjectId, permit(ctx, "canDelete.Object", ""))
	}
	if err != nil {
		return nil, err
	}
	return &generated.DeleteObjectResponse{}, nil
}

// DeleteTreeContext deletes a folder and everything below it, in one
// transaction. The caller must be allowed to delete each object of the
// tree (canDelete.Object on every folder and every version of every
// document deleted) or, where the mode only unfiles it, to unfile it
// (canRemoveFromFolder.Object); the store checks that in the deleting
// transaction. What is refused refuses the whole tree, unless
// continueOnFailure: then it stays and is reported in failedToDelete.
func (s ObjectService) DeleteTreeContext(ctx context.Context, req *generated.DeleteTree) (*generated.DeleteTreeResponse, error) {
	if _, err := s.readable(ctx, req.RepositoryId, req.FolderId, "canDeleteTree.Folder"); err != nil {
		return nil, err
	}
	mode := cmis.UnfileDelete
	if req.UnfileObjects != nil {
		mode = cmis.UnfileMode(*req.UnfileObjects)
	}
	switch mode {
	case cmis.UnfileDelete, cmis.UnfileDeleteSingleFiled, cmis.UnfileUnfile:
	default:
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "unfileObjects %q", mode)
	}
	failed, err := s.objects.DeleteTree(ctx, req.RepositoryId, req.FolderId, mode, deref(req.ContinueOnFailure),
		permit(ctx, "canDelete.Object", "canRemoveFromFolder.Object"))
	if err != nil {
		return nil, err
	}
	resp := &generated.DeleteTreeResponse{}
	resp.FailedToDelete.ObjectIds = failed
	return resp, nil
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

// SetContentStreamContext replaces a document's content; with
// overwriteFlag false it refuses to replace existing content.
func (s ObjectService) SetContentStreamContext(ctx context.Context, req *generated.SetContentStream) (*generated.SetContentStreamResponse, error) {
	if req.ContentStream == nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "contentStream is required")
	}
	overwrite := req.OverwriteFlag == nil || *req.OverwriteFlag
	id, tok, err := s.contentUpdate(ctx, req.RepositoryId, req.ObjectId, req.ChangeToken, req.ContentStream, false,
		func(ctx context.Context, t *int64, c *cmis.ContentStream) (*cmis.Object, error) {
			return s.objects.SetContent(ctx, req.RepositoryId, req.ObjectId, t, c, overwrite, false, user(ctx))
		})
	if err != nil {
		return nil, err
	}
	return &generated.SetContentStreamResponse{ObjectId: id, ChangeToken: tok}, nil
}

// AppendContentStreamContext adds bytes to the end of a document's
// content (CMIS 1.1). Each chunk is committed as it arrives, so
// isLastChunk needs no bookkeeping.
func (s ObjectService) AppendContentStreamContext(ctx context.Context, req *generated.AppendContentStream) (*generated.AppendContentStreamResponse, error) {
	if req.ContentStream == nil {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "contentStream is required")
	}
	id, tok, err := s.contentUpdate(ctx, req.RepositoryId, req.ObjectId, req.ChangeToken, req.ContentStream, true,
		func(ctx context.Context, t *int64, c *cmis.ContentStream) (*cmis.Object, error) {
			return s.objects.SetContent(ctx, req.RepositoryId, req.ObjectId, t, c, true, true, user(ctx))
		})
	if err != nil {
		return nil, err
	}
	return &generated.AppendContentStreamResponse{ObjectId: id, ChangeToken: tok}, nil
}

// DeleteContentStreamContext removes a document's content.
func (s ObjectService) DeleteContentStreamContext(ctx context.Context, req *generated.DeleteContentStream) (*generated.DeleteContentStreamResponse, error) {
	id, tok, err := s.contentUpdate(ctx, req.RepositoryId, req.ObjectId, req.ChangeToken, nil, false,
		func(ctx context.Context, t *int64, _ *cmis.ContentStream) (*cmis.Object, error) {
			return s.objects.DeleteContent(ctx, req.RepositoryId, req.ObjectId, t, user(ctx))
		})
	if err != nil {
		return nil, err
	}
	return &generated.DeleteContentStreamResponse{ObjectId: id, ChangeToken: tok}, nil
}
