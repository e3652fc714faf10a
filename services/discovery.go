package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/generated"
)

// DiscoveryService answers CMIS queries, compiled to SQL by the store with
// the caller's ACLs inside the statement. Full-text search and the change
// log are not implemented yet: capabilityQuery says metadataonly,
// capabilityChanges none, and CONTAINS and getContentChanges answer
// notSupported.
type DiscoveryService struct{ *core }

var _ generated.DiscoveryServicePort = DiscoveryService{}

// defaultQueryPage is the page size when a client sends no maxItems.
const defaultQueryPage = 100

// resolver binds a query's tables through the store.
type resolver struct {
	ctx  context.Context
	run  query.Runner
	repo string
}

func (r resolver) TypeByQueryName(name string) (*cmis.TypeDefinition, error) {
	return r.run.TypeByQueryName(r.ctx, r.repo, name)
}

// QueryContext runs a CMIS query.
func (s DiscoveryService) QueryContext(ctx context.Context, req *generated.Query) (*generated.QueryResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if s.queries == nil {
		return nil, cmis.Errorf(cmis.ErrNotSupported, "query is not supported by this repository")
	}
	if req.Statement == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "statement is required")
	}
	stmt, err := query.Parse(req.Statement)
	if err != nil {
		return nil, err
	}
	q, err := query.Bind(stmt, resolver{ctx, s.queries, req.RepositoryId})
	if err != nil {
		return nil, err
	}
	if q.Contains != nil || q.Score {
		return nil, cmis.Errorf(cmis.ErrNotSupported, "full-text search (CONTAINS, SCORE) is not supported yet: capabilityQuery is metadataonly")
	}
	opt, err := readOptions(nil, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	if len(q.Tables) > 1 && opt.allowableActions {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "includeAllowableActions applies to single-table queries only")
	}
	p, err := page(req.MaxItems, req.SkipCount, defaultQueryPage)
	if err != nil {
		return nil, err
	}
	rows, total, err := s.queries.RunQuery(ctx, req.RepositoryId, q, query.Options{
		Page: p, Reader: access(ctx), SearchAllVersions: deref(req.SearchAllVersions)})
	if err != nil {
		return nil, err
	}
	index := map[*query.Table]int{}
	for i, t := range q.Tables {
		index[t] = i
	}
	list := &generated.CmisObjectListType{HasMoreItems: p.SkipCount+int64(len(rows)) < total, NumItems: ptr(total)}
	var firsts []*cmis.Object
	for _, r := range rows {
		props := &generated.CmisPropertiesType{}
		for _, col := range q.Columns {
			o := r.Objects[index[col.Column.Table]]
			def := col.Column.Property
			var values []cmis.Value
			if o != nil {
				if v, ok := systemValues(o)[def.ID]; ok {
					values = v
				} else {
					values = o.Properties[def.ID]
				}
			}
			// Columns are keyed by their alias or query name.
			named := *def
			named.QueryName = col.QueryName
			addWireValue(props, &named, values)
		}
		list.Objects = append(list.Objects, &generated.CmisObjectType{Properties: props})
		firsts = append(firsts, r.Objects[0])
	}
	if opt.allowableActions && len(firsts) > 0 {
		ws, err := s.renderAll(ctx, s.typeCache(req.RepositoryId), firsts, renderOptions{filter: filter{}, allowableActions: true})
		if err != nil {
			return nil, err
		}
		for i, w := range ws {
			list.Objects[i].AllowableActions = w.AllowableActions
		}
	}
	return &generated.QueryResponse{Objects: list}, nil
}

// GetContentChangesContext waits for the change log.
func (s DiscoveryService) GetContentChangesContext(ctx context.Context, req *generated.GetContentChanges) (*generated.GetContentChangesResponse, error) {
	return nil, s.notSupported(ctx, req.RepositoryId, "getContentChanges")
}
