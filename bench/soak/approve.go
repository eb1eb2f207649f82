package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

// ownerEmail owns the request accounts of every install.
const ownerEmail = "owner@acme.test"

// approver is the owner of an install's request accounts, signed in to
// each of its nodes with a software passkey. Checks of a locked request
// account raise unlock requests; the approver approves them, each for one
// sign-in, through the portal of a random node.
type approver struct {
	in      *install
	host    string // the portal's host name
	key     *softkey.Key
	clients map[string]*softkey.Client // by node name

	mu        sync.Mutex
	attempted int // approvals sent (acknowledged or not)
	acked     int // approvals the portal acknowledged
	failed    []string
}

// requestAccounts is how many accounts of each install are left to
// unlock requests and their approvals (the operators never touch them).
const requestAccounts = 4

// newApprover creates the owner, registers a passkey through the setup
// link, and enrols the request accounts in the owner's name.
func newApprover(ctx context.Context, c *cluster, in *install) (*approver, error) {
	first := in.nodes[0]
	out, err := c.cli(ctx, in, "member", "invite", "--tenant", "acme", "--email", ownerEmail, "--role", "owner",
		"--public-url", first.url(), "--json")
	if err != nil {
		return nil, err
	}
	var inv struct{ Link string }
	if err := json.Unmarshal([]byte(out), &inv); err != nil || inv.Link == "" {
		return nil, fmt.Errorf("member invite printed %q", out)
	}
	link, err := url.Parse(inv.Link)
	if err != nil {
		return nil, err
	}
	// The portal lives at the host its links name (a loopback server's
	// links say localhost), on each node's port.
	ap := &approver{in: in, clients: map[string]*softkey.Client{}, host: link.Hostname()}
	if ap.key, err = softkey.New(ap.portal(first)); err != nil {
		return nil, err
	}
	cl, err := softkey.NewClient(ap.portal(first))
	if err != nil {
		return nil, err
	}
	if _, err := cl.Setup(ctx, ap.key, inv.Link, "soak"); err != nil {
		return nil, fmt.Errorf("registering the owner's passkey on node %s: %w", first.name, err)
	}
	ap.clients[first.name] = cl
	for i := range requestAccounts {
		a := fmt.Sprintf("%s-rq%d", in.name, i)
		if _, err := c.cli(ctx, in, "account", "enroll", "--app", in.issuer, "--account", a, "--owner", ownerEmail); err != nil {
			return nil, err
		}
		in.requestAccounts = append(in.requestAccounts, a)
	}
	return ap, nil
}

var approveForm = regexp.MustCompile(`/requests/([0-9a-fA-F-]{36})/approve`)

// run approves pending requests until ctx ends.
func (ap *approver) run(ctx context.Context, pause time.Duration) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for ctx.Err() == nil {
		sleep(ctx, pause/2+time.Duration(rng.Int64N(int64(pause))))
		n := ap.in.nodes[rng.IntN(len(ap.in.nodes))]
		if n.current() == nil {
			continue
		}
		cl, err := ap.signedIn(ctx, n)
		if err != nil {
			ap.fail(fmt.Sprintf("node %s: signing in: %v", n.name, err))
			continue
		}
		ids, err := ap.pending(ctx, cl)
		if err != nil {
			ap.fail(fmt.Sprintf("node %s: reading requests: %v", n.name, err))
			delete(ap.clients, n.name) // sign in again next time
			continue
		}
		for _, id := range ids {
			ap.mu.Lock()
			ap.attempted++
			ap.mu.Unlock()
			resp, err := cl.PostForm(context.Background(), "/requests/"+id+"/approve", url.Values{"once": {"1"}})
			if err != nil {
				ap.fail(fmt.Sprintf("node %s: approving: %v", n.name, transportCause(err)))
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				ap.fail(fmt.Sprintf("node %s: approving: %s", n.name, resp.Status))
				continue
			}
			ap.mu.Lock()
			ap.acked++
			ap.mu.Unlock()
		}
	}
}

// signedIn returns a tab on node n with the owner signed in.
func (ap *approver) signedIn(ctx context.Context, n *node) (*softkey.Client, error) {
	if cl, ok := ap.clients[n.name]; ok {
		return cl, nil
	}
	cl, err := softkey.NewClient(ap.portal(n))
	if err != nil {
		return nil, err
	}
	ap.key.Origin = ap.portal(n) // one credential, one relying party; each node is its own origin
	if _, err := cl.SignIn(ctx, ap.key); err != nil {
		return nil, err
	}
	ap.clients[n.name] = cl
	return cl, nil
}

// portal is node n's portal URL.
func (ap *approver) portal(n *node) string {
	_, port, _ := net.SplitHostPort(n.addr)
	return "http://" + net.JoinHostPort(ap.host, port)
}

// pending lists the IDs of the requests the owner's home page offers to
// approve.
func (ap *approver) pending(ctx context.Context, cl *softkey.Client) ([]string, error) {
	resp, err := cl.Get(ctx, "/")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		return nil, fmt.Errorf("home page: %s at %s", resp.Status, resp.Request.URL.Path)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, m := range approveForm.FindAllStringSubmatch(string(body), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	return ids, nil
}

func (ap *approver) fail(msg string) {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if len(ap.failed) < 1000 {
		ap.failed = append(ap.failed, msg)
	}
}
