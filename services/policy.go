package services

import (
	"context"

	"github.com/cmisd/cmisd/generated"
)

// PolicyService applies policies to objects. Not implemented yet: every operation answers notSupported.
type PolicyService struct{ *core }

var _ generated.PolicyServicePort = PolicyService{}

func (s PolicyService) ApplyPolicyContext(ctx context.Context, req *generated.ApplyPolicy) (*generated.ApplyPolicyResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "applyPolicy")
}

func (s PolicyService) RemovePolicyContext(ctx context.Context, req *generated.RemovePolicy) (*generated.RemovePolicyResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "removePolicy")
}

func (s PolicyService) GetAppliedPoliciesContext(ctx context.Context, req *generated.GetAppliedPolicies) (*generated.GetAppliedPoliciesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getAppliedPolicies")
}
