package iamstate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind is the kind of an IAM principal.
type Kind int

// Principal kinds.
const (
	User Kind = iota + 1
	Role
)

// String returns "user" or "role".
func (k Kind) String() string {
	switch k {
	case User:
		return "user"
	case Role:
		return "role"
	}
	return "unknown"
}

// RolePrefix starts the deadbolt account name of a role.
const RolePrefix = "role/"

// ErrAccount is wrapped by errors about an account name that names no
// possible IAM principal.
var ErrAccount = errors.New("iamstate: not an IAM principal name")

// Principal is an IAM user or role, by name (without path).
type Principal struct {
	Kind Kind
	Name string
}

// iamName is what IAM allows in user and role names.
var iamName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// ParseAccount maps a deadbolt account name to a principal: "role/NAME" is
// the role NAME, anything else is the user of that name. IAM names cannot
// contain "/", so the mapping is unambiguous.
func ParseAccount(account string) (Principal, error) {
	p := Principal{Kind: User, Name: account}
	if name, ok := strings.CutPrefix(account, RolePrefix); ok {
		p = Principal{Kind: Role, Name: name}
	}
	if !iamName.MatchString(p.Name) {
		return Principal{}, fmt.Errorf("%w: %.80q", ErrAccount, account)
	}
	return p, nil
}

// Account returns the deadbolt account name of p (the inverse of
// ParseAccount).
func (p Principal) Account() string {
	if p.Kind == Role {
		return RolePrefix + p.Name
	}
	return p.Name
}

// String returns "user/NAME" or "role/NAME".
func (p Principal) String() string { return p.Kind.String() + "/" + p.Name }
