package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned writes a CA-capable certificate for name usable by servers and
// clients alike, and returns its files and parsed form.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	cpem := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kpem := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	if err := os.WriteFile(certFile, cpem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, kpem, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err = tls.X509KeyPair(cpem, kpem)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

var protoEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s client-cert=%v", r.Proto, r.TLS != nil && len(r.TLS.PeerCertificates) > 0)
})

func TestUpstreamH2C(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true) // no HTTP/1: an HTTP/1 client would fail
	srv := &http.Server{Handler: protoEcho, Protocols: p}
	go srv.Serve(ln)
	defer srv.Close()
	px := newTestProxy(t, TransportOptions{Protocol: ProtocolH2C})
	rec := httptest.NewRecorder()
	px.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, "http://"+ln.Addr().String()))
	if rec.Code != 200 || rec.Body.String() != "HTTP/2.0 client-cert=false" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestUpstreamH2WithMutualTLS(t *testing.T) {
	dir := t.TempDir()
	srvCert, _, srvPair := selfSigned(t, dir, "origin.test")
	cliCert, cliKey, cliPair := selfSigned(t, dir, "gateway.test")
	pool := x509.NewCertPool()
	pool.AddCert(cliPair.Leaf)
	origin := httptest.NewUnstartedServer(protoEcho)
	origin.TLS = &tls.Config{Certificates: []tls.Certificate{srvPair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, NextProtos: []string{"h2"}}
	origin.EnableHTTP2 = true
	origin.StartTLS()
	defer origin.Close()

	base := ClientTLS{CAFile: srvCert, ServerName: "origin.test"}
	withCert := base
	withCert.CertFile, withCert.KeyFile = cliCert, cliKey
	px := newTestProxy(t, TransportOptions{Protocol: ProtocolH2, TLS: withCert})
	rec := httptest.NewRecorder()
	px.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, origin.URL))
	if rec.Code != 200 || rec.Body.String() != "HTTP/2.0 client-cert=true" {
		t.Fatalf("mTLS h2: got %d %q", rec.Code, rec.Body.String())
	}

	noCert := newTestProxy(t, TransportOptions{Protocol: ProtocolH2, TLS: base})
	rec = httptest.NewRecorder()
	noCert.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, origin.URL))
	if rec.Code != 502 {
		t.Errorf("without a client certificate: %d, want 502", rec.Code)
	}

	wrongName := withCert
	wrongName.ServerName = "other.test"
	bad := newTestProxy(t, TransportOptions{Protocol: ProtocolH2, TLS: wrongName})
	rec = httptest.NewRecorder()
	bad.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, origin.URL))
	if rec.Code != 502 {
		t.Errorf("with a server name the certificate lacks: %d, want 502", rec.Code)
	}
}

func TestUpstreamHTTP1StaysHTTP1OverTLS(t *testing.T) {
	origin := httptest.NewUnstartedServer(protoEcho)
	origin.EnableHTTP2 = true
	origin.StartTLS()
	defer origin.Close()
	px := newTestProxy(t, TransportOptions{TLS: ClientTLS{InsecureSkipVerify: true}})
	rec := httptest.NewRecorder()
	px.Forward(rec, httptest.NewRequest("GET", "/", nil), mustURL(t, origin.URL))
	if rec.Body.String() != "HTTP/1.1 client-cert=false" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}
