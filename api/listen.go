package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qfpos/qfpos/config"
)

// Paths are the files of the API of one order file.
type Paths struct {
	Dir    string // the config directory: token and certificate
	Token  string // the bearer token, 0600
	Cert   string // the LAN listener's certificate (PEM)
	Key    string // its private key (PEM, 0600)
	Socket string // the unix socket, when api_listen is empty
}

// PathsFor are cfg's API files. The socket is named after the order
// file, so each order file has its own running owner.
func PathsFor(cfg *config.Config) Paths {
	dir := ""
	if cfg.Path != "" {
		dir = filepath.Dir(cfg.Path)
	} else if p := config.DefaultPath(); p != "" {
		dir = filepath.Dir(p)
	} else {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("qfpos-%d", os.Getuid()))
	}
	db, err := filepath.Abs(cfg.DB)
	if err != nil {
		db = cfg.DB
	}
	sum := sha256.Sum256([]byte(db))
	name := "api-" + hex.EncodeToString(sum[:6]) + ".sock"
	run := dir
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		run = filepath.Join(rt, "qfpos")
	}
	sock := filepath.Join(run, name)
	if len(sock) > 100 { // sun_path holds 108 bytes
		sock = filepath.Join(os.TempDir(), fmt.Sprintf("qfpos-%d", os.Getuid()), name)
	}
	return Paths{Dir: dir, Token: filepath.Join(dir, "api-token"), Cert: filepath.Join(dir, "api-cert.pem"),
		Key: filepath.Join(dir, "api-key.pem"), Socket: sock}
}

// LoadToken reads the token file, creating it (0600, 32 random bytes as
// hex) the first time. A file others can read is refused.
func LoadToken(path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = io.WriteString(f, hex.EncodeToString(b)+"\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
	} else if !errors.Is(err, os.ErrExist) {
		return "", err
	}
	return ReadToken(path)
}

// ReadToken reads an existing token file, refusing one others can read.
func ReadToken(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s can be read by others (%s): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 32 {
		return "", fmt.Errorf("%s holds no token; delete it and qfpos makes a new one", path)
	}
	return tok, nil
}

// LoadCert reads the LAN listener's certificate, making a self-signed one
// (ECDSA P-256, 10 years, this host's names and addresses) the first
// time. It returns it with its SHA-256 fingerprint, for pinning.
func LoadCert(certPath, keyPath string) (tls.Certificate, string, error) {
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := makeCert(certPath, keyPath); err != nil {
			return tls.Certificate{}, "", err
		}
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return c, "", err
	}
	return c, Fingerprint(c.Certificate[0]), nil
}

// Fingerprint is the SHA-256 of a DER certificate as AB:CD:… hex.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func makeCert(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "qfpos " + host, Organization: []string{"qfpos"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, n.IP)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// TLSConfig is the LAN listener's TLS: TLS 1.2 at least, this certificate.
func TLSConfig(c tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
}

// Listener is the API served: where, and how to stop it.
type Listener struct {
	Local       string // "unix:/path" or "http://127.0.0.1:port"
	LAN         string // "https://host:port", or ""
	Fingerprint string // of the LAN certificate
	TokenFile   string
	servers     []*http.Server
	socket      string
}

// Close stops serving, the streams included, and removes the socket.
func (l *Listener) Close() {
	for _, s := range l.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if s.Shutdown(ctx) != nil {
			s.Close()
		}
		cancel()
	}
	if l.socket != "" {
		os.Remove(l.socket)
	}
}

// ErrRunning is another qfpos already serving the API of this order file.
var ErrRunning = errors.New("another qfpos is serving this order file")

// Listen serves h as cfg says: the unix socket (or loopback address) of
// api_listen, and api_lan_listen over TLS.
func Listen(cfg *config.Config, h http.Handler) (*Listener, error) {
	p := PathsFor(cfg)
	l := &Listener{TokenFile: p.Token}
	switch cfg.APIListen {
	case "off":
	case "":
		if err := os.MkdirAll(filepath.Dir(p.Socket), 0o700); err != nil {
			return nil, err
		}
		if c, err := net.DialTimeout("unix", p.Socket, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%w (%s)", ErrRunning, p.Socket)
		}
		os.Remove(p.Socket) // left by a qfpos that crashed
		ln, err := net.Listen("unix", p.Socket)
		if err != nil {
			return nil, err
		}
		os.Chmod(p.Socket, 0o600)
		l.socket, l.Local = p.Socket, "unix:"+p.Socket
		l.servers = append(l.servers, Serve(ln, h))
	default:
		ln, err := net.Listen("tcp", cfg.APIListen)
		if err != nil {
			return nil, err
		}
		l.Local = "http://" + ln.Addr().String()
		l.servers = append(l.servers, Serve(ln, h))
	}
	if cfg.APILANListen != "" {
		cert, fp, err := LoadCert(p.Cert, p.Key)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("the API's certificate: %w", err)
		}
		ln, err := net.Listen("tcp", cfg.APILANListen)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.LAN, l.Fingerprint = "https://"+ln.Addr().String(), fp
		l.servers = append(l.servers, Serve(tls.NewListener(ln, TLSConfig(cert)), h))
	}
	return l, nil
}
