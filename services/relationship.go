package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// RelationshipService lists the relationships of an object. Not implemented yet: it answers notSupported.
type RelationshipService struct{ *core }

var _ generated.RelationshipServicePort = RelationshipService{}

func (s RelationshipService) GetObjectRelationshipsContext(ctx context.Context, req *generated.GetObjectRelationships) (*generated.GetObjectRelationshipsResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getObjectRelationships")
}
