package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Paging. Every listing reads its page through the dialect's limit
// clause, with one row more than asked (peek) so that hasMoreItems is
// exact; those that answer a total (children, checked-out documents,
// relationships: listPage; queries: RunQuery) take it from the page when
// the page reaches the end of the listing, and otherwise count, in the
// snapshot they read the page in, up to the store's bound (maxCount):
// past it the total is cmis.Uncounted and numItems is left out. Where an
// index drives the listing (count), the bound applies to what it yields
// before the other conditions and the reader's access are checked. Pages
// are ordered with a unique last key, so that they never overlap or skip.

// DefaultMaxCount is how far a listing counts its items unless the store
// is opened with another bound (Options.MaxCount).
const DefaultMaxCount = 10000

// peek is the page p with one item more, which tells whether items
// follow p.
func peek(p cmis.Page) cmis.Page {
	if p.MaxItems >= 0 {
		p.MaxItems++
	}
	return p
}

// pageEnd settles a page read through peek(p) that returned n items: it
// returns how many of them belong to the page, and what follows it. It
// counts (count, reading at most limit rows; negative: all) only when the
// page shows neither the total nor that the total is past the bound.
func (s *DB) pageEnd(p cmis.Page, n int, count func(limit int64) (int64, error)) (int, cmis.PageEnd, error) {
	more := p.MaxItems >= 0 && int64(n) > p.MaxItems
	if more {
		n = int(p.MaxItems)
	}
	end := cmis.PageEnd{HasMore: more}
	seen := p.SkipCount + int64(n) // items up to the page's end, when it found any
	if more {
		seen++
	}
	found := n > 0 || more
	switch {
	case !more && (found || p.SkipCount == 0):
		end.Total = seen
	case found && s.maxCount >= 0 && seen > s.maxCount:
		end.Total = cmis.Uncounted
	default:
		limit := int64(-1)
		if s.maxCount >= 0 {
			limit = s.maxCount + 1
		}
		total, err := count(limit)
		if err != nil {
			return 0, end, err
		}
		if s.maxCount >= 0 && total > s.maxCount {
			total = cmis.Uncounted
		}
		end.Total = total
	}
	return n, end, nil
}

// skipPlanner is a dialect whose planner, left to itself, reads an
// index path's rows another way once a page skips many of them (see
// postgresDialect.readySkip).
type skipPlanner interface {
	readySkip(ctx context.Context, tx *sqlx.Tx) error
}

// estimator is a dialect whose planner estimates the rows of a
// statement from statistics (postgresDialect.estimate).
type estimator interface {
	estimate(ctx context.Context, tx *sqlx.Tx, stmt string, args []any) (float64, error)
}

// estimateMargin is how many times the count's limit an estimate must be
// for the count to be left out: a common word's estimate from the
// statistics of the lexemes is within a few percent.
const estimateMargin = 4

// rowOrderer is a dialect that must be asked to read a table's rows in
// the same order from one page to the next (textSource.rowOrder; see
// postgresDialect.readyRowOrder). near: the page ends within nearRows of
// the first match; endNearPage undoes what readyRowOrder did for such a
// page, once it is read.
type rowOrderer interface {
	readyRowOrder(ctx context.Context, tx *sqlx.Tx, near bool) error
	endNearPage(ctx context.Context, tx *sqlx.Tx) error
}

// nearRows is how far from the first match a page that is read in the
// order of a table's rows ends for it to be near (rowOrderer): on
// PostgreSQL it then reads a bitmap of pages, not of rows (see
// postgresDialect.readyRowOrder).
const nearRows = 1000

// readyRowOrder readies tx for reading page p of cq when its rows come
// in the order of a table's rows; near says that the page must be ended
// with endNearPage.
func (s *DB) readyRowOrder(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, p cmis.Page) (near bool, err error) {
	ro, ok := s.dialect.(rowOrderer)
	if !ok || !cq.rowOrder {
		return false, nil
	}
	// Not a query in parts: its ranked part sorts every match.
	near = cq.next == nil && p.MaxItems >= 0 && p.SkipCount+p.MaxItems <= nearRows
	if err := ro.readyRowOrder(ctx, tx, near); err != nil {
		return false, fmt.Errorf("query in row order: %w", err)
	}
	return near, nil
}

