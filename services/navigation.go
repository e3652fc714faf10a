package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// NavigationService walks the folder hierarchy. Not implemented yet: every operation answers notSupported, and capabilityGetDescendants and capabilityGetFolderTree say false.
type NavigationService struct{ *core }

var _ generated.NavigationServicePort = NavigationService{}

func (s NavigationService) GetDescendantsContext(ctx context.Context, req *generated.GetDescendants) (*generated.GetDescendantsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getDescendants")
}

func (s NavigationService) GetChildrenContext(ctx context.Context, req *generated.GetChildren) (*generated.GetChildrenResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getChildren")
}

func (s NavigationService) GetFolderParentContext(ctx context.Context, req *generated.GetFolderParent) (*generated.GetFolderParentResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getFolderParent")
}

func (s NavigationService) GetFolderTreeContext(ctx context.Context, req *generated.GetFolderTree) (*generated.GetFolderTreeResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getFolderTree")
}

func (s NavigationService) GetObjectParentsContext(ctx context.Context, req *generated.GetObjectParents) (*generated.GetObjectParentsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getObjectParents")
}

func (s NavigationService) GetCheckedOutDocsContext(ctx context.Context, req *generated.GetCheckedOutDocs) (*generated.GetCheckedOutDocsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getCheckedOutDocs")
}
