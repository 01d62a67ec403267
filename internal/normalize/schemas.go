package normalize

// Schemas are the schemas a sink may ask for, the default (raw) first.
func Schemas() []string { return []string{Raw, OCSF, ECS} }