// readySkip readies tx for reading page p of an index path when the page
// skips rows (no remembered position to continue from): the rows before
// it are still read in the index's order and each checked, the way the
// first page's are, rather than every candidate matched at once and
// sorted.
func (s *DB) readySkip(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, p cmis.Page) error {
	sp, ok := s.dialect.(skipPlanner)
	if !ok || p.SkipCount == 0 || cq.candidates.sql == "" {
		return nil
	}
	if err := sp.readySkip(ctx, tx); err != nil {
		return fmt.Errorf("deep page: %w", err)
	}
	return nil
}

// count counts the matches of a query or listing up to limit rows. When
// its driving index yields more candidates than that (counted from the
// index alone), it answers limit without looking at them: checking each
// one's type, versions, conditions and the reader's access would cost
// about a millisecond per hundred, the whole price of a broad query.
// Only then does it count the matches themselves.
func (s *DB) count(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, limit int64) (int64, error) {
	if n, over, err := s.countCandidates(ctx, tx, cq, limit); err != nil || over {
		return n, err
	}
	n, err := s.countRows(ctx, tx, "SELECT 1"+cq.body.sql, cq.body.args, limit)
	for next := cq.next; err == nil && next != nil && (limit < 0 || n < limit); next = next.next {
		// A query in parts: the parts' matches are apart.
		var m int64
		m, err = s.countRows(ctx, tx, "SELECT 1"+next.body.sql, next.body.args, max(limit-n, -1))
		n += m
	}
	return n, err
}

// countCandidates counts the rows a query's driving index yields, up to
// limit; over reports that they reach it. Candidates that cost a read of
// each (cq.estimated) are not counted when the engine's statistics put
// them at many times the limit.
func (s *DB) countCandidates(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, limit int64) (n int64, over bool, err error) {
	if cq.candidates.sql == "" || limit < 0 {
		return 0, false, nil
	}
	if e, ok := s.dialect.(estimator); ok && cq.estimated {
		rows, err := e.estimate(ctx, tx, "SELECT 1"+cq.candidates.sql, cq.candidates.args)
		if err != nil {
			return 0, false, fmt.Errorf("count: %w", err)
		}
		if rows >= float64(estimateMargin*limit) {
			return limit, true, nil
		}
	}
	n, err = s.countRows(ctx, tx, "SELECT 1"+cq.candidates.sql, cq.candidates.args, limit)
	return n, err == nil && n >= limit, err
}

// countPast is count knowing the page the query read (skip rows, then
// page): along an index path, the matches up to the page's last row are
// those, and only the rows past its keys are counted, none of them
// probed twice. The bound on the candidates is count's.
func (s *DB) countPast(ctx context.Context, tx *sqlx.Tx, cq *compiledQuery, skip int64, page []idRow, limit int64) (int64, error) {
	if len(cq.keys) == 0 || len(page) == 0 || cq.next != nil {
		return s.count(ctx, tx, cq, limit)
	}
	if n, over, err := s.countCandidates(ctx, tx, cq, limit); err != nil || over {
		return n, err
	}
	known := skip + int64(len(page))
	if limit >= 0 && known >= limit {
		return known, nil
	}
	past := seekPast(cq.keys, cq.desc, page[len(page)-1].key)
	n, err := s.countRows(ctx, tx, "SELECT 1"+cq.body.sql+" AND "+past.sql, append(slices.Clip(cq.body.args), past.args...), max(limit-known, -1))
	return known + n, err
}

// countRows counts the rows of a statement, reading at most limit of
// them (negative: all).
func (s *DB) countRows(ctx context.Context, tx *sqlx.Tx, stmt string, args []any, limit int64) (int64, error) {
	var total int64
	err := tx.GetContext(ctx, &total, `SELECT COUNT(*) FROM (`+stmt+s.dialect.limit(cmis.Page{MaxItems: limit})+`) counted`, args...)
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return total, nil
}

