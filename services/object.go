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
		c, err := s.objects.OpenContentOf(ctx, src, 0, -1)
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
	o, level, err := s.readableAt(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, renderOptions{filter: filter{}, allowableActions: true,
		levels: map[string]cmis.Level{o.ID: level}})
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
	o, level, err := s.readableAt(ctx, req.RepositoryId, req.ObjectId, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	opt.levels = map[string]cmis.Level{o.ID: level}
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
	o, level, err := s.objects.ObjectByPathAs(ctx, req.RepositoryId, req.Path, access(ctx))
	if err != nil {
		return nil, err
	}
	if err := permitted(ctx, o, level, "canGetProperties.Object"); err != nil {
		return nil, err
	}
	opt.levels = map[string]cmis.Level{o.ID: level}
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
	o, err := s.readableContent(ctx, req.RepositoryId, req.ObjectId)
	if err != nil {
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
	c, err := s.objects.OpenContentOf(ctx, o, offset, length)
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
