package portal

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// The static files (stylesheet, script, icon, manifest) are embedded. At
// start each gets a content hash: pages link to /static/NAME.HASH.EXT,
// which is cached for a year (a new build has new names), and the plain
// /static/NAME.EXT stays for addresses that must not change (the icon in
// the manifest and in notifications), revalidated by its ETag. Text files
// are also kept gzip-compressed and sent so to browsers that accept it.

// asset is one static file in the forms it is sent.
type asset struct {
	name   string // "app.css"
	hashed string // "app.3f9a1c2b4d5e.css"
	ctype  string
	body   []byte
	gz     []byte // nil when compressing does not pay
	etag   string // of body; gz's adds "-gz"
}

// assets are the static files by plain and hashed name.
type assets map[string]*asset

// hashLen is how many hex digits of the SHA-256 a hashed name carries.
const hashLen = 12

// immutable is the Cache-Control of hashed names.
const immutable = "public, max-age=31536000, immutable"

func loadAssets(fsys fs.FS) (assets, error) {
	out := assets{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:hashLen]
		ext := path.Ext(name)
		a := &asset{name: name, hashed: strings.TrimSuffix(name, ext) + "." + h + ext, body: body, etag: `"` + h + `"`,
			ctype: mime.TypeByExtension(ext)}
		switch ext {
		case ".webmanifest":
			a.ctype = "application/manifest+json"
		case ".js":
			a.ctype = "text/javascript; charset=utf-8"
		}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		if compressible(a.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			if err := zw.Close(); err != nil {
				return err
			}
			if buf.Len() < len(body)*9/10 {
				a.gz = buf.Bytes()
			}
		}
		out[a.name], out[a.hashed] = a, a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("portal: static files: %w", err)
	}
	return out, nil
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "svg")
}

// url is the address pages link to: /static/NAME.HASH.EXT. The template
// function "asset" calls it; a name that is not a static file is a
// template error.
func (as assets) url(name string) (string, error) {
	a, ok := as[name]
	if !ok || a.name != name {
		return "", fmt.Errorf("portal: no static file %q", name)
	}
	return "/static/" + a.hashed, nil
}

// ServeHTTP serves GET /static/NAME.
func (as assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	a, ok := as[name]
	cache := "no-cache"
	switch {
	case ok && name == a.hashed:
		cache = immutable
	case !ok:
		// A hashed name from another build (a page served before an
		// upgrade, or by another node): the current file, revalidated.
		if a, ok = as[unhashed(name)]; !ok {
			http.NotFound(w, r)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", cache)
	body, etag := a.body, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// unhashed turns "app.0123456789ab.css" into "app.css"; other names come
// back as they are.
func unhashed(name string) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	i := strings.LastIndexByte(base, '.')
	if i < 0 || len(base)-i-1 != hashLen {
		return name
	}
	if _, err := hex.DecodeString(base[i+1:]); err != nil {
		return name
	}
	return base[:i] + ext
}

// acceptsGzip is true when the request's Accept-Encoding lists gzip with a
// quality above zero.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
