package main

import "testing"

func TestGroupCommands(t *testing.T) {
	data := t.TempDir()
	runSteps(t, data, []step{
		{"", []string{"user", "add", "alice", "--password", "alice-password"}, false, ""},
		{"", []string{"user", "add", "bob", "--password", "bob-password"}, false, ""},
		{"", []string{"group", "add", "staff"}, false, ""},
		{"", []string{"group", "add", "staff"}, true, "exists"},
		{"", []string{"group", "members", "staff", "--add", "alice", "--add", "bob"}, false, "alice\nbob\n"},
		{"", []string{"group", "members", "staff", "--remove", "bob"}, false, "alice\n"},
		{"", []string{"user", "list"}, false, "alice\tstaff\nbob\t\n"},
		{"", []string{"group", "members", "nobody"}, true, `no group "nobody"`},
		{"", []string{"group", "del", "staff"}, false, ""},
		{"", []string{"user", "list"}, false, "alice\t\nbob\t\n"},
		{"", []string{"group", "del", "staff"}, true, ""},
		{"", []string{"group", "add"}, true, "a name is required"},
	})
}
