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

// EnsureRepository creates the repository with its base types and root
// folder if the store does not hold it yet. It returns the repository.
func (s *DB) EnsureRepository(ctx context.Context, id, name, description, rootOwner string) (*cmis.RepositoryInfo, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM repositories WHERE id = ?`, id); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.now().UnixMilli()
		rootID := newID()
		// A repository created with the change log has it complete.
		if _, err := tx.ExecContext(ctx, `INSERT INTO repositories (id, name, description, root_folder_id, created_at, changes_complete)
			VALUES (?, ?, ?, ?, ?, 1)`, id, name, description, rootID, now); err != nil {
			return err
		}
		for _, t := range cmis.BaseTypes() {
			if err := insertType(ctx, tx, id, t, now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO objects (id, repository_id, type_id, base_type_id, name,
			created_by, creation_date, last_modified_by, last_modification_date, path)
			VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, '/')`,
			rootID, id, cmis.BaseFolder, cmis.BaseFolder, rootOwner, now, rootOwner, now)
		if err != nil {
			return err
		}
		// Everyone may read the root; the administrator grants more.
		if err := changeACL(ctx, tx, []string{rootID}, rootID, []cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}}, nil); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, changeCreated, rootID)
	})
	if err != nil {
		return nil, fmt.Errorf("create repository %q: %w", id, err)
	}
	return s.Repository(ctx, id)
}

type repositoryRow struct {
	ID           string `db:"id"`
	Name         string `db:"name"`
	Description  string `db:"description"`
	RootFolderID string `db:"root_folder_id"`
	CreatedAt    int64  `db:"created_at"`
}

func (r repositoryRow) info() cmis.RepositoryInfo {
	return cmis.RepositoryInfo{ID: r.ID, Name: r.Name, Description: r.Description,
		RootFolderID: r.RootFolderID, CreatedAt: msTime(r.CreatedAt)}
}

