package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// DiscoveryService answers query and getContentChanges. The query language and the change log arrive with their own work; until then capabilityQuery and capabilityChanges say none and both operations answer notSupported.
type DiscoveryService struct{ *core }

var _ generated.DiscoveryServicePort = DiscoveryService{}

func (s DiscoveryService) QueryContext(ctx context.Context, req *generated.Query) (*generated.QueryResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "query")
}

func (s DiscoveryService) GetContentChangesContext(ctx context.Context, req *generated.GetContentChanges) (*generated.GetContentChangesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getContentChanges")
}
