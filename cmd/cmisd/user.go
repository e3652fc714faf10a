package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cmisd/cmisd/auth"
	"github.com/cmisd/cmisd/cmis"
	"golang.org/x/term"
)

func userCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("user: add, passwd, del or list")
	}
	switch verb, rest := args[0], args[1:]; verb {
	case "list":
		return userList(rest)
	case "add", "passwd":
		return userSetPassword(verb, rest)
	case "del":
		return userDel(rest)
	default:
		return fmt.Errorf("user: unknown verb %q", verb)
	}
}

func userList(args []string) error {
	ctx := context.Background()
	fs := storeFlags("user list")
	if err := fs.parse(args); err != nil {
		return err
	}
	db, err := fs.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	accts, err := db.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accts {
		fmt.Printf("%s\t%s\n", a.Name, strings.Join(a.Groups, ","))
	}
	return nil
}

func userDel(args []string) error {
	ctx := context.Background()
	name, db, err := storeFlags("user del").openNamed(ctx, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if name == cmis.AdminUser {
		return errors.New("user del: the admin user cannot be deleted")
	}
	return db.DeleteAccount(ctx, name)
}

// userSetPassword is user add and user passwd.
func userSetPassword(verb string, args []string) error {
	ctx := context.Background()
	fs := storeFlags("user " + verb)
	password := fs.String("password", "", "the password (visible to other local users: prefer the prompt or --password-stdin)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input: typed at a prompt without echo on a terminal, else its first line")
	allowWeak := fs.Bool("allow-weak", false, fmt.Sprintf("take a password shorter than %d characters", auth.MinPasswordLength))
	name, db, err := fs.openNamed(ctx, args)
	if err != nil {
		return err
	}
	defer db.Close()
	// Say that the name is wrong before asking for a password.
	_, err = db.Account(ctx, name)
	switch {
	case verb == "add" && err == nil:
		return fmt.Errorf("user %s exists", name)
	case verb == "passwd" && err != nil:
		return err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "password" })
	pw := *password
	switch {
	case given && *fromStdin:
		return errors.New("--password and --password-stdin: one or the other")
	case !given:
		if pw, err = readPassword(os.Stdin, os.Stderr, name, *fromStdin); err != nil {
			return err
		}
	}
	if !*allowWeak {
		if err := auth.CheckPasswordLength(pw); err != nil {
			return fmt.Errorf("%w (--allow-weak takes it anyway)", err)
		}
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if verb == "add" {
		return db.CreateAccount(ctx, name, hash)
	}
	return db.SetPasswordHash(ctx, name, hash)
}

// readPassword reads name's new password from in. On a terminal it
// prompts on prompt and reads twice without echo; otherwise, when
// fromStdin, it reads in's first line.
func readPassword(in *os.File, prompt io.Writer, name string, fromStdin bool) (string, error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		if !fromStdin {
			return "", errors.New("no password: give it on standard input with --password-stdin, or run on a terminal to be asked for it")
		}
		// Far more than bcrypt takes (72 bytes): a line, not a file.
		line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	read := func(label string) (string, error) {
		fmt.Fprintf(prompt, "%s: ", label)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt) // the Enter was not echoed either
		return string(b), err
	}
	first, err := read("Password for " + name)
	if err != nil {
		return "", err
	}
	again, err := read("Again")
	if err != nil {
		return "", err
	}
	if first != again {
		return "", errors.New("the two passwords differ")
	}
	return first, nil
}
