package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func groupCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("group: add, del or members")
	}
	ctx := context.Background()
	verb := args[0]
	if verb != "add" && verb != "del" && verb != "members" {
		return fmt.Errorf("group: unknown verb %q", verb)
	}
	fs := storeFlags("group " + verb)
	var add, remove listFlag
	if verb == "members" {
		fs.Var(&add, "add", "user to add (repeatable)")
		fs.Var(&remove, "remove", "user to remove (repeatable)")
	}
	name, db, err := fs.openNamed(ctx, args[1:])
	if err != nil {
		return err
	}
	defer db.Close()
	switch verb {
	case "add":
		return db.CreateGroup(ctx, name)
	case "del":
		return db.DeleteGroup(ctx, name)
	}
	for _, u := range add {
		if err := db.AddGroupMember(ctx, name, u); err != nil {
			return err
		}
	}
	for _, u := range remove {
		if err := db.RemoveGroupMember(ctx, name, u); err != nil {
			return err
		}
	}
	groups, err := db.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Name == name {
			for _, m := range g.Members {
				fmt.Println(m)
			}
			return nil
		}
	}
	return fmt.Errorf("no group %q", name)
}
