package nems

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// The schema of each store is a numbered series of migrations,
// migrations/<store>/NNNN_what.sql, applied in order at start, each in its
// own transaction with the row it adds to the schema_version table. Never
// edit one that has shipped: add another.
//
//go:embed migrations
var migrationFiles embed.FS

// migrationsOf reads the migrations of one store, checking that they are
// numbered 1, 2, 3... without gaps or repeats.
func migrationsOf(store string) ([]string, error) {
	dir := path.Join("migrations", store)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries { // ReadDir sorts by name
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s: name is not NNNN_what.sql", dir, e.Name())
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("migration %s/%s: number %d where %d comes next", dir, e.Name(), v, len(out)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// mustMigrations is for the embedded files, which the tests check.
func mustMigrations(store string) []string {
	m, err := migrationsOf(store)
	if err != nil {
		panic(err) // embedded at build time; TestMigrationFiles catches it
	}
	return m
}

var (
	sqliteMigrations   = mustMigrations("sqlite")
	postgresMigrations = mustMigrations("postgres")
)
