package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadyzDiskFull runs serve on a small tmpfs and fills it: checks
// answer 503, /readyz answers 503 with the reason, and when space comes
// back the node recovers by itself. It needs to mount a tmpfs (root);
// where it cannot, it skips, and internal/server's
// TestReadinessCheckLogWriteError covers readiness with an injected write
// error instead.
func TestReadyzDiskFull(t *testing.T) {
	in := newInst(t)
	mnt := filepath.Join(in.dir, "data")
	os.MkdirAll(mnt, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); internal/server TestReadinessCheckLogWriteError covers an injected write error", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.start()
	tok := mintFor(t, in, key, "alice")
	if code, _ := in.post("/v1/check", tok, `{}`); code != 200 {
		t.Fatalf("check before the disk fills: %d", code)
	}
	metrics := get(t, in.url+"/metrics")
	if !strings.Contains(metrics, "deadbolt_data_free_ratio") {
		t.Fatalf("no free-space metric in /metrics")
	}

	// Fill the filesystem.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 256<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	// Checks cannot be recorded, so they are not decided.
	for range 3 {
		if code, body := in.post("/v1/check", tok, `{"userDevice":"`+strings.Repeat("x", 400)+`"}`); code != 503 {
			t.Fatalf("check on a full disk: %d %v", code, body)
		}
	}
	code, body := readyz(in)
	if code != 503 || (body["error"] != "check_log_unwritable" && body["error"] != "disk_full") {
		t.Fatalf("/readyz on a full disk: %d %v", code, body)
	}
	if msg, _ := body["message"].(string); msg == "" {
		t.Fatalf("/readyz gives no reason: %v", body)
	}

	// Space comes back: the node recovers by itself.
	os.Remove(filler)
	if code, _ := in.post("/v1/check", tok, `{}`); code != 200 {
		t.Fatalf("check after space came back: %d", code)
	}
	if code, body := readyz(in); code != 200 {
		t.Fatalf("/readyz after space came back: %d %v", code, body)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := testClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestMetricsAddr: with --metrics-addr, /metrics is served there and not
// on the main address.
func TestMetricsAddr(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	maddr := freeAddr(t)
	in.start("--metrics-addr", maddr)
	if m := get(t, "http://"+maddr+"/metrics"); !strings.Contains(m, "deadbolt_check_duration_seconds") {
		t.Fatalf("metrics address serves:\n%.300s", m)
	}
	resp, err := http.Get(in.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || strings.Contains(string(b), "deadbolt_check_duration_seconds") {
		t.Fatalf("/metrics still on the main address: %d", resp.StatusCode)
	}
	// Taken, it fails before anything is printed.
	other := newInst(t)
	r := other.run("serve", "--addr", freeAddr(t), "--metrics-addr", maddr)
	if r.code != 1 || !strings.Contains(r.stderr, "in use") {
		t.Fatalf("serve with the metrics address taken: %d %q", r.code, r.stderr)
	}
}

// TestServeTLS: --tls-cert and --tls-key serve HTTPS, and the default
// public URL says https.
func TestServeTLS(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	cert, keyFile := selfSigned(t, in.dir)
	in.addr = freeAddr(t)
	in.url = "https://" + in.addr
	in.start("--tls-cert", cert, "--tls-key", keyFile)
	// The default public URL is https://ADDR: a token for it verifies.
	tok := mintFor(t, in, key, "alice")
	req, _ := http.NewRequest("POST", in.url+"/v1/check", strings.NewReader(`{}`))
	req.Header.Set("x-nl3-authorization-token", tok)
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body["locked"] != true || resp.TLS == nil {
		t.Fatalf("check over HTTPS: %d %v", resp.StatusCode, body)
	}
	// Plain HTTP is not answered as a check.
	if resp, err := http.Post("http://"+in.addr+"/v1/check", "application/json", strings.NewReader(`{}`)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatalf("plain HTTP answered 200")
		}
	}
	// Only one of the two files: a usage error, before anything starts.
	if r := newInst(t).run("serve", "--addr", freeAddr(t), "--tls-cert", cert); r.code != 1 || !strings.Contains(r.stderr, "tls") {
		t.Fatalf("--tls-cert alone: %d %q", r.code, r.stderr)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(k)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}
