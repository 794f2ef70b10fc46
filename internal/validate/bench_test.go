package validate

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/openapi"
)

// loadEmbedded loads one of the emulator's own specs ("desk" for openapi/desk.yaml).
func loadEmbedded(tb testing.TB, name string) *Spec {
	tb.Helper()
	data, err := openapi.Spec(name)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Load(context.Background(), name+".yaml", data)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// anyToken accepts any credential, as the emulator does without --tokens.
func anyToken(context.Context, string, *openapi3.SecurityScheme, *http.Request) error { return nil }

// deskRefBody is what the load test posts to Desk's ref.json (the guide's flat form).
const deskRefBody = `{"type":"attachment","filename":"photo.jpeg","mimeType":"image/jpeg","disposition":"attachment"}`

// BenchmarkDeskRefBody is route + validation of the Desk ref.json POST of issue 18's load test.
func BenchmarkDeskRefBody(b *testing.B) {
	s := loadEmbedded(b, "desk")
	b.ReportAllocs()
	for b.Loop() {
		r := newRequest("POST", "/desk/api/v2/files/ref.json", strings.NewReader(deskRefBody),
			"Content-Type", "application/json", "Authorization", "Bearer k")
		rt, err := s.FindRoute(r)
		if err != nil {
			b.Fatal(err)
		}
		if vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: anyToken}); vs != nil {
			b.Fatal(vs)
		}
	}
}

// BenchmarkHaufeSignedURL is route + validation of Haufe's signed-url GET (query and header parameters).
func BenchmarkHaufeSignedURL(b *testing.B) {
	s := loadEmbedded(b, "haufe")
	r := newRequest("GET", "/v1/files/signed-url?filename=report.pdf", nil,
		"api-key", "k", "user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
	q := r.URL.Query() // the emulator parses the query once per request, before validation
	b.ReportAllocs()
	for b.Loop() {
		rt, err := s.FindRoute(r)
		if err != nil {
			b.Fatal(err)
		}
		if vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: anyToken, Query: q}); vs != nil {
			b.Fatal(vs)
		}
	}
}

// BenchmarkLoad is parsing, validating and routing one spec, the bulk of the start-up time.
func BenchmarkLoad(b *testing.B) {
	for _, name := range openapi.Names() {
		b.Run(name, func(b *testing.B) {
			data, err := openapi.Spec(name)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(context.Background(), name+".yaml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
