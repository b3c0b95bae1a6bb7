package transports

// Defaults of the zero-setup daemon, shared by harkd (which listens there)
// and hark (which sends there unless told otherwise).
const (
	// DefaultEmbeddedListen is where harkd's embedded NATS server listens
	// when transport_url is empty and embedded.listen is not set.
	DefaultEmbeddedListen = "127.0.0.1:4222"
	// DefaultStoreDir is where the embedded server keeps JetStream data,
	// relative to harkd's working directory.
	DefaultStoreDir = "./hark-data"
	// DefaultURL is the URL of the embedded server at its default address:
	// hark's default --url.
	DefaultURL = "nats://" + DefaultEmbeddedListen
	// URLEnv names the environment variable with the transport URL. harkd
	// reads transport_url from it (HARK_ + the config key); hark reads its
	// default --url from it, so a shell set up for the daemon points the
	// CLI at the same broker.
	URLEnv = "HARK_TRANSPORT_URL"
)

// EmbeddedURL returns the URL a client uses to reach an embedded server
// listening on listen ("127.0.0.1:4222" -> "nats://127.0.0.1:4222").
func EmbeddedURL(listen string) string { return "nats://" + listen }