// Repositories lists the repositories, ordered by id.
func (s *DB) Repositories(ctx context.Context) ([]cmis.RepositoryInfo, error) {
	var rows []repositoryRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name, description, root_folder_id, created_at FROM repositories ORDER BY id`); err != nil {
		return nil, fmt.Errorf("repositories: %w", err)
	}
	out := make([]cmis.RepositoryInfo, len(rows))
	for i, r := range rows {
		out[i] = r.info()
	}
	return out, nil
}

// Repository returns one repository.
func (s *DB) Repository(ctx context.Context, id string) (*cmis.RepositoryInfo, error) {
	var r repositoryRow
	err := s.db.GetContext(ctx, &r, `SELECT id, name, description, root_folder_id, created_at FROM repositories WHERE id = ?`, id)
	if isNoRows(err) {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "unknown repository %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w", id, err)
	}
	info := r.info()
	return &info, nil
}

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

func insertType(ctx context.Context, tx *sqlx.Tx, repo string, t *cmis.TypeDefinition, now int64) error {
	var parent, csa, versionable, src, tgt any
	if t.ParentID != "" {
		parent = t.ParentID
	}
	if t.BaseID == cmis.BaseDocument {
		versionable, csa = b2i(t.Versionable), string(t.ContentStreamAllowed)
	}
	if t.BaseID == cmis.BaseRelationship {
		src, tgt = jsonOrNil(t.AllowedSourceTypes), jsonOrNil(t.AllowedTargetTypes)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO types (repository_id, `+typeColumns+`, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		repo, t.ID, parent, t.BaseID, t.LocalName, t.LocalNamespace, t.DisplayName, t.QueryName, t.Description,
		b2i(t.Creatable), b2i(t.Fileable), b2i(t.Queryable), b2i(t.FulltextIndexed), b2i(t.IncludedInSupertypeQuery),
		b2i(t.ControllablePolicy), b2i(t.ControllableACL), b2i(t.TypeMutability.Create), b2i(t.TypeMutability.Update),
		b2i(t.TypeMutability.Delete), versionable, csa, src, tgt, now)
	if err != nil {
		return fmt.Errorf("insert type %s: %w", t.ID, err)
	}
	pos := 0
	for i := range t.PropertyDefinitions {
		p := &t.PropertyDefinitions[i]
		if p.Inherited {
			continue
		}
		if err := insertPropertyDefinition(ctx, tx, repo, t.ID, pos, p); err != nil {
			return err
		}
		pos++
	}
	return nil
}

func jsonOrNil(v []string) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// choiceJSON is a choice as stored: values in their lexical form.
type choiceJSON struct {
	DisplayName string       `json:"displayName,omitempty"`
	Values      []string     `json:"values,omitempty"`
	Choices     []choiceJSON `json:"choices,omitempty"`
}

func encodeValues(t cmis.PropertyType, vs []cmis.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cmis.FormatValue(t, v)
	}
	return out
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

func encodeChoices(t cmis.PropertyType, cs []cmis.Choice) []choiceJSON {
	out := make([]choiceJSON, len(cs))
	for i, c := range cs {
		out[i] = choiceJSON{DisplayName: c.DisplayName, Values: encodeValues(t, c.Values), Choices: encodeChoices(t, c.Choices)}
	}
	return out
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

func insertPropertyDefinition(ctx context.Context, tx *sqlx.Tx, repo, typeID string, pos int, p *cmis.PropertyDefinition) error {
	var openChoice, def, choices, minV, maxV, prec, res, maxLen any
	if p.OpenChoice != nil {
		openChoice = b2i(*p.OpenChoice)
	}
	if p.DefaultValue != nil {
		b, _ := json.Marshal(encodeValues(p.PropertyType, p.DefaultValue))
		def = string(b)
	}
	if p.Choices != nil {
		b, _ := json.Marshal(encodeChoices(p.PropertyType, p.Choices))
		choices = string(b)
	}
	if p.MinValue != nil {
		minV = cmis.FormatValue(p.PropertyType, *p.MinValue)
	}
	if p.MaxValue != nil {
		maxV = cmis.FormatValue(p.PropertyType, *p.MaxValue)
	}
	if p.Precision != nil {
		prec = *p.Precision
	}
	if p.Resolution != nil {
		res = *p.Resolution
	}
	if p.MaxLength != nil {
		maxLen = *p.MaxLength
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO property_definitions (repository_id, type_id, id, position,
		local_name, local_namespace, display_name, query_name, description, property_type, cardinality,
		updatability, required, queryable, orderable, open_choice, default_value, choices, max_length,
		min_value, max_value, precision_bits, resolution)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		repo, typeID, p.ID, pos, p.LocalName, p.LocalNamespace, p.DisplayName, p.QueryName, p.Description,
		p.PropertyType, p.Cardinality, p.Updatability, b2i(p.Required), b2i(p.Queryable), b2i(p.Orderable),
		openChoice, def, choices, maxLen, minV, maxV, prec, res)
	if err != nil {
		return fmt.Errorf("insert property definition %s.%s: %w", typeID, p.ID, err)
	}
	return nil
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

// Type returns a type definition with its inherited property definitions.
func (s *DB) Type(ctx context.Context, repo, typeID string) (*cmis.TypeDefinition, error) {
	var t *cmis.TypeDefinition
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) (err error) {
		t, err = loadType(ctx, tx, repo, typeID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", typeID, err)
	}
	return t, nil
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

// TypeChildren lists direct subtypes ("" = base types) ordered by id.
func (s *DB) TypeChildren(ctx context.Context, repo, typeID string, page cmis.Page) ([]*cmis.TypeDefinition, int64, error) {
	var out []*cmis.TypeDefinition
	var total int64
	err := s.inReadTx(ctx, func(tx *sqlx.Tx) error {
		var ids []string
		var err error
		if typeID == "" {
			err = tx.SelectContext(ctx, &ids, `SELECT id FROM types WHERE repository_id = ? AND parent_id IS NULL`, repo)
			// Base types in the spec's order, not alphabetical.
			ids = orderBaseTypes(ids)
		} else {
			if _, err := loadType(ctx, tx, repo, typeID); err != nil {
				return err
			}
			err = tx.SelectContext(ctx, &ids, `SELECT id FROM types WHERE repository_id = ? AND parent_id = ? ORDER BY id`, repo, typeID)
		}
		if err != nil {
			return err
		}
		total = int64(len(ids))
		ids = cmis.PageOf(ids, page)
		for _, id := range ids {
			t, err := loadType(ctx, tx, repo, id)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("type children of %q: %w", typeID, err)
	}
	return out, total, nil
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

// CreateType stores a new subtype. The caller has validated it against
// its parent; unique ids and query names are enforced here.
func (s *DB) CreateType(ctx context.Context, repo string, t *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	var out *cmis.TypeDefinition
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := checkTypeNames(ctx, tx, repo, t); err != nil {
			return err
		}
		if err := insertType(ctx, tx, repo, t, s.now().UnixMilli()); err != nil {
			if s.dialect.isUniqueViolation(err) {
				return cmis.Errorf(cmis.ErrNameConstraintViolation, "a type or property with id or query name of %q exists", t.ID)
			}
			return err
		}
		if err := bumpTypeVersion(ctx, tx, repo); err != nil {
			return err
		}
		var err error
		out, err = loadType(ctx, tx, repo, t.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create type %q: %w", t.ID, err)
	}
	return out, nil
}

// checkTypeNames refuses a type id or query name that is taken, and a
// new property definition that clashes with one of another type. CMIS
// lets two types define the same property id only if the definitions
// agree on type, cardinality and query name (they are then the same
// property); a query name may not stand for two different ids.
func checkTypeNames(ctx context.Context, tx *sqlx.Tx, repo string, t *cmis.TypeDefinition) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM types WHERE repository_id = ? AND (id = ? OR query_name = ?) AND id <> ?`,
		repo, t.ID, t.QueryName, t.ID); err != nil {
		return err
	}
	if n > 0 {
		return cmis.Errorf(cmis.ErrNameConstraintViolation, "a type with id or query name %q exists", t.ID)
	}
	for _, p := range t.PropertyDefinitions {
		if p.Inherited {
			continue
		}
		var others []struct {
			ID           string `db:"id"`
			QueryName    string `db:"query_name"`
			PropertyType string `db:"property_type"`
			Cardinality  string `db:"cardinality"`
		}
		if err := tx.SelectContext(ctx, &others, `SELECT id, query_name, property_type, cardinality FROM property_definitions
			WHERE repository_id = ? AND (id = ? OR query_name = ?) AND type_id <> ?`, repo, p.ID, p.QueryName, t.ID); err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != p.ID || o.QueryName != p.QueryName || o.PropertyType != string(p.PropertyType) || o.Cardinality != string(p.Cardinality) {
				return cmis.Errorf(cmis.ErrNameConstraintViolation,
					"property %s (query name %s) clashes with %s (query name %s, %s, %s) of another type",
					p.ID, p.QueryName, o.ID, o.QueryName, o.PropertyType, o.Cardinality)
			}
		}
	}
	return nil
}

