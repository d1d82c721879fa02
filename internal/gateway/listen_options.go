package gateway

import (
	"crypto/tls"
	"log/slog"

	"github.com/shoal-gw/shoal/internal/config"
)

// StaticServerOptions turns the validated static config into the public
// listeners' options, so the app wires them with one call.
func StaticServerOptions(st *config.Static, log *slog.Logger) ServerOptions {
	o := ServerOptions{
		ReadHeaderTimeout:    st.ReadHeaderTimeout.D(),
		IdleTimeout:          st.IdleTimeout.D(),
		MaxHeaderBytes:       st.MaxHeaderBytes,
		Log:                  log,
		H2C:                  st.H2C,
		RedirectHTTP:         st.RedirectHTTP,
		MaxConcurrentStreams: st.MaxConcurrentStreams,
	}
	if t := st.TLS; t != nil {
		o.TLS = &TLSOptions{MinVersion: tls.VersionTLS12}
		if t.MinVersion == "1.3" {
			o.TLS.MinVersion = tls.VersionTLS13
		}
		for _, c := range t.Certificates {
			o.TLS.Certificates = append(o.TLS.Certificates, CertFiles{Cert: c.Cert, Key: c.Key})
		}
	}
	for _, s := range st.TrustedProxies {
		// Validation has already rejected what does not parse.
		if p, err := config.ParseTrustedProxy(s); err == nil {
			o.TrustedProxies = append(o.TrustedProxies, p)
		}
	}
	return o
}
