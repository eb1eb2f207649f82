package breakglass

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// ReportPath is where a device reports the codes it used offline.
const ReportPath = "/v1/breakglass/report"

// ReportBody is the body of a report.
type ReportBody struct {
	Codes []Used `json:"codes"`
}

// Reporter sends a device's reports, authenticated like its lock checks:
// a short-lived token signed with the application's key whose sub is the
// account.
type Reporter struct {
	URL    string // the deadbolt base URL
	Issuer string
	Key    []byte // the application's HS256 signing key
	HTTP   *http.Client
	Now    func() time.Time
}

// Send reports used codes of account and returns the server's answer.
func (r *Reporter) Send(ctx context.Context, account string, used []Used) (Reported, error) {
	now := r.Now()
	raw, err := token.Mint(token.Key{Algorithm: token.HS256, Secret: r.Key}, token.Claims{
		Issuer: r.Issuer, Subject: account, Audience: []string{r.URL},
		IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute),
	})
	if err != nil {
		return Reported{}, err
	}
	body, err := json.Marshal(ReportBody{Codes: used})
	if err != nil {
		return Reported{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.URL, "/")+ReportPath, bytes.NewReader(body))
	if err != nil {
		return Reported{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-nl3-authorization-token", raw)
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return Reported{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return Reported{}, fmt.Errorf("report refused: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var out Reported
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != len(used) {
		return Reported{}, fmt.Errorf("report: unexpected answer %q", b)
	}
	return out, nil
}

// Outcome counts what a report of a file's codes came to.
type Outcome struct {
	Accepted int // reported now, for the first time
	Already  int // reported before: the code was used on another copy of the file too
	Unknown  int // not codes of this account, as far as the server knows
}

// ReportFile reports the file's used, unreported codes and marks in the
// file those the server took (accepted, or reported before).
func (r *Reporter) ReportFile(ctx context.Context, path string) (out Outcome, err error) {
	f, err := ReadFile(path)
	if err != nil {
		return out, err
	}
	pending := f.Unreported()
	if len(pending) == 0 {
		return out, nil
	}
	used := make([]Used, len(pending))
	for i, c := range pending {
		used[i] = Used{Code: c.Code, At: c.Used}
	}
	ans, err := r.Send(ctx, f.Account, used)
	if err != nil {
		return out, err
	}
	took := map[string]bool{}
	for i, res := range ans.Results {
		switch res {
		case Unknown:
			out.Unknown++
			continue
		case Already:
			out.Already++
		default:
			out.Accepted++
		}
		took[Normal(pending[i].Code)] = true
	}
	now := r.Now().UTC()
	err = Update(path, func(f *File) (bool, error) {
		changed := false
		for i, c := range f.Codes {
			if took[Normal(c.Code)] && c.Reported.IsZero() {
				f.Codes[i].Reported, changed = now, true
			}
		}
		return changed, nil
	})
	return out, err
}
