package emulator

import (
	"log/slog"
	"time"

	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/internal/journal"
)

// Config configures an emulator. The zero value is usable: every field has a default.
type Config struct {
	// PublicURL is the base URL handed out in URLs (S3 targets, downloads). Empty: the URL the
	// request came in on, honouring X-Forwarded-Host and X-Forwarded-Proto.
	PublicURL string
	// MaxObjectSize bounds any stored upload, in bytes (default 100 MiB).
	MaxObjectSize int64
	// Seed seeds generated data (fake extracted text, ids where they are derived): same seed, same
	// data. The CLI's --seed defaults to DefaultSeed too, so a test body sees the same data
	// in-process and in the container.
	Seed int64
	// AdminToken, when set, is required as a Bearer token on the admin API.
	AdminToken string
	// Tokens, when set, are the only API keys / bearer tokens the APIs accept; empty accepts any non-empty token.
	Tokens []string
	// JournalSize bounds the request journal (default DefaultJournalSize entries).
	JournalSize int
	// JournalBytes bounds the bytes the journal keeps (default 64 MiB): the oldest entries go
	// first. Each entry is bounded too (header values, path and query are cut).
	JournalBytes int64
	// JournalBodyBytes is how much of a request's JSON or form body, and of an answer that is
	// not 2xx or is JSON or XML, each journal entry keeps (default DefaultJournalBodyBytes;
	// negative: none). The bodies count against JournalBytes. Uploads and stored content served
	// back are never kept.
	JournalBodyBytes int
	// MaxStorage bounds the bytes stored by all sessions together, uploads in progress
	// included (0: no bound). An upload that would cross it is refused in the API's own form,
	// with nothing stored.
	MaxStorage int64
	// SessionTTL drops a session (and what it stored) once it has not been used for this long,
	// on the emulator clock (0: sessions live until deleted). The default session stays.
	SessionTTL time.Duration
	// MaxBodySize bounds a request body that is not an upload (JSON and form bodies, default
	// 1 MiB): larger ones are answered 413 in the API's format before they are read whole.
	MaxBodySize int64
	// MinBodyRate and BodyGrace pace request bodies: after BodyGrace, a body must have arrived at
	// MinBodyRate bytes per second on average, or the connection's reads time out (defaults 256
	// B/s after 60 s: a slow browser upload passes, a client that trickles a byte every 10 s or
	// sends fewer bytes than it declared is cut). A negative MinBodyRate turns pacing off.
	MinBodyRate int64
	BodyGrace   time.Duration
	// S3 holds the fake S3 credentials; empty fields take the defaults (DefaultS3AccessKey,
	// DefaultS3SecretKey, DefaultS3Region).
	S3 S3Credentials
	// S3Lenient logs S3 signature problems instead of refusing the request (local development).
	S3Lenient bool
	// Clock is the base of the emulator clock (default time.Now). The admin API's clock routes
	// move the emulator clock (this plus an offset) and each session's clock (the emulator
	// clock plus the session's offset) to expire URLs and files; in-process tests may also move
	// this one.
	Clock func() time.Time
	// Logger receives the server's logs (default: discard).
	Logger *slog.Logger
	// LogRequests logs one line per request to Logger at info (see RequestLogMessage).
	LogRequests bool
	// heartbeat is how often live streams say they are alive (default admin.DefaultHeartbeat);
	// this package's tests shorten it.
	heartbeat time.Duration
	// Version is reported by the health endpoint.
	Version string
	// Scenarios are scenario files or directories of them, loaded at start (see WatchScenarios).
	Scenarios []string
	// DataDir, when set, keeps every session in files under this directory (created if
	// missing), durably: its stored bytes, every API's state and its clock, and the emulator
	// clock. A restart serves them as before. New fails if the directory is not writable or
	// holds a file it cannot read back (naming the file).
	DataDir string
	// Fixtures are fixture files or directories of them: loaded at start into the default session
	// and into every session created later (see WatchFixtures).
	Fixtures []string
	// ChunkExpiry is how long a files.ro chunked upload that receives no chunk is kept before
	// its bytes are freed (default DefaultChunkExpiry).
	ChunkExpiry time.Duration
	// LazySpecs parses each API's spec on that API's first request instead of in New: the
	// server starts several times quicker and holds less memory (an API never called costs
	// nothing), and the first request to each API waits for its spec to be parsed (tens of
	// milliseconds; many times that under the race detector, which is why in-process tests
	// keep the default). The CLI's serve sets it. Either way a spec's operations are read in
	// New, which still refuses an operation without handler.
	LazySpecs bool
}

// S3Credentials are the fake S3's access key, secret key and region: what an S3 client signs with.
type S3Credentials struct {
	AccessKey string
	SecretKey string
	Region    string
}

// The defaults of Config and of the CLI's flags: one place for each, so that an in-process
// emulator and the image behave alike.
const (
	// DefaultMaxObjectSize is the default bound of one upload.
	DefaultMaxObjectSize = 100 << 20
	// DefaultSeed seeds generated data when none is given.
	DefaultSeed = 0
	// DefaultJournalSize is the default number of entries the journal keeps.
	DefaultJournalSize = journal.DefaultCapacity
	// DefaultChunkExpiry is how long a files.ro chunked upload that receives no chunk is kept.
	DefaultChunkExpiry = filesro.DefaultChunkExpiry
	// Default fake S3 credentials.
	DefaultS3AccessKey = "fileemu"
	DefaultS3SecretKey = "fileemu-secret"
	DefaultS3Region    = "us-east-1"
)

// Default body pacing: 256 bytes per second on average after a minute.
const (
	DefaultMinBodyRate = 256
	DefaultBodyGrace   = time.Minute
)

// DefaultJournalBytes is the default bound of the bytes the journal keeps.
const DefaultJournalBytes = journal.DefaultMaxBytes

// DefaultJournalBodyBytes is the default of Config.JournalBodyBytes.
const DefaultJournalBodyBytes = 8 << 10

// DefaultMaxBodySize is the default bound of a request body that is not an upload: far above
// any real JSON request of the emulated APIs.
const DefaultMaxBodySize = 1 << 20

func (c Config) withDefaults() Config {
	if c.MaxObjectSize <= 0 {
		c.MaxObjectSize = DefaultMaxObjectSize
	}
	if c.JournalSize <= 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.MaxBodySize <= 0 {
		c.MaxBodySize = DefaultMaxBodySize
	}
	if c.JournalBodyBytes == 0 {
		c.JournalBodyBytes = DefaultJournalBodyBytes
	}
	if c.MinBodyRate == 0 {
		c.MinBodyRate = DefaultMinBodyRate
	}
	if c.BodyGrace <= 0 {
		c.BodyGrace = DefaultBodyGrace
	}
	if c.S3.AccessKey == "" {
		c.S3.AccessKey = DefaultS3AccessKey
	}
	if c.S3.SecretKey == "" {
		c.S3.SecretKey = DefaultS3SecretKey
	}
	if c.S3.Region == "" {
		c.S3.Region = DefaultS3Region
	}
	if c.ChunkExpiry <= 0 {
		c.ChunkExpiry = DefaultChunkExpiry
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c
}
