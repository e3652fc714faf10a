package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

var _ cmis.TypeStore = (*DB)(nil)

type typeRow struct {
	ID                       string         `db:"id"`
	ParentID                 sql.NullString `db:"parent_id"`
	BaseID                   string         `db:"base_id"`
	LocalName                string         `db:"local_name"`
	LocalNamespace           string         `db:"local_namespace"`
	DisplayName              string         `db:"display_name"`
	QueryName                string         `db:"query_name"`
	Description              string         `db:"description"`
	Creatable                bool           `db:"creatable"`
	Fileable                 bool           `db:"fileable"`
	Queryable                bool           `db:"queryable"`
	FulltextIndexed          bool           `db:"fulltext_indexed"`
	IncludedInSupertypeQuery bool           `db:"included_in_supertype_query"`
	ControllablePolicy       bool           `db:"controllable_policy"`
	ControllableACL          bool           `db:"controllable_acl"`
	MutabilityCreate         bool           `db:"mutability_create"`
	MutabilityUpdate         bool           `db:"mutability_update"`
	MutabilityDelete         bool           `db:"mutability_delete"`
	Versionable              sql.NullBool   `db:"versionable"`
	ContentStreamAllowed     sql.NullString `db:"content_stream_allowed"`
	AllowedSourceTypes       sql.NullString `db:"allowed_source_types"`
	AllowedTargetTypes       sql.NullString `db:"allowed_target_types"`
}

const typeColumns = `id, parent_id, base_id, local_name, local_namespace, display_name, query_name, description,
	creatable, fileable, queryable, fulltext_indexed, included_in_supertype_query, controllable_policy,
	controllable_acl, mutability_create, mutability_update, mutability_delete, versionable,
	content_stream_allowed, allowed_source_types, allowed_target_types`

func (r *typeRow) definition() (*cmis.TypeDefinition, error) {
	t := &cmis.TypeDefinition{
		ID: r.ID, ParentID: r.ParentID.String, BaseID: cmis.BaseTypeID(r.BaseID),
		LocalName: r.LocalName, LocalNamespace: r.LocalNamespace, DisplayName: r.DisplayName,
		QueryName: r.QueryName, Description: r.Description, Creatable: r.Creatable, Fileable: r.Fileable,
		Queryable: r.Queryable, FulltextIndexed: r.FulltextIndexed, IncludedInSupertypeQuery: r.IncludedInSupertypeQuery,
		ControllablePolicy: r.ControllablePolicy, ControllableACL: r.ControllableACL,
		TypeMutability:       cmis.TypeMutability{Create: r.MutabilityCreate, Update: r.MutabilityUpdate, Delete: r.MutabilityDelete},
		Versionable:          r.Versionable.Bool,
		ContentStreamAllowed: cmis.ContentStreamAllowed(r.ContentStreamAllowed.String),
	}
	for _, f := range []struct {
		src sql.NullString
		dst *[]string
	}{{r.AllowedSourceTypes, &t.AllowedSourceTypes}, {r.AllowedTargetTypes, &t.AllowedTargetTypes}} {
		if f.src.Valid {
			if err := json.Unmarshal([]byte(f.src.String), f.dst); err != nil {
				return nil, fmt.Errorf("type %s: %w", r.ID, err)
			}
		}
	}
	return t, nil
}

// choiceJSON is a choice as stored: values in their lexical form.
type choiceJSON struct {
	DisplayName string       `json:"displayName,omitempty"`
	Values      []string     `json:"values,omitempty"`
	Choices     []choiceJSON `json:"choices,omitempty"`
}

