package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

func (a *app) approvalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approval",
		Short: "Export and verify the passkey-signed evidence of approvals",
		Long: `When an approval policy says sign, each approver approves (or denies) in the
portal with their passkey: the passkey signs the SHA-256 of the decision's
canonical JSON (request, account, application, requester, reason, duration,
context, policy, decision and approver). deadbolt keeps the signature, the
passkey's public key and the canonical JSON with the vote.

'approval export' writes them to one self-contained file; 'approval verify'
checks such a file offline, with no database and no server. The format is in
docs/approvals.md ("Signed approval evidence"), so anyone can check it with
any WebAuthn library.`,
	}
	cmd.AddCommand(a.approvalExportCmd(), a.approvalVerifyCmd())
	return cmd
}

func (a *app) approvalVerifyCmd() *cobra.Command {
	var rpID string
	var keys []string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check an evidence file offline: signatures, challenge binding and credentials",
		Long: `Check every signature of an evidence file made by 'deadbolt approval export',
with nothing but the file (no database, no server, no network):
  - canonical_json is in canonical form, and the challenge the passkey signed
    is base64url(SHA-256(canonical_json)): the decision was not changed and
    the assertion was not taken from another decision;
  - the client data is a WebAuthn assertion (webauthn.get) from one of the
    origins, and the authenticator data is for the relying party (RP ID) with
    the user present and verified;
  - the signature over authenticatorData || SHA-256(clientDataJSON) verifies
    with the credential's public key;
  - all signatures decide the same request, each by another approver and
    passkey.

A file is self-consistent by itself; whose passkey signed is what --key
settles: give the SHA-256 fingerprints of the approvers' public keys (as
'verify' prints them) from a source you trust, and any other key is refused.
--rp-id likewise pins the portal's host name.

Exit status: 0 valid, 1 invalid (the reason names the signature and the
field), 2 the file could not be read.`,
		Example: `  deadbolt approval export req_8f2k1 > evidence.json
  deadbolt approval verify evidence.json
  deadbolt approval verify --rp-id lock.acme.test --key 9f86d081884c7d65… evidence.json`,
		Args: cobra.ExactArgs(1),
		// Offline: no configuration, no database.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verifyEvidence(args[0], evidence.Options{RPID: rpID, Keys: keys})
		},
	}
	cmd.Flags().StringVar(&rpID, "rp-id", "", "accept only this relying-party ID (the portal's host name)")
	cmd.Flags().StringArrayVar(&keys, "key", nil, "accept only credentials with this public-key SHA-256 fingerprint (hex; repeatable)")
	return cmd
}

func (a *app) approvalExportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "export REQUEST",
		Short: "Write a request's signed votes as one self-contained evidence file",
		Long: `Write the evidence of request REQUEST (its ID) to standard output: for each
vote signed with a passkey, the canonical JSON of the decision, the WebAuthn
assertion and the passkey's public key. REQUEST is an access request (under a
policy that says sign) or an approval request for an operation (a template
whose mode is sign_and_approve: its statements are version 2). Unsigned votes
are left out; a request with no signed vote is an error. The file is checked
with 'deadbolt approval verify', offline, and its format is in
docs/approvals.md.`,
		Example: `  deadbolt approval export req_8f2k1 > evidence.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			votes, err := requestVotes(ctx, s, args[0])
			if err != nil {
				return err
			}
			var signed []string
			for _, v := range votes {
				if v.Evidence != "" {
					signed = append(signed, v.Evidence)
				}
			}
			if len(signed) == 0 {
				return usageErr("request %s has no signed votes (%d unsigned): only votes under a policy that says sign, or on a sign_and_approve template's request, carry evidence", args[0], len(votes))
			}
			e, err := evidence.Collect(signed)
			if err != nil {
				return err
			}
			return evidence.Write(a.stdout, e)
		},
	}
}

// requestVotes reads the votes of request id, an access request or an
// approval request for an operation of any tenant (the operator's view).
func requestVotes(ctx context.Context, s backend.DB, id string) ([]store.Vote, error) {
	if _, err := s.UnlockRequest(ctx, id); err == nil {
		return s.Votes(ctx, id)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	ts, err := s.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if _, err := s.Operation(ctx, t.ID, id); err == nil {
			return s.OperationVotes(ctx, id)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("request %q: %w", id, store.ErrNotFound)
}

// errEvidenceInvalid marks an evidence file that does not verify.
var errEvidenceInvalid = errors.New("evidence is not valid")

func (a *app) verifyEvidence(path string, opt evidence.Options) error {
	f, err := os.Open(path)
	if err != nil {
		return &exitError{code: ExitInternal, err: err}
	}
	defer f.Close()
	e, err := evidence.Read(f)
	if err == nil {
		var vs []evidence.Verified
		if vs, err = evidence.Verify(e, opt); err == nil {
			return a.printVerified(path, vs)
		}
	}
	return &exitError{code: ExitUsage, err: fmt.Errorf("%s: %w: %w", path, errEvidenceInvalid, err)}
}

func (a *app) printVerified(path string, vs []evidence.Verified) error {
	st := vs[0].Statement
	var text strings.Builder
	fmt.Fprintf(&text, "%s: valid, %d signature(s) on request %s\n", path, len(vs), st.Request)
	if st.V == evidence.VersionOperation {
		fmt.Fprintf(&text, "  operation   %s: %s (template %s)\n", st.Title, st.Text, st.Template)
		fmt.Fprintf(&text, "  about       %s at %s (tenant %s), member %s\n", st.Account, st.Application, st.Tenant, st.Requester)
	} else {
		fmt.Fprintf(&text, "  account     %s at %s (tenant %s)\n", st.Account, st.Application, st.Tenant)
		fmt.Fprintf(&text, "  requester   %s, for %s, reason %q\n", st.Requester, st.Duration(), st.Reason)
		fmt.Fprintf(&text, "  policy      %s\n", st.Policy)
	}
	sigs := make([]map[string]any, 0, len(vs))
	for i, v := range vs {
		s := v.Statement
		fmt.Fprintf(&text, "  %d. %s by %s (%s) at %s\n     passkey %s, public key sha256 %s\n",
			i+1, s.Decision, s.Approver, s.ApproverID, s.IssuedAt, v.CredentialID, v.Fingerprint)
		sigs = append(sigs, map[string]any{"statement": s, "credential_id": v.CredentialID, "key_sha256": v.Fingerprint, "counter": v.Counter})
	}
	return a.print(map[string]any{"valid": true, "request": st.Request, "signatures": sigs}, "%s", text.String())
}
