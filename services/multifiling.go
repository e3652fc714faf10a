package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// MultiFilingService files an object in several folders. capabilityMultifiling and capabilityUnfiling say false until it is implemented; both operations answer notSupported.
type MultiFilingService struct{ *core }

var _ generated.MultiFilingServicePort = MultiFilingService{}

func (s MultiFilingService) AddObjectToFolderContext(ctx context.Context, req *generated.AddObjectToFolder) (*generated.AddObjectToFolderResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "addObjectToFolder")
}

func (s MultiFilingService) RemoveObjectFromFolderContext(ctx context.Context, req *generated.RemoveObjectFromFolder) (*generated.RemoveObjectFromFolderResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "removeObjectFromFolder")
}
