package main

import (
	"fmt"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/gatelog/gatelog/internal/normalize/schemacheck/internal/facts"
)

// ecsEntry is the part of an ecs_flat.yml entry the checker needs.
type ecsEntry struct {
	Type          string   `yaml:"type"`
	Normalize     []string `yaml:"normalize"`
	Required      bool     `yaml:"required"`
	Pattern       string   `yaml:"pattern"`
	AllowedValues []struct {
		Name string `yaml:"name"`
	} `yaml:"allowed_values"`
}

func buildECS(path string) (facts.ECS, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return facts.ECS{}, fmt.Errorf("read field list: %w", err)
	}
	var entries map[string]ecsEntry
	if err := yaml.Unmarshal(b, &entries); err != nil {
		return facts.ECS{}, fmt.Errorf("parse %s: %w", path, err)
	}
	out := facts.ECS{Version: ecsVers, Fields: make(map[string]facts.Field, len(entries))}
	for name, e := range entries {
		if e.Type == "" {
			return facts.ECS{}, fmt.Errorf("field %s has no type", name)
		}
		f := facts.Field{
			Type:     e.Type,
			Array:    slices.Contains(e.Normalize, "array"),
			Required: e.Required,
			Pattern:  e.Pattern,
		}
		for _, v := range e.AllowedValues {
			f.Allowed = append(f.Allowed, v.Name)
		}
		out.Fields[name] = f
	}
	return out, nil
}
