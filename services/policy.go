package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// PolicyService applies policies to objects. A policy is an object of base
// cmis:policy (fileable, and like documents it may be unfiled); the
// repository attaches no behaviour to it. It can be applied to objects of
// types with controllablePolicy=true, which policy types themselves are
// not. A policy that is applied to an object cannot be deleted
// (constraint); applying or removing a policy moves the change token of
// the object it is applied to. Callers see the applied policies they may
// read, in getAppliedPolicies and in policyIds alike.
type PolicyService struct{ *core }

var _ generated.PolicyServicePort = PolicyService{}

// policyFor loads a policy named by a request and checks the caller's
// access for key.
func (c *core) policyFor(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	if id == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "policyId is required")
	}
	p, err := c.readable(ctx, repo, id, key)
	if err != nil {
		return nil, err
	}
	if p.BaseTypeID != cmis.BasePolicy {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a policy", id)
	}
	return p, nil
}

// controllable checks that policies may be applied to objects of type t.
func controllable(t *cmis.TypeDefinition) error {
	if !t.ControllablePolicy {
		return cmis.Errorf(cmis.ErrConstraint, "type %s is not policy-controllable", t.ID)
	}
	return nil
}

// policyTarget loads the object of a policy request, checks the caller's
// access for key and that its type is policy-controllable.
func (c *core) policyTarget(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	o, err := c.readable(ctx, repo, id, key)
	if err != nil {
		return nil, err
	}
	t, err := c.types.Type(ctx, repo, o.TypeID)
	if err != nil {
		return nil, err
	}
	if err := controllable(t); err != nil {
		return nil, err
	}
	return o, nil
}

// ApplyPolicyContext applies a policy to an object; applying it again
// changes nothing.
func (s PolicyService) ApplyPolicyContext(ctx context.Context, req *generated.ApplyPolicy) (*generated.ApplyPolicyResponse, error) {
	err := s.changePolicy(ctx, req.RepositoryId, req.ObjectId, req.PolicyId, "canAddPolicy", s.objects.ApplyPolicy)
	if err != nil {
		return nil, err
	}
	return &generated.ApplyPolicyResponse{}, nil
}

// RemovePolicyContext removes a policy from an object it is applied to.
func (s PolicyService) RemovePolicyContext(ctx context.Context, req *generated.RemovePolicy) (*generated.RemovePolicyResponse, error) {
	err := s.changePolicy(ctx, req.RepositoryId, req.ObjectId, req.PolicyId, "canRemovePolicy", s.objects.RemovePolicy)
	if err != nil {
		return nil, err
	}
	return &generated.RemovePolicyResponse{}, nil
}

// changePolicy checks the caller's permission keys (key.Object on the
// object, key.Policy on the policy), then applies or removes.
func (s PolicyService) changePolicy(ctx context.Context, repositoryID, objectID, policyID, key string,
	change func(ctx context.Context, repositoryID, policyID, objectID, user string) error) error {
	o, err := s.policyTarget(ctx, repositoryID, objectID, key+".Object")
	if err != nil {
		return err
	}
	p, err := s.policyFor(ctx, repositoryID, policyID, key+".Policy")
	if err != nil {
		return err
	}
	return change(ctx, repositoryID, p.ID, o.ID, user(ctx))
}

// GetAppliedPoliciesContext returns the policy objects applied to an
// object that the caller may read.
func (s PolicyService) GetAppliedPoliciesContext(ctx context.Context, req *generated.GetAppliedPolicies) (*generated.GetAppliedPoliciesResponse, error) {
	opt, err := readOptions(req.Filter, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	// Any object the caller may read answers: one whose type is not
	// policy-controllable (a policy, say) has no policies, which is an
	// empty list, not a fault (clients and kits ask of every object).
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetAppliedPolicies.Object")
	if err != nil {
		return nil, err
	}
	ps, err := s.objects.AppliedPolicies(ctx, req.RepositoryId, o.ID, access(ctx))
	if err != nil {
		return nil, err
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), ps, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetAppliedPoliciesResponse{Objects: ws}, nil
}

// createPolicy creates a policy, in a folder or unfiled.
func (s ObjectService) createPolicy(ctx context.Context, req *generated.CreatePolicy) (*generated.CreatePolicyResponse, error) {
	o, err := s.create(ctx, req.RepositoryId, req.Properties, cmis.BasePolicy, req.FolderId,
		s.withPolicies(req.RepositoryId, req.Policies, nil), nil, req.AddACEs, req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	return &generated.CreatePolicyResponse{ObjectId: o.ID}, nil
}

// withPolicies is a prepare step for create: it checks the policies a
// create request names (each a policy the caller may read, the new
// object's type policy-controllable) and hands them to the store, which
// applies them in the transaction that creates the object. next, if
// given, runs first.
func (s ObjectService) withPolicies(repo string, ids []string, next prepareFunc) prepareFunc {
	return func(ctx context.Context, o *cmis.Object, ot objectType) error {
		if next != nil {
			if err := next(ctx, o, ot); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		if err := controllable(ot.primary); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := s.policyFor(ctx, repo, id, "canAddPolicy.Policy"); err != nil {
				return err
			}
			o.Policies = append(o.Policies, id)
		}
		return nil
	}
}

// policyActions adds the policy actions: on objects of policy-controllable
// types, applying needs canAddPolicy.Object, removing canRemovePolicy.Object
// and a policy applied that the caller sees, listing
// canGetAppliedPolicies.Object.
func policyActions(a *generated.CmisAllowableActionsType, ot objectType, level cmis.Level, applied bool) {
	if !ot.primary.ControllablePolicy {
		return
	}
	if level >= levelFor("canAddPolicy.Object") {
		a.CanApplyPolicy = ptr(true)
	}
	if applied && level >= levelFor("canRemovePolicy.Object") {
		a.CanRemovePolicy = ptr(true)
	}
	if level >= levelFor("canGetAppliedPolicies.Object") {
		a.CanGetAppliedPolicies = ptr(true)
	}
}
