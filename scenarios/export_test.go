package scenarios

// Hooks for this package's tests.

// NewCatalog builds a catalog of APIs whose operations carry nothing to match: enough for
// rules that match by api and operation.
func NewCatalog(ops map[string][]string) Catalog {
	cat := Catalog{}
	for api, ids := range ops {
		c := CatalogAPI{Operations: map[string]Operation{}}
		for _, id := range ids {
			c.Operations[id] = Operation{}
		}
		cat[api] = c
	}
	return cat
}
