// Package services implements the nine CMIS services, one file each, on
// the generated port interfaces: it turns the wire types into the domain
// model of package cmis, applies the CMIS rules, and calls the store. It
// knows nothing of HTTP or SOAP framing.
package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/generated"
)

// Config is what the services need.
type Config struct {
	Types          cmis.TypeStore
	Objects        cmis.ObjectStore
	ACLs           cmis.ACLStore
	Queries        query.Runner // nil: query is not supported
	Changes        cmis.ChangeLog
	Tx             cmis.Transactor // runs each operation in one transaction (tx.go)
	ProductVersion string
}

// core is shared by the service implementations.
type core struct {
	types          cmis.TypeStore
	objects        cmis.ObjectStore
	acls           cmis.ACLStore
	queries        query.Runner
	changes        cmis.ChangeLog
	tx             cmis.Transactor
	productVersion string
	// capabilities are repository info's, the same for every request
	// (RepositoryService.capabilities); written, never changed.
	capabilities *generated.CmisRepositoryCapabilitiesType
}

// New returns the implementations of all nine service ports, each call
// in its transaction (tx.go).
func New(cfg Config) *generated.Ports { return newCore(cfg).ports() }

func newCore(cfg Config) *core {
	c := &core{types: cfg.Types, objects: cfg.Objects, acls: cfg.ACLs, queries: cfg.Queries, changes: cfg.Changes,
		tx: cfg.Tx, productVersion: cfg.ProductVersion}
	c.capabilities = RepositoryService{c}.capabilitiesOf()
	return c
}

func (c *core) ports() *generated.Ports {
	ports := &generated.Ports{
		Repository:   RepositoryService{c},
		Navigation:   NavigationService{c},
		Object:       ObjectService{c},
		MultiFiling:  MultiFilingService{c},
		Discovery:    DiscoveryService{c},
		Versioning:   VersioningService{c},
		Relationship: RelationshipService{c},
		Policy:       PolicyService{c},
		ACL:          ACLService{c},
	}
	return ports.With(c.around)
}

// repository checks that a repository exists: every operation but
// getRepositories names one, and an unknown one is objectNotFound.
func (c *core) repository(ctx context.Context, id string) (*cmis.RepositoryInfo, error) {
	if id == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "repositoryId is required")
	}
	return c.types.Repository(ctx, id)
}

// notSupported answers an operation this server does not implement; the
// repository's capabilities say so too.
func (c *core) notSupported(ctx context.Context, repositoryID, operation string) error {
	if _, err := c.repository(ctx, repositoryID); err != nil {
		return err
	}
	return cmis.Errorf(cmis.ErrNotSupported, "%s is not supported by this repository", operation)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// optString is nil for the empty string: optional elements are omitted
// rather than sent empty.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
