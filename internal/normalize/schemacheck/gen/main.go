// Command gen writes the compact schema facts that schemacheck embeds:
// testdata/ocsf-1.8.0.json from the OCSF 1.8.0 sources and
// testdata/ecs-9.4.0.json from ECS 9.4.0's ecs_flat.yml. It runs from the
// schemacheck folder (go generate) and reads the shared schemas folder, which
// users' clones do not have: that is why the facts are committed.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

const (
	ocsfDir  = "ocsf-1.8.0"
	ecsFile  = "ecs-9.4.0/ecs_flat.yml"
	ocsfOut  = "ocsf-1.8.0.json"
	ecsOut   = "ecs-9.4.0.json"
	ocsfVers = "1.8.0"
	ecsVers  = "9.4.0"
)

func main() {
	schemas := flag.String("schemas", "../../../../shared/schemas", "the shared schemas folder (holds "+ocsfDir+"/ and ecs-9.4.0/)")
	out := flag.String("out", "testdata", "the folder the facts files are written to")
	flag.Parse()
	if err := run(*schemas, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(schemas, out string) error {
	ocsf, err := buildOCSF(filepath.Join(schemas, ocsfDir))
	if err != nil {
		return fmt.Errorf("OCSF %s: %w", ocsfVers, err)
	}
	if err := writeJSON(filepath.Join(out, ocsfOut), ocsf); err != nil {
		return err
	}
	ecs, err := buildECS(filepath.Join(schemas, ecsFile))
	if err != nil {
		return fmt.Errorf("ECS %s: %w", ecsVers, err)
	}
	return writeJSON(filepath.Join(out, ecsOut), ecs)
}

// writeJSON writes v minified: encoding/json sorts map keys, so a rerun on the
// same sources gives the same bytes and a clean diff. HTML escaping is off so
// that the regexes stay readable (& rather than \u0026).
func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write facts: %w", err)
	}
	return nil
}