// listPage reads a page of the objects a listing selects, in order, and
// what follows it. from is what follows "FROM objects o" (joins and the
// WHERE clause), args its arguments. few says that the listing selects
// few objects of many (a repository's PWCs): the engine must find them
// through from's index and sort them, not walk every object in an index
// of the order (which SQLite, without statistics, prefers).
func (s *DB) listPage(ctx context.Context, tx *sqlx.Tx, from string, args []any, order []cmis.Order, p cmis.Page, few bool) ([]*cmis.Object, cmis.PageEnd, error) {
	keys, keyArgs := orderBy(s.dialect, order, few)
	objs, err := queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+from+keys+s.dialect.limit(peek(p)),
		append(slices.Clip(args), keyArgs...)...)
	if err != nil {
		return nil, cmis.PageEnd{}, err
	}
	n, end, err := s.pageEnd(p, len(objs), func(limit int64) (int64, error) {
		return s.countRows(ctx, tx, `SELECT 1 FROM objects o`+from, args, limit)
	})
	if err != nil {
		return nil, end, err
	}
	return objs[:n], end, nil
}

// orderColumns are the system properties listings can be ordered by
// without a join; custom properties order through a correlated lookup.
var orderColumns = map[string]string{
	cmis.PropName: "o.name", cmis.PropObjectID: "o.id", cmis.PropObjectTypeID: "o.type_id",
	cmis.PropBaseTypeID: "o.base_type_id", cmis.PropCreatedBy: "o.created_by",
	cmis.PropCreationDate: "o.creation_date", cmis.PropLastModifiedBy: "o.last_modified_by",
	cmis.PropLastModificationDate: "o.last_modification_date", cmis.PropDescription: "o.description",
	cmis.PropVersionLabel: "o.version_label", cmis.PropVersionSeriesID: "o.version_series_id",
	cmis.PropCheckinComment: "o.checkin_comment", cmis.PropContentStreamLength: "ct.length",
	cmis.PropContentStreamMimeType: "ct.mime_type", cmis.PropContentStreamFileName: "ct.file_name",
	cmis.PropPath: "o.path", cmis.PropSourceID: "o.source_id", cmis.PropTargetID: "o.target_id",
	cmis.PropPolicyText: "o.policy_text",
}

// notNullColumns are the order columns that are never NULL: their keys
// need no NULLs placement.
var notNullColumns = map[string]bool{"o.name": true, "o.id": true, "o.type_id": true, "o.base_type_id": true,
	"o.created_by": true, "o.creation_date": true, "o.last_modified_by": true, "o.last_modification_date": true}

// orderBy renders ORDER BY keys with a unique tie-breaker (the id) so that
// pages never overlap or skip. A custom property orders by the column its
// values are in: integers (and booleans and instants) as numbers, decimals
// as numbers, strings by bytes; objects without a value first. Keys of
// few (see listPage) are kept from any index.
func orderBy(d dialect, keys []cmis.Order, few bool) (string, []any) {
	var parts []string
	var args []any
	noIndex := ""
	if few {
		noIndex = d.noIndexPrefix()
	}
	for _, k := range keys {
		if col, ok := orderColumns[k.PropertyID]; ok {
			parts = append(parts, d.orderKey(noIndex+col, k.Descending, !notNullColumns[col]))
			continue
		}
		// One value column holds all of a property's values: the others
		// are NULL alike and leave the order to it.
		for _, vc := range []string{"value_int", "value_real", "value_text"} {
			parts = append(parts, d.orderKey(`(SELECT p.`+vc+` FROM object_properties p
				WHERE p.object_id = o.id AND p.property_id = ? AND p.position = 0)`, k.Descending, true))
			args = append(args, k.PropertyID)
		}
	}
	if len(keys) == 0 {
		parts = append(parts, noIndex+"o.name ASC")
	}
	parts = append(parts, noIndex+"o.id ASC")
	return " ORDER BY " + strings.Join(parts, ", "), args
}