// UpdateType replaces a type's attributes and adds the property
// definitions it does not have yet; existing ones are replaced (the caller
// allows only compatible changes).
func (s *DB) UpdateType(ctx context.Context, repo string, t *cmis.TypeDefinition) (*cmis.TypeDefinition, error) {
	var out *cmis.TypeDefinition
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := checkTypeNames(ctx, tx, repo, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM property_definitions WHERE repository_id = ? AND type_id = ?`, repo, t.ID); err != nil {
			return err
		}
		var src, tgt any
		if t.BaseID == cmis.BaseRelationship {
			src, tgt = jsonOrNil(t.AllowedSourceTypes), jsonOrNil(t.AllowedTargetTypes)
		}
		res, err := tx.ExecContext(ctx, `UPDATE types SET local_name = ?, local_namespace = ?, display_name = ?,
			query_name = ?, description = ?, creatable = ?, fileable = ?, queryable = ?, fulltext_indexed = ?,
			included_in_supertype_query = ?, controllable_policy = ?, controllable_acl = ?,
			allowed_source_types = ?, allowed_target_types = ?
			WHERE repository_id = ? AND id = ?`,
			t.LocalName, t.LocalNamespace, t.DisplayName, t.QueryName, t.Description, b2i(t.Creatable),
			b2i(t.Fileable), b2i(t.Queryable), b2i(t.FulltextIndexed), b2i(t.IncludedInSupertypeQuery),
			b2i(t.ControllablePolicy), b2i(t.ControllableACL), src, tgt, repo, t.ID)
		if err != nil {
			return err
		}
		if err := bumpTypeVersion(ctx, tx, repo); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cmis.Errorf(cmis.ErrObjectNotFound, "unknown type %q", t.ID)
		}
		pos := 0
		for i := range t.PropertyDefinitions {
			if t.PropertyDefinitions[i].Inherited {
				continue
			}
			if err := insertPropertyDefinition(ctx, tx, repo, t.ID, pos, &t.PropertyDefinitions[i]); err != nil {
				return err
			}
			pos++
		}
		out, err = loadType(ctx, tx, repo, t.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update type %q: %w", t.ID, err)
	}
	return out, nil
}

// DeleteType removes a subtype without subtypes and objects.
func (s *DB) DeleteType(ctx context.Context, repo, typeID string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := loadType(ctx, tx, repo, typeID)
		if err != nil {
			return err
		}
		if t.IsBase() {
			return cmis.Errorf(cmis.ErrConstraint, "base type %s cannot be deleted", typeID)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM types WHERE repository_id = ? AND parent_id = ?`, repo, typeID); err != nil {
			return err
		}
		if n > 0 {
			return cmis.Errorf(cmis.ErrConstraint, "type %s has %d subtypes", typeID, n)
		}
		// objects_type and object_secondary_types_type make these index lookups.
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM objects WHERE repository_id = ? AND type_id = ?`, repo, typeID); err != nil {
			return err
		}
		if n == 0 {
			err = tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM object_secondary_types st JOIN objects o ON o.id = st.object_id
				WHERE st.type_id = ? AND o.repository_id = ?`, typeID, repo)
			if err != nil {
				return err
			}
		}
		if n > 0 {
			return cmis.Errorf(cmis.ErrConstraint, "type %s is used by %d objects", typeID, n)
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM types WHERE repository_id = ? AND id = ?`, repo, typeID); err != nil {
			return err
		}
		return bumpTypeVersion(ctx, tx, repo)
	})
	if err != nil {
		return fmt.Errorf("delete type %q: %w", typeID, err)
	}
	return nil
}

// TypeHasObjects is used by updateType's rules: some changes are allowed
// only while no object uses the type.
func (s *DB) TypeHasObjects(ctx context.Context, repo, typeID string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM objects WHERE repository_id = ? AND type_id = ? LIMIT 1) x`, repo, typeID)
	if err != nil {
		return false, fmt.Errorf("objects of type %q: %w", typeID, err)
	}
	return n > 0, nil
}

