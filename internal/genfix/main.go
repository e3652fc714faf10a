// Command genfix turns gowsdl's output for the CMIS 1.1 WSDL into the
// package generated: code that compiles, round-trips CMIS XML and does not
// depend on gowsdl at run time. It is the second step of make generate:
//
//	go tool gowsdl -d $TMP -p generated -o cmis.go wsdl/CMISWS-Service.wsdl
//	go run ./internal/genfix -in $TMP/generated/cmis.go -xsd wsdl -out generated
//
// It reads the WSDL and the XSDs it imports to learn namespaces, minOccurs,
// maxOccurs, choices, extensions and operations, and writes
// generated/cmis.go and generated/operations.go, gofmt'ed and identical on
// every run for the same input. The transformations, numbered as in the
// comments of the code:
//
//  1. compile: drop the core element alias that collides with the messaging
//     Query struct, make the query method take *Query, make the xs:integer
//     enumeration a string type;
//  2. keep only the port interfaces' ...Context methods; drop the SOAP client
//     and the gowsdl/soap import;
//  3. XMLName only on SOAP body elements;
//  4. every element field in the namespace of its declaration; no json tags;
//  5. optionality and Go types from the schema (pointer+omitempty, value,
//     slice; int64, xsd.Decimal, xsd.DateTime);
//  6. repeated choices as one ordered slice of an interface (choices.go);
//  7. type definition subtypes merged into their base, with XsiType;
//  8. xs:any as []xsd.Any, xs:anyAttribute as xsd.AnyAttrs;
//  9. the content stream as *xsd.Stream;
//  10. operations.go: Ports, Operation, Operations (with what CMIS 1.0 has);
//  11. write.go: reflection-free writers, with a CMIS 1.0 mode (writers.go);
//  12. read.go: readers of every request, without encoding/xml (readers.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	in := flag.String("in", "", "gowsdl output (`file` …/generated/cmis.go)")
	xsdDir := flag.String("xsd", "wsdl", "`directory` holding the WSDL and the XSDs")
	wsdlName := flag.String("wsdl", "CMISWS-Service.wsdl", "WSDL `file` name inside -xsd")
	wsdl10 := flag.String("wsdl10", "1.0/CMISWS-Service.wsdl", "CMIS 1.0 WSDL `file` inside -xsd, for the writers' 1.0 mode")
	out := flag.String("out", "generated", "output `directory`")
	flag.Parse()
	if *in == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, filepath.Join(*xsdDir, *wsdlName), filepath.Join(*xsdDir, *wsdl10), *out); err != nil {
		fmt.Fprintln(os.Stderr, "genfix:", err)
		os.Exit(1)
	}
}

func run(in, wsdlPath, wsdl10Path, outDir string) error {
	files, err := generate(in, wsdlPath, wsdl10Path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, name := range outputFiles {
		if err := writeFile(filepath.Join(outDir, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}

// outputFiles are the files genfix writes into the output directory.
var outputFiles = []string{"cmis.go", "operations.go", "write.go", "read.go"}

// generate returns the contents of the output files.
func generate(inPath, wsdlPath, wsdl10Path string) (map[string][]byte, error) {
	src, err := os.ReadFile(inPath)
	if err != nil {
		return nil, err
	}
	in, err := parseGo(inPath, src)
	if err != nil {
		return nil, err
	}
	wsdlRoot, err := readTree(wsdlPath)
	if err != nil {
		return nil, err
	}
	services, err := readWSDL(wsdlRoot)
	if err != nil {
		return nil, err
	}
	m, err := loadSchemas(wsdlRoot, wsdlPath)
	if err != nil {
		return nil, err
	}
	f, err := newFixer(in, m, services, filepath.Base(wsdlPath))
	if err != nil {
		return nil, err
	}
	// The CMIS 1.0 schema, only compared with: what 1.1 adds is left out
	// by the writers' 1.0 mode.
	root10, err := readTree(wsdl10Path)
	if err != nil {
		return nil, err
	}
	if f.m10, err = loadSchemas(root10, wsdl10Path); err != nil {
		return nil, fmt.Errorf("CMIS 1.0 schema: %w", err)
	}
	services10, err := readWSDL(root10)
	if err != nil {
		return nil, fmt.Errorf("CMIS 1.0 WSDL: %w", err)
	}
	f.ops10 = map[string]bool{}
	for _, s := range services10 {
		for _, op := range s.ops {
			f.ops10[op.input.local] = true
		}
	}
	cmis, err := f.cmisGo()
	if err != nil {
		return nil, err
	}
	ops, err := f.operationsGo()
	if err != nil {
		return nil, err
	}
	write, err := f.writeGo()
	if err != nil {
		return nil, err
	}
	read, err := f.readGo()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"cmis.go": cmis, "operations.go": ops, "write.go": write, "read.go": read}, nil
}

// writeFile replaces path atomically, so that an interrupted run leaves the
// old file, not half a new one.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".genfix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
