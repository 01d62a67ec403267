package symantec

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Location is one configured location. Only id and name are known from
// public sources; every other field is kept as received.
type Location struct {
	ID     string
	Name   string
	Fields map[string]json.RawMessage
}

// Locations lists the account's locations (read-only).
func (c *Client) Locations(ctx context.Context) ([]Location, error) {
	resp, err := c.get(ctx, c.cfg.Paths.Locations, nil, c.locationsRole())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []Location
	err = eachJSONObject(resp.Body, func(raw json.RawMessage) error {
		loc, err := decodeLocation(raw)
		if err != nil {
			return err
		}
		out = append(out, loc)
		return nil
	})
	return out, err
}

// decodeLocation types id (a number or a string) and name, loosely.
func decodeLocation(raw json.RawMessage) (Location, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Location{}, fmt.Errorf("location is not a JSON object: %w", err)
	}
	loc := Location{Fields: m}
	loc.ID = scalarText(m["id"])
	loc.Name = scalarText(m["name"])
	return loc, nil
}

// scalarText renders a JSON scalar as text: strings unquoted, numbers as
// written, anything else as its JSON.
func scalarText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// FieldNames returns the union of field names, id and name first.
func FieldNames(locs []Location) []string {
	seen := map[string]bool{"id": true, "name": true}
	var rest []string
	for _, l := range locs {
		for k := range l.Fields {
			if !seen[k] {
				seen[k] = true
				rest = append(rest, k)
			}
		}
	}
	slices.Sort(rest)
	return append([]string{"id", "name"}, rest...)
}

// Text renders field k of the location for a table or CSV cell.
func (l Location) Text(k string) string {
	raw, ok := l.Fields[k]
	if !ok {
		return ""
	}
	return scalarText(raw)
}
