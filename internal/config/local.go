package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Problem returns a *FieldError about field, placed like Validate's: at
// the file and line the field was written at, or its enclosing block when
// it was not written (a default), or at no line when the block was not
// written either. A configuration built in code (no file) names only the
// field. Commands use it for problems they find beyond Validate, so that
// those read like the loader's own.
func (c *Config) Problem(field, format string, args ...any) *FieldError {
	return &FieldError{File: c.src.fileName(), Line: c.src.line(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

// File is the name of the file c was parsed from; "" for a configuration
// built in code (from defaults or the environment).
func (c *Config) File() string { return c.src.fileName() }

// defaulted reports whether field was filled in by a default although c was
// parsed from a file (so a message should not suggest the user wrote it).
func (c *Config) defaulted(field string) bool {
	if c.src == nil {
		return false
	}
	_, ok := c.src.lines[field]
	return !ok
}

// Suggest returns the candidate closest to word when it is close enough to
// be a likely typo, else "".
func Suggest(word string, candidates []string) string { return suggest(word, candidates) }

// CheckLocal checks, before anything is collected, the local folders the
// configuration writes to: the state file's folder (state, quarantine and
// spool live there) and the folder of every file sink. Each must exist or
// be creatable, and be writable; missing folders are created. Every problem
// is a *FieldError naming the key, joined with errors.Join, like Validate's.
func (c *Config) CheckLocal() error {
	return errors.Join(c.CheckStateFolder(), c.checkSinkFolders())
}

// CheckStateFolder is CheckLocal for the state file's folder alone (the
// data folder, when state is a database).
func (c *Config) CheckStateFolder() error {
	if StateIsDatabase(c.State) {
		return c.checkDataDir()
	}
	if st, err := os.Stat(c.State); err == nil && st.IsDir() {
		return c.Problem("state", "%s is a folder: name the state file, e.g. %s", c.State, filepath.Join(c.State, "state.db"))
	}
	// 0700 as the store makes it: the folder holds the state and spooled
	// vendor data.
	err := CheckFolder(filepath.Dir(c.State), 0o700)
	if err == nil {
		return c.checkDataDir()
	}
	if c.defaulted("state") {
		return c.Problem("state", "%v (the default state file is %s; set state: to another path)", err, c.State)
	}
	return c.Problem("state", "%v", err)
}

// checkDataDir checks the folder of spooled archives and the quarantine,
// when it is not the state file's (checked already).
func (c *Config) checkDataDir() error {
	if c.DataDir == "" || !StateIsDatabase(c.State) && c.DataDir == filepath.Dir(c.State) {
		return nil
	}
	if err := CheckFolder(c.DataDir, 0o700); err != nil {
		return c.Problem("data_dir", "%v", err)
	}
	return nil
}

func (c *Config) checkSinkFolders() error {
	var errs []error
	for i, s := range c.Sinks {
		f, ok := s.Settings.(Folder)
		if !ok {
			continue
		}
		key, dir := f.Folder()
		err := CheckFolder(dir, 0o750) // as the file sink makes it
		field := fmt.Sprintf("sinks[%d].%s", i, key)
		switch {
		case err == nil:
		case c.defaulted("sinks"):
			errs = append(errs, c.Problem("sinks", "the default %s sink: %v (set sinks: to write elsewhere, e.g. sinks: [{name: archive, type: file, path: /var/lib/gatelog/logs}])", s.Type, err))
		case c.defaulted(field):
			errs = append(errs, c.Problem(field, "%v (the default %s; set %s: to write elsewhere)", err, key, key))
		default:
			errs = append(errs, c.Problem(field, "%v", err))
		}
	}
	return errors.Join(errs...)
}

// CheckFolder makes sure dir exists (creating it and its parents with
// perm) and that a file can be created in it. Its error says which and why, without Go's
// operation names: "cannot create ./x/logs: ./x is a file, not a folder",
// "cannot write in /var/log/gatelog: permission denied".
func CheckFolder(dir string, perm os.FileMode) error {
	if err := os.MkdirAll(dir, perm); err != nil {
		return fmt.Errorf("cannot create %s: %s", dir, folderReason(dir, err))
	}
	f, err := os.CreateTemp(dir, ".gatelog-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %s", dir, folderReason(dir, err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// folderReason is why dir could not be made or written: the system's
// reason, and for "not a directory" which part of the path is a file.
func folderReason(dir string, err error) string {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
		for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
			if st, serr := os.Stat(p); serr == nil && !st.IsDir() {
				return p + " is a file, not a folder"
			}
			if p == filepath.Dir(p) {
				break
			}
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
