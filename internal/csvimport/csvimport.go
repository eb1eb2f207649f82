package csvimport

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Row is one account to enroll.
type Row struct {
	Line    int
	Account string
	Owner   string // email, may be empty
	Name    string // the owner's name, from NL3 first/last name
	Unlock  bool   // state=unlocked
}

// RowError is a row that cannot be imported.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Parsed is a whole file, checked.
type Parsed struct {
	Rows   []Row
	Bad    []RowError
	SHA256 string
}

// ErrHeader: the file has no usable header row.
var ErrHeader = errors.New("CSV header must name an account column: account (deadbolt) or userAccountId (Next Level3)")

// Parse reads and checks a whole CSV file.
func Parse(r io.Reader) (Parsed, error) {
	h := sha256.New()
	cr := csv.NewReader(io.TeeReader(r, h))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return Parsed{}, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		col[name] = i
	}
	acctCol, ok := col["account"]
	if !ok {
		if acctCol, ok = col["useraccountid"]; !ok {
			return Parsed{}, ErrHeader
		}
	}
	ownerCol, hasOwner := col["owner"]
	if !hasOwner {
		ownerCol, hasOwner = col["email"]
	}
	stateCol, hasState := col["state"]
	firstCol, hasFirst := col["first_name"]
	lastCol, hasLast := col["last_name"]

	var p Parsed
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				p.Bad = append(p.Bad, RowError{Line: pe.Line, Reason: pe.Err.Error()})
				continue
			}
			return Parsed{}, err
		}
		field := func(i int, ok bool) string {
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		row := Row{Line: line, Account: field(acctCol, true), Owner: strings.ToLower(field(ownerCol, hasOwner))}
		row.Name = strings.TrimSpace(field(firstCol, hasFirst) + " " + field(lastCol, hasLast))
		switch st := strings.ToLower(field(stateCol, hasState)); st {
		case "", "locked":
		case "unlocked":
			row.Unlock = true
		default:
			p.Bad = append(p.Bad, RowError{line, fmt.Sprintf("state must be locked or unlocked, not %q", st)})
			continue
		}
		if reason := CheckRow(row); reason != "" {
			p.Bad = append(p.Bad, RowError{line, reason})
			continue
		}
		if first, dup := seen[row.Account]; dup {
			p.Bad = append(p.Bad, RowError{line, fmt.Sprintf("account %q already appears on line %d", row.Account, first)})
			continue
		}
		seen[row.Account] = line
		p.Rows = append(p.Rows, row)
	}
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// CheckRow says what is wrong with row's account name or owner email,
// or "" when nothing is: the checks every import applies (this CSV, NL3's
// importUsers JSON).
func CheckRow(row Row) string {
	if err := access.CheckAccountName(row.Account); err != nil {
		return fmt.Sprintf("account %q: %s", row.Account, strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": "))
	}
	if row.Owner != "" && !looksLikeEmail(row.Owner) {
		return fmt.Sprintf("owner %q is not an email address", row.Owner)
	}
	return ""
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t,;<>")
}

// Result counts what an import did.
type Result struct {
	Enrolled       int `json:"enrolled"`
	AlreadyPresent int `json:"already_enrolled"`
	Unlocked       int `json:"unlocked"`
	MembersCreated int `json:"members_created"`
	Skipped        int `json:"skipped_bad_rows"`
	// Present lists the lines of the rows that were already enrolled, in
	// order; an import that reports per row reads it.
	Present []int `json:"-"`
}

// Apply imports rows into app in one transaction. Accounts already enrolled
// are left as they are. progress, if not nil, is called with the number of
// rows done so far. Rows marked unlocked get a grant of the application's
// maximum unlock time, so they too lock again by themselves. A row whose
// owner is a member with an unverified email (admin.ErrEmailUnverified)
// fails the whole import, naming its line: nothing is bound to such a
// member by email.
func Apply(ctx context.Context, s store.Updater, actor string, app store.Application, p Parsed, now time.Time, progress func(done int)) (Result, error) {
	res := Result{Skipped: len(p.Bad)}
	err := s.Update(ctx, func(tx store.Tx) error {
		res = Result{Skipped: len(p.Bad)}
		members := map[string]string{} // email → member ID
		for i, row := range p.Rows {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if progress != nil {
					progress(i)
				}
			}
			_, err := tx.Account(ctx, app.ID, row.Account)
			if err == nil {
				res.AlreadyPresent++
				res.Present = append(res.Present, row.Line)
				continue
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			a := store.Account{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, Name: row.Account, CreatedAt: now, UpdatedAt: now}
			if row.Owner != "" {
				id, ok := members[row.Owner]
				if !ok {
					m, err := tx.MemberByEmail(ctx, app.TenantID, row.Owner)
					switch {
					case errors.Is(err, store.ErrNotFound):
						// The file names the email: like any member an
						// operator creates, it counts as verified.
						// The import's one audit event counts them.
						if m, err = (admin.NewMember{TenantID: app.TenantID, Email: row.Owner, Name: row.Name}).Record(now); err == nil {
							err = tx.CreateMember(ctx, m)
						}
						res.MembersCreated++
					case err == nil:
						err = admin.Bindable(m)
					}
					if err != nil {
						return fmt.Errorf("line %d: owner %s: %w", row.Line, row.Owner, err)
					}
					id = m.ID
					members[row.Owner] = id
				}
				a.OwnerID = id
			}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return fmt.Errorf("line %d: account %q: %w", row.Line, row.Account, err)
			}
			res.Enrolled++
			if row.Unlock {
				g := store.Grant{ID: ids.New(), TenantID: app.TenantID, AccountID: a.ID, Until: now.Add(app.MaxUnlock),
					Reason: "imported as unlocked", GrantedBy: actor, CreatedAt: now}
				if err := tx.PutGrant(ctx, g); err != nil {
					return fmt.Errorf("line %d: unlock %q: %w", row.Line, row.Account, err)
				}
				res.Unlocked++
			}
		}
		if progress != nil {
			progress(len(p.Rows))
		}
		return store.AppendAudit(ctx, tx, app.TenantID, actor, "accounts.imported", "application:"+app.ID, map[string]any{
			"application": app.Issuer, "file_sha256": p.SHA256, "enrolled": res.Enrolled, "already_enrolled": res.AlreadyPresent,
			"unlocked": res.Unlocked, "members_created": res.MembersCreated, "skipped_bad_rows": res.Skipped,
		}, now)
	})
	return res, err
}