func decodeValues(t cmis.PropertyType, ss []string) ([]cmis.Value, error) {
	out := make([]cmis.Value, len(ss))
	for i, s := range ss {
		v, err := cmis.ParseValue(t, s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func decodeChoices(t cmis.PropertyType, cs []choiceJSON) ([]cmis.Choice, error) {
	out := make([]cmis.Choice, len(cs))
	for i, c := range cs {
		vs, err := decodeValues(t, c.Values)
		if err != nil {
			return nil, err
		}
		sub, err := decodeChoices(t, c.Choices)
		if err != nil {
			return nil, err
		}
		out[i] = cmis.Choice{DisplayName: c.DisplayName, Values: vs, Choices: sub}
	}
	return out, nil
}

type propRow struct {
	TypeID         string         `db:"type_id"`
	ID             string         `db:"id"`
	LocalName      string         `db:"local_name"`
	LocalNamespace string         `db:"local_namespace"`
	DisplayName    string         `db:"display_name"`
	QueryName      string         `db:"query_name"`
	Description    string         `db:"description"`
	PropertyType   string         `db:"property_type"`
	Cardinality    string         `db:"cardinality"`
	Updatability   string         `db:"updatability"`
	Required       bool           `db:"required"`
	Queryable      bool           `db:"queryable"`
	Orderable      bool           `db:"orderable"`
	OpenChoice     sql.NullBool   `db:"open_choice"`
	DefaultValue   sql.NullString `db:"default_value"`
	Choices        sql.NullString `db:"choices"`
	MaxLength      sql.NullInt64  `db:"max_length"`
	MinValue       sql.NullString `db:"min_value"`
	MaxValue       sql.NullString `db:"max_value"`
	Precision      sql.NullString `db:"precision_bits"`
	Resolution     sql.NullString `db:"resolution"`
}

func (r *propRow) definition() (cmis.PropertyDefinition, error) {
	t := cmis.PropertyType(r.PropertyType)
	p := cmis.PropertyDefinition{
		ID: r.ID, LocalName: r.LocalName, LocalNamespace: r.LocalNamespace, DisplayName: r.DisplayName,
		QueryName: r.QueryName, Description: r.Description, PropertyType: t,
		Cardinality: cmis.Cardinality(r.Cardinality), Updatability: cmis.Updatability(r.Updatability),
		Required: r.Required, Queryable: r.Queryable, Orderable: r.Orderable,
	}
	if r.OpenChoice.Valid {
		b := r.OpenChoice.Bool
		p.OpenChoice = &b
	}
	if r.DefaultValue.Valid {
		var ss []string
		if err := json.Unmarshal([]byte(r.DefaultValue.String), &ss); err != nil {
			return p, err
		}
		vs, err := decodeValues(t, ss)
		if err != nil {
			return p, err
		}
		p.DefaultValue = vs
	}
	if r.Choices.Valid {
		var cs []choiceJSON
		if err := json.Unmarshal([]byte(r.Choices.String), &cs); err != nil {
			return p, err
		}
		c, err := decodeChoices(t, cs)
		if err != nil {
			return p, err
		}
		p.Choices = c
	}
	if r.MaxLength.Valid {
		n := r.MaxLength.Int64
		p.MaxLength = &n
	}
	for _, f := range []struct {
		src sql.NullString
		dst **cmis.Value
	}{{r.MinValue, &p.MinValue}, {r.MaxValue, &p.MaxValue}} {
		if f.src.Valid {
			v, err := cmis.ParseValue(t, f.src.String)
			if err != nil {
				return p, err
			}
			*f.dst = &v
		}
	}
	if r.Precision.Valid {
		s := r.Precision.String
		p.Precision = &s
	}
	if r.Resolution.Valid {
		s := r.Resolution.String
		p.Resolution = &s
	}
	return p, nil
}

// loadType reads a type and the chain of its ancestors' property
// definitions: a type hierarchy is shallow, so this is a handful of
// indexed lookups.
func loadType(ctx context.Context, tx *sqlx.Tx, repo, typeID string) (*cmis.TypeDefinition, error) {
	var r typeRow
	err := tx.GetContext(ctx, &r, `SELECT `+typeColumns+` FROM types WHERE repository_id = ? AND id = ?`, repo, typeID)
	if isNoRows(err) {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "unknown type %q", typeID)
	}
	if err != nil {
		return nil, err
	}
	t, err := r.definition()
	if err != nil {
		return nil, err
	}
	// Ancestors, nearest first.
	chain := []string{t.ID}
	for parent := t.ParentID; parent != ""; {
		chain = append(chain, parent)
		var p sql.NullString
		if err := tx.GetContext(ctx, &p, `SELECT parent_id FROM types WHERE repository_id = ? AND id = ?`, repo, parent); err != nil {
			return nil, fmt.Errorf("parent %s of %s: %w", parent, t.ID, err)
		}
		parent = p.String
		if len(chain) > 64 {
			return nil, fmt.Errorf("type %s: ancestor chain too long", t.ID)
		}
	}
	q, args, err := sqlx.In(`SELECT type_id, id, local_name, local_namespace, display_name, query_name, description,
		property_type, cardinality, updatability, required, queryable, orderable, open_choice, default_value,
		choices, max_length, min_value, max_value, precision_bits, resolution
		FROM property_definitions WHERE repository_id = ? AND type_id IN (?) ORDER BY position`, repo, chain)
	if err != nil {
		return nil, err
	}
	var rows []propRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return nil, err
	}
	// Base type's properties first, then each subtype's down to t's own.
	for i := len(chain) - 1; i >= 0; i-- {
		for j := range rows {
			if rows[j].TypeID != chain[i] {
				continue
			}
			p, err := rows[j].definition()
			if err != nil {
				return nil, fmt.Errorf("property %s of %s: %w", rows[j].ID, chain[i], err)
			}
			p.Inherited = i > 0
			t.PropertyDefinitions = append(t.PropertyDefinitions, p)
		}
	}
	return t, nil
}

// TypeChildren lists direct subtypes ("" = base types) ordered by id,
// from the cache (the list and each type): allowable actions list the
// relationship types on every getObject that asks for them.
func (s *DB) TypeChildren(ctx context.Context, repo, typeID string, page cmis.Page) ([]*cmis.TypeDefinition, int64, error) {
	ids, err := cached(s, ctx, func(c *cache) map[typeKey][]string { return c.children }, typeKey{repo, typeID},
		func() (ids []string, err error) {
			err = s.inReadTx(ctx, func(tx *sqlx.Tx) error {
				if typeID == "" {
					err := tx.SelectContext(ctx, &ids, `SELECT id FROM types WHERE repository_id = ? AND parent_id IS NULL`, repo)
					// Base types in the spec's order, not alphabetical.
					ids = orderBaseTypes(ids)
					return err
				}
				if _, err := s.Type(ctx, repo, typeID); err != nil {
					return err
				}
				return tx.SelectContext(ctx, &ids, `SELECT id FROM types WHERE repository_id = ? AND parent_id = ? ORDER BY id`, repo, typeID)
			})
			return ids, err
		})
	if err != nil {
		return nil, 0, fmt.Errorf("type children of %q: %w", typeID, err)
	}
	var out []*cmis.TypeDefinition
	for _, id := range cmis.PageOf(ids, page) {
		t, err := s.Type(ctx, repo, id)
		if err != nil {
			return nil, 0, fmt.Errorf("type children of %q: %w", typeID, err)
		}
		out = append(out, t)
	}
	return out, int64(len(ids)), nil
}

func orderBaseTypes(ids []string) []string {
	var out []string
	for _, b := range cmis.BaseTypeIDs {
		for _, id := range ids {
			if id == string(b) {
				out = append(out, id)
			}
		}
	}
	return out
}

// propertyByQueryName finds the property a query name stands for.
func (s *DB) propertyByQueryName(ctx context.Context, repo, queryName string) (*cmis.PropertyDefinition, error) {
	var r propRow
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `SELECT type_id, id, local_name, local_namespace, display_name, query_name, description,
		property_type, cardinality, updatability, required, queryable, orderable, open_choice, default_value,
		choices, max_length, min_value, max_value, precision_bits, resolution
		FROM property_definitions WHERE repository_id = ? AND query_name = ? ORDER BY type_id LIMIT 1`, repo, queryName)
	})
	if isNoRows(err) {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "no property has the query name %q", queryName)
	}
	if err != nil {
		return nil, fmt.Errorf("property %q: %w", queryName, err)
	}
	p, err := r.definition()
	if err != nil {
		return nil, err
	}
	return &p, nil
}