// bumpTypeVersion records a type change, so that caches of type
// definitions (in this or another process) can tell they are stale.
func bumpTypeVersion(ctx context.Context, tx *sqlx.Tx, repo string) error {
	_, err := tx.ExecContext(ctx, `UPDATE repositories SET type_version = type_version + 1 WHERE id = ?`, repo)
	return err
}

// PropertyByQueryName finds the property a query name stands for.
func (s *DB) PropertyByQueryName(ctx context.Context, repo, queryName string) (*cmis.PropertyDefinition, error) {
	var r propRow
	err := s.db.GetContext(ctx, &r, `SELECT type_id, id, local_name, local_namespace, display_name, query_name, description,
		property_type, cardinality, updatability, required, queryable, orderable, open_choice, default_value,
		choices, max_length, min_value, max_value, precision_bits, resolution
		FROM property_definitions WHERE repository_id = ? AND query_name = ? ORDER BY type_id LIMIT 1`, repo, queryName)
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

// TypeByQueryName returns the type a query's FROM names.
func (s *DB) TypeByQueryName(ctx context.Context, repo, queryName string) (*cmis.TypeDefinition, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT id FROM types WHERE repository_id = ? AND query_name = ?`, repo, queryName)
	if isNoRows(err) {
		return nil, cmis.Errorf(cmis.ErrObjectNotFound, "no type has the query name %q", queryName)
	}
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", queryName, err)
	}
	return s.Type(ctx, repo, id)
}
