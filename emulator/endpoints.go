package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/fileemu/fileemu/internal/admin"
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/desk"
	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/internal/haufe"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/internal/weavy"
	"github.com/fileemu/fileemu/openapi"
	"github.com/fileemu/fileemu/scenarios"
)

// Endpoint is where one API is served: its name and the path its routes start with.
type Endpoint struct {
	API  string
	Path string // e.g. /v1, /desk/api/v2, /__admin
	// Base is what a client of the API appends to the emulator's (or a session's) URL to get
	// the base URL it is configured with: "/s3", "/desk/api/v2", "/__admin"; "" for the APIs
	// whose clients append whole paths (Haufe's /v1/..., Weavy's and files.ro's /api/...).
	Base string
}

// Endpoints lists the mounted APIs with the path their routes start with, the admin API last.
func (s *Server) Endpoints() []Endpoint { return endpoints(s.apis) }

// hostRooted are the APIs whose clients are configured with the host alone and append whole
// paths; every other API's clients take the path its routes start with as their base.
var hostRooted = map[string]bool{"haufe": true, "weavy": true, "filesro": true}

// mount is one row of the mount table: an API and what the pipeline must know of it beyond its
// api.API.
type mount struct {
	api *api.API
	// uploadBuckets are the fake S3 buckets the API hands out upload URLs for: a scenario's
	// infect rule naming the API applies to the S3 uploads into them.
	uploadBuckets []string
	// cookiePaths are path prefixes where the API's browser clients send a cookie: CORS
	// allows credentials there, and nowhere else.
	cookiePaths []string
}

// mounts is the mount table: every API the emulator serves, the admin API first (it owns only
// its prefix), the others in the order APINames lists them. A path goes to the API with the
// longest matching prefix (apiFor): Weavy owns /api/, files.ro's /api/v1/ wins over it. Adding
// an API is a row here.
func mounts(cfg Config, specs map[string]*validate.Spec, deps admin.Deps) []mount {
	creds := s3.NewCredentials(cfg.S3.AccessKey, cfg.S3.SecretKey, cfg.S3.Region)
	tokens := api.TokenAuth(cfg.Tokens)
	return []mount{
		{api: admin.New(specs["admin"], deps)},
		{api: s3.New(specs["s3"], s3.Options{
			Credentials: creds, MaxObjectSize: cfg.MaxObjectSize, Lenient: cfg.S3Lenient,
			Logger: cfg.Logger,
		})},
		{api: haufe.New(specs["haufe"], haufe.Options{
			S3: creds, Seed: cfg.Seed, Auth: tokens,
		}), uploadBuckets: []string{haufe.Bucket}},
		{api: desk.New(specs["desk"], desk.Options{
			S3: creds, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens,
		}), uploadBuckets: []string{desk.Bucket}},
		{api: weavy.New(specs["weavy"], weavy.Options{
			MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens,
		})},
		{api: filesro.New(specs["filesro"], filesro.Options{
			MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens, ChunkExpiry: cfg.ChunkExpiry,
		}), cookiePaths: []string{"/api/v1/shares/", "/api/sharing/"}}, // the share_session cookie of protected shares
	}
}

