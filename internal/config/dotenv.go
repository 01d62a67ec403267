package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/joho/godotenv"
)

// LoadDotEnv loads dir/.env into the process environment. Variables that
// are already set win, so the real environment can always override the
// file. A missing .env is not an error: it is optional.
//
// The file uses godotenv syntax, which expands $VAR in unquoted and
// double-quoted values: a password containing "$" belongs in single
// quotes.
func LoadDotEnv(dir string) error {
	path := filepath.Join(dir, ".env")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	err := godotenv.Load(path)
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return fmt.Errorf("load env file: %w", err)
	default:
		// godotenv's parse errors quote the file's contents, which are
		// secrets; say where, not what.
		return fmt.Errorf("load env file %s: malformed (the parser's message is withheld because it quotes the file's contents)", path)
	}
}
