package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// ACLService reads and changes access control lists. Not implemented yet: capabilityACL says none and both operations answer notSupported.
type ACLService struct{ *core }

var _ generated.ACLServicePort = ACLService{}

func (s ACLService) GetACLContext(ctx context.Context, req *generated.GetACL) (*generated.GetACLResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getACL")
}

func (s ACLService) ApplyACLContext(ctx context.Context, req *generated.ApplyACL) (*generated.ApplyACLResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "applyACL")
}
