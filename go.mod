module github.com/cmisd/cmisd

go 1.26.8

tool github.com/hooklift/gowsdl/cmd/gowsdl

require (
	github.com/gorilla/mux v1.8.1
	github.com/jmoiron/sqlx v1.4.0
	github.com/mattn/go-sqlite3 v1.14.53
	go.uber.org/zap v1.28.0
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require (
	github.com/hooklift/gowsdl v0.5.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
)