// loadSpecs reads every embedded spec, by name, each in a goroutine of its own: parsing them
// is most of the time from start to the first answer, and they share nothing. With lazy, only
// their operations are read now, and each document is parsed on first use (validate.LoadLazy;
// the specs' tests load each one whole).
func loadSpecs(lazy bool) (map[string]*validate.Spec, error) {
	names := openapi.Names()
	loaded := make([]*validate.Spec, len(names))
	var g errgroup.Group
	for i, name := range names {
		g.Go(func() error {
			data, err := openapi.Spec(name)
			if err != nil {
				return err
			}
			if lazy {
				loaded[i], err = validate.LoadLazy(name+".yaml", data)
			} else {
				loaded[i], err = validate.Load(context.Background(), name+".yaml", data)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	specs := make(map[string]*validate.Spec, len(names))
	for i, name := range names {
		specs[name] = loaded[i]
	}
	return specs, nil
}

// Specs are the emulated APIs' specs and routes without a server: no sessions, journal or
// scenario engine. They validate responses (the test kit's clients, in-process and against a
// container) and name the operations scenario rules may use (lint).
type Specs struct {
	apis    []*api.API
	catalog scenarios.Catalog
}

// LoadSpecs reads the embedded specs and mounts the APIs' routes. Each spec's document is
// parsed on first use (its first ValidateResponse): lint needs only the operations.
func LoadSpecs() (*Specs, error) {
	specs, err := loadSpecs(true)
	if err != nil {
		return nil, err
	}
	ms := mounts(Config{}.withDefaults(), specs, admin.Deps{})
	var apis []*api.API
	for _, m := range ms {
		apis = append(apis, m.api)
	}
	return &Specs{apis: apis, catalog: catalog(ms)}, nil
}

// Catalog lists the APIs and operations scenario rules may name (scenarios.Parse takes it).
func (sp *Specs) Catalog() scenarios.Catalog { return sp.catalog }

// APINames lists the emulated APIs (without the admin API), in mount order.
func (sp *Specs) APINames() []string { return apiNames(sp.apis) }

// Endpoints lists the APIs with the path their routes start with, the admin API last.
func (sp *Specs) Endpoints() []Endpoint { return endpoints(sp.apis) }

// ValidateResponse checks a response to req against the spec of the API that serves req's
// path: status documented, headers and body matching. The session prefix is taken off first.
func (sp *Specs) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	return validateResponse(ctx, sp.apis, req, status, header, body)
}

func apiNames(apis []*api.API) []string {
	var names []string
	for _, a := range apis {
		if !a.Sessionless {
			names = append(names, a.Name)
		}
	}
	return names
}

func endpoints(apis []*api.API) []Endpoint {
	var out []Endpoint
	var adm *Endpoint
	for _, a := range apis {
		e := Endpoint{API: a.Name, Path: rootPath(a.Prefixes)}
		if !hostRooted[a.Name] {
			e.Base = e.Path
		}
		if a.Sessionless {
			adm = &e
			continue
		}
		out = append(out, e)
	}
	if adm != nil {
		out = append(out, *adm)
	}
	return out
}

// apiFor returns the API owning path: the one with the longest matching prefix, so that an API
// may own a whole subtree (Weavy: /api/) while another owns a branch of it (files.ro: /api/v1/).
func apiFor(apis []*api.API, path string) *api.API {
	var best *api.API
	bestLen := -1
	for _, a := range apis {
		if n := a.OwnsLen(path); n > bestLen {
			best, bestLen = a, n
		}
	}
	return best
}

func validateResponse(ctx context.Context, apis []*api.API, req *http.Request, status int, header http.Header, body []byte) error {
	if isPreflight(req) {
		return nil // CORS preflights are answered for every path, before any API (see cors.go)
	}
	r := req.Clone(ctx)
	if _, rest, ok := session.SplitPrefix(r.URL.Path); ok {
		stripSessionPrefix(r, rest)
	}
	a := apiFor(apis, r.URL.Path)
	if a == nil {
		return nil // no API, no spec: the plain JSON 404, or a redirect away from the emulator
	}
	r = a.RoutingRequest(r)
	rt, err := a.Spec.FindRoute(r)
	if err != nil {
		if status < 500 || status == http.StatusNotImplemented {
			return nil // unknown routes have no operation to check against
		}
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if err := a.Spec.ValidateResponse(ctx, r, rt, status, header, body); err != nil {
		return fmt.Errorf("%s %s (%s) -> %d: %w", req.Method, req.URL.Path, rt.OperationID, status, err)
	}
	return nil
}

// rootPath is the path all of an API's prefixes share (Weavy's /api/apps/, /api/blobs/... give
// /api), or the first prefix when they share nothing but "/" (an alias such as /agents/v1/).
func rootPath(prefixes []string) string {
	if len(prefixes) == 0 {
		return "/"
	}
	common := strings.Split(strings.Trim(prefixes[0], "/"), "/")
	for _, p := range prefixes[1:] {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	if len(common) == 0 {
		return "/" + strings.Trim(prefixes[0], "/")
	}
	return "/" + strings.Join(common, "/")
}

// HealthPath is the admin API's health check, which answers 200 once the emulator serves.
const HealthPath = admin.Prefix + "health"

// SessionPrefix is the path prefix that selects a session: {base}/_s/{id}/...
const SessionPrefix = session.PathPrefix

// Share is a files.ro share every session starts with.
type Share struct {
	Token      string
	Folder     string // the shared folder's name
	Permission string // editor or visitor
	Password   string // non-empty: a protected share
	ExpireIn   int    // hours; 0 = never
}

// SeedShares are the files.ro shares every session starts with.
func SeedShares() []Share {
	var out []Share
	for _, f := range filesro.SeedShares() {
		out = append(out, Share(f))
	}
	return out
}
