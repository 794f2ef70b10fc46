package validate

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// TestFailFastVerdict checks what validateBody relies on: kin's fail-fast pass accepts exactly the
// bodies that the pass collecting every problem accepts, here for the schemas with not, anyOf and
// allOf (Desk's ref.json) and the test spec's nested objects and arrays.
func TestFailFastVerdict(t *testing.T) {
	desk := loadEmbedded(t, "desk")
	files := loadSpec(t)
	tests := []struct {
		spec   *Spec
		target string
		bodies []string
	}{
		{desk, "/desk/api/v2/files/ref.json", []string{
			deskRefBody,
			`{"filename":"a.png","mimeType":"image/png"}`,
			`{"fileName":"a.png","mimeType":"image/png"}`,
			`{"file":{"filename":"a.png","mimeType":"image/png"}}`,
			`{"file":{"id":0,"fileName":"a.png","mimeType":"image/png"},"included":{},"params":{"a":""}}`,
			`{"file":{"filename":"a.png"}}`,
			`{"file":{"mimeType":"image/png"}}`,
			`{"file":{"filename":"a.png","mimeType":"image/png"},"mimeType":"image/png"}`,
			`{"file":null,"filename":"a.png","mimeType":"image/png"}`,
			`{"filename":"a.png"}`,
			`{"mimeType":"image/png"}`,
			`{}`,
			`{"filename":"","mimeType":"png"}`,
			`{"filename":"a.png","mimeType":"image/png","type":"other"}`,
			`{"filename":"a.png","mimeType":"image/png","disposition":"inline"}`,
			`{"filename":"a.png","mimeType":"image/png","url":1}`,
			`[]`, `"x"`, `null`, `1`,
		}},
		{files, "/files", []string{
			`{"filename":"a.pdf","purpose":"assistants"}`,
			`{"filename":"a.pdf","purpose":"assistants","size":12,"attachments":[{"file_id":"file-1","note":"n"}]}`,
			`{"filename":"a.pdf","purpose":"x"}`,
			`{"filename":"","purpose":"x","extra":1,"attachments":[{"file_id":"BAD"},{"note":"n"}]}`,
			`{"filename":"a.pdf","purpose":"vision","attachments":[{}]}`,
			`{"filename":"a.pdf","purpose":"vision","size":-1}`,
			`{"purpose":"vision"}`,
		}},
	}
	for _, tt := range tests {
		for _, body := range tt.bodies {
			r := newRequest("POST", tt.target, strings.NewReader(body), "Content-Type", "application/json")
			rt, err := tt.spec.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			rb := rt.Operation.RequestBody.Value
			verdict := func(o openapi3filter.Options) bool {
				in := &openapi3filter.RequestValidationInput{Request: r, PathParams: rt.PathParams, Route: rt.kin, Options: &o}
				return openapi3filter.ValidateRequestBody(context.Background(), in, rb) == nil
			}
			fast, full := verdict(failFast), verdict(everyProblem)
			if fast != full {
				t.Errorf("%s %s: fail-fast accepts: %v, with every problem: %v", tt.target, body, fast, full)
			}
			var bodyVs []Violation
			for _, v := range tt.spec.ValidateRequest(context.Background(), r, rt, RequestOptions{}) {
				if v.In == "body" {
					bodyVs = append(bodyVs, v)
				}
			}
			if (len(bodyVs) == 0) != full {
				t.Errorf("%s %s: ValidateRequest %v, kin accepts: %v", tt.target, body, bodyVs, full)
			}
		}
	}
}
