// Command cmisd is a CMIS 1.1 server speaking the Web Services (SOAP)
// binding. It only wires: flags and environment to storage, services and
// server. Each subcommand has its own file.
package main

import (
	"fmt"
	"os"
)

const usage = `cmisd — a CMIS 1.1 server for the Web Services (SOAP) binding

Usage:
  cmisd serve [flags]                      run the server
  cmisd user add|passwd NAME [--password-stdin | --password P] [--allow-weak]
  cmisd user del NAME
  cmisd user list
  cmisd group add|del NAME
  cmisd group members NAME [--add USER]... [--remove USER]...
  cmisd backup --to DEST                   consistent copy, while serving too
  cmisd restore --from DEST                into an empty --data directory
  cmisd check [--repair]                   verify database and content
  cmisd copy --from DIR|URL --to DIR|URL [--from-content C] [--to-content C]
  cmisd version

serve, user and group take --data DIR (env CMISD_DATA, default ./data),
--db URL (env CMISD_DB; empty: SQLite in DATA) and --content DIR|postgres
(env CMISD_CONTENT; default DATA/content); backup and check take --data
and --db.
user add and passwd prompt for the password when standard input is a
terminal; it must have at least 12 characters unless --allow-weak is given.
Run 'cmisd serve -h' for the server's flags.
`

var commands = map[string]func(args []string) error{
	"serve":   serve,
	"user":    userCmd,
	"group":   groupCmd,
	"backup":  backupCmd,
	"restore": restoreCmd,
	"check":   checkCmd,
	"copy":    copyCmd,
	"version": versionCmd,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch name := os.Args[1]; name {
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		cmd, ok := commands[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "cmisd: unknown command %q\n\n%s", name, usage)
			os.Exit(2)
		}
		if err := cmd(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "cmisd:", err)
			os.Exit(1)
		}
	}
}
