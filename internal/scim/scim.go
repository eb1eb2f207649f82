package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	lib "github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Where the service is served: Path, and NL3Path where Next Level3's
// customers' identity providers already point.
const (
	Path    = "/scim/v2"
	NL3Path = "/nl3/api/scim/v2"
)

// Scope is the API token scope the service needs (admin tokens hold it).
const Scope = "scim"

// ApplicationSchema is the User extension that enrols the user's account
// at an application, under the name Next Level3 gives it. Its attributes:
// application (the application's issuer host, issuer or ID) and accountId
// (the account's name there; the userName when absent).
const ApplicationSchema = "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User"

// Limits of one request.
const (
	// BodyLimit is the largest request body, in bytes.
	BodyLimit = 1 << 20
	// MaxResults is the most resources one list answers.
	MaxResults = 200
)

func init() {
	// Entra ID sends booleans as strings ("active": "False"). The library
	// keeps the switch in a package variable; deadbolt serves SCIM only
	// here, so it is set once, for every caller, and never changed.
	schema.SetAllowStringValues(true)
}

// Authenticator checks a request's API token and that it holds scope
// (*mgmtapi.API implements it: the token, its rate and its last use).
type Authenticator interface {
	Authenticate(r *http.Request, scope string) (store.APIToken, error)
}

// Store is what the service reads and changes directly; every rule goes
// through Admin and Access.
type Store interface {
	store.Reader
	store.Updater
}

// Handler serves SCIM 2.0. Its fields are set before Register and not
// changed after.
type Handler struct {
	Auth   Authenticator
	Admin  *admin.Service
	Access *access.Service
	Store  Store
	Clock  clock.Clock
	Log    *slog.Logger
	// PublicURL is the deployment's public URL: resources' locations are
	// absolute under it; "" makes them relative.
	PublicURL string
}

// Register serves the SCIM endpoints under Path and NL3Path on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	if h.Clock == nil {
		h.Clock = clock.Real{}
	}
	for _, base := range []string{Path, NL3Path} {
		mux.Handle(base+"/", h.guard(http.StripPrefix(strings.TrimSuffix(base, "/v2"), h.server(base))))
	}
}

func (h *Handler) server(base string) lib.Server {
	var opts []lib.ServerOption
	if h.PublicURL != "" {
		opts = append(opts, lib.WithBaseURL(strings.TrimRight(h.PublicURL, "/")+base))
	}
	opts = append(opts, lib.WithLogger(logger{h.Log}))
	users := &users{h: h}
	groups := &groups{h: h}
	srv, err := lib.NewServer(&lib.ServerArgs{
		ServiceProviderConfig: &lib.ServiceProviderConfig{
			DocumentationURI: optional.NewString("https://github.com/deadbolt-dev/deadbolt/blob/main/docs/scim.md"),
			AuthenticationSchemes: []lib.AuthenticationScheme{{Type: lib.AuthenticationTypeOauthBearerToken,
				Name: "API token", Description: "A deadbolt API token with the scope scim, as Authorization: Bearer", Primary: true}},
			MaxResults:       MaxResults,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: []lib.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Description: optional.NewString("A member of the tenant"), Schema: schema.CoreUserSchema(),
				SchemaExtensions: []lib.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}, {Schema: applicationSchema()}},
				Handler:          users},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Description: optional.NewString("A group of the tenant's members"), Schema: schema.CoreGroupSchema(), Handler: groups},
		},
	}, opts...)
	if err != nil {
		panic(err) // only for missing arguments: a programming error
	}
	return srv
}

func applicationSchema() schema.Schema {
	return schema.Schema{
		ID:          ApplicationSchema,
		Name:        optional.NewString("NextLevel3ApplicationName"),
		Description: optional.NewString("Enrols the user's account at a deadbolt application"),
		Attributes: []schema.CoreAttribute{
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "application",
				Description: optional.NewString("The application: the host of its issuer (its domain), its issuer or its ID"),
				Mutability:  schema.AttributeMutabilityWriteOnly(), Returned: schema.AttributeReturnedNever()})),
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "accountId",
				Description: optional.NewString("The account's name at the application; the userName when absent"),
				CaseExact:   true, Mutability: schema.AttributeMutabilityWriteOnly(), Returned: schema.AttributeReturnedNever()})),
		},
	}
}

type tokenKey struct{}

// call is what a resource handler needs of its request.
type call struct {
	ctx context.Context
	tok store.APIToken
	now time.Time
}

func (h *Handler) call(r *http.Request) call {
	tok, _ := r.Context().Value(tokenKey{}).(store.APIToken)
	return call{ctx: r.Context(), tok: tok, now: h.Clock.Now()}
}

// actor names the token in audit records, as /api/v1 does.
func (c call) actor() string { return "api-token:" + c.tok.ID }

func (c call) tenant() string { return c.tok.TenantID }

func (c call) by() admin.By { return admin.AsToken(c.tenant(), c.actor()) }

// guard lets through requests with a token holding Scope and a body no
// larger than BodyLimit; it answers the others with a SCIM error.
func (h *Handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := h.Auth.Authenticate(r, Scope)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, BodyLimit))
		if err != nil {
			h.writeError(w, r, httpx.Errorf(http.StatusRequestEntityTooLarge, "body_too_large",
				"the request body is larger than %d bytes", BodyLimit))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// writeError answers err in SCIM's error shape, outside the library (the
// token checks).
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	se := h.scimError(r, err)
	he := httpx.ErrorOf(err)
	if he.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((he.RetryAfter+time.Second-1)/time.Second)))
	}
	if se.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="deadbolt SCIM"`)
	}
	b, _ := json.Marshal(se)
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(se.Status)
	w.Write(b)
}

// scimError turns an error of the domain services into a SCIM error: the
// status and message httpx gives it everywhere else, the cause logged
// when it is the server's fault.
func (h *Handler) scimError(r *http.Request, err error) scimerr.ScimError {
	var se scimerr.ScimError
	if errors.As(err, &se) {
		return se
	}
	he := httpx.ErrorOf(err)
	if he.Status >= 500 {
		h.Log.Error("scim", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	se = scimerr.ScimError{Status: he.Status, Detail: he.Message}
	switch he.Status {
	case http.StatusConflict:
		se.ScimType = scimerr.ScimTypeUniqueness
	case http.StatusBadRequest:
		se.ScimType = scimerr.ScimTypeInvalidValue
	}
	return se
}

// badRequest is a 400 of scimType typ.
func badRequest(typ scimerr.ScimType, format string, args ...any) error {
	return scimerr.ScimError{ScimType: typ, Status: http.StatusBadRequest, Detail: fmt.Sprintf(format, args...)}
}

// notFound is the 404 of a resource the tenant does not have (whether or
// not another tenant has it).
func notFound(kind, id string) error {
	return scimerr.ScimError{Status: http.StatusNotFound, Detail: kind + " " + id + " not found"}
}

// logger is the library's Logger on slog.
type logger struct{ l *slog.Logger }

func (l logger) Error(args ...any) { l.l.Error("scim library", "detail", args) }
