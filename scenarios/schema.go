package scenarios

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of scenario files, for editors. The admin API
// serves it at /__admin/scenarios/schema. Parse checks more than the schema can say (operation
// names, status ranges, windows).
//
//go:embed schema.json
var Schema []byte
