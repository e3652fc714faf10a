package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// ObjectService creates, reads, updates and deletes objects and their content. Not implemented yet: every operation answers notSupported.
type ObjectService struct{ *core }

var _ generated.ObjectServicePort = ObjectService{}

func (s ObjectService) CreateDocumentContext(ctx context.Context, req *generated.CreateDocument) (*generated.CreateDocumentResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createDocument")
}

func (s ObjectService) CreateDocumentFromSourceContext(ctx context.Context, req *generated.CreateDocumentFromSource) (*generated.CreateDocumentFromSourceResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createDocumentFromSource")
}

func (s ObjectService) CreateFolderContext(ctx context.Context, req *generated.CreateFolder) (*generated.CreateFolderResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createFolder")
}

func (s ObjectService) CreateRelationshipContext(ctx context.Context, req *generated.CreateRelationship) (*generated.CreateRelationshipResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createRelationship")
}

func (s ObjectService) CreatePolicyContext(ctx context.Context, req *generated.CreatePolicy) (*generated.CreatePolicyResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createPolicy")
}

func (s ObjectService) CreateItemContext(ctx context.Context, req *generated.CreateItem) (*generated.CreateItemResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "createItem")
}

func (s ObjectService) GetAllowableActionsContext(ctx context.Context, req *generated.GetAllowableActions) (*generated.GetAllowableActionsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getAllowableActions")
}

func (s ObjectService) GetObjectContext(ctx context.Context, req *generated.GetObject) (*generated.GetObjectResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getObject")
}

func (s ObjectService) GetPropertiesContext(ctx context.Context, req *generated.GetProperties) (*generated.GetPropertiesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getProperties")
}

func (s ObjectService) GetRenditionsContext(ctx context.Context, req *generated.GetRenditions) (*generated.GetRenditionsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getRenditions")
}

func (s ObjectService) GetObjectByPathContext(ctx context.Context, req *generated.GetObjectByPath) (*generated.GetObjectByPathResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getObjectByPath")
}

func (s ObjectService) GetContentStreamContext(ctx context.Context, req *generated.GetContentStream) (*generated.GetContentStreamResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getContentStream")
}

func (s ObjectService) UpdatePropertiesContext(ctx context.Context, req *generated.UpdateProperties) (*generated.UpdatePropertiesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "updateProperties")
}

func (s ObjectService) BulkUpdatePropertiesContext(ctx context.Context, req *generated.BulkUpdateProperties) (*generated.BulkUpdatePropertiesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "bulkUpdateProperties")
}

func (s ObjectService) MoveObjectContext(ctx context.Context, req *generated.MoveObject) (*generated.MoveObjectResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "moveObject")
}

func (s ObjectService) DeleteObjectContext(ctx context.Context, req *generated.DeleteObject) (*generated.DeleteObjectResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "deleteObject")
}

func (s ObjectService) DeleteTreeContext(ctx context.Context, req *generated.DeleteTree) (*generated.DeleteTreeResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "deleteTree")
}

func (s ObjectService) SetContentStreamContext(ctx context.Context, req *generated.SetContentStream) (*generated.SetContentStreamResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "setContentStream")
}

func (s ObjectService) AppendContentStreamContext(ctx context.Context, req *generated.AppendContentStream) (*generated.AppendContentStreamResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "appendContentStream")
}

func (s ObjectService) DeleteContentStreamContext(ctx context.Context, req *generated.DeleteContentStream) (*generated.DeleteContentStreamResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "deleteContentStream")
}
