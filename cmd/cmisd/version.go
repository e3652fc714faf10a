package main

import (
	"errors"
	"fmt"
)

// version is set at build time (-X main.version=...; see the Makefile).
var version = "dev"

func versionCmd(args []string) error {
	if len(args) > 0 {
		return errors.New("version takes no arguments")
	}
	fmt.Println("cmisd", version)
	return nil
}
