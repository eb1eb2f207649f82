package exposure

import (
	"strconv"
	"time"
)

// Kinds of what opened an account.
const (
	Grant      = "grant"
	Approval   = "approval"
	BreakGlass = "break-glass"
	Schedule   = "schedule"
)

// OtherAccounts names the row that adds up the blocked sign-ins of the
// accounts past MaxAccounts.
const OtherAccounts = "(other accounts)"

// Bounds on what one report keeps in memory.
const (
	// MaxOrigins is how many client addresses are counted per account;
	// sign-ins from further addresses count in the row's OtherOrigins.
	MaxOrigins = 1000
	// MaxAccounts is how many accounts with only blocked sign-ins get a
	// row of their own.
	MaxAccounts = 100000
)

// Seconds is a length of time written as a number of seconds in JSON.
type Seconds time.Duration

// MarshalJSON writes s as seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

// Report is the exposure of one tenant's accounts over [Since, Until).
type Report struct {
	Tenant      string    `json:"tenant"`
	Application string    `json:"application,omitempty"` // the issuer, when the report covers one application
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until"`
	// Zone is the time zone of Days and Heat.
	Zone string `json:"zone"`
	// Countries is set when a GeoIP database located the addresses.
	Countries bool      `json:"countries"`
	Totals    Totals    `json:"totals"`
	Accounts  []Account `json:"accounts"`
	Unlocks   []Unlock  `json:"unlocks"`
	Days      []Day     `json:"days"`
	// Heat counts blocked sign-ins by weekday (Monday first) and hour.
	Heat [7][24]int `json:"blocked_by_weekday_hour"`
	// Origins are the addresses with the most blocked sign-ins, most first.
	Origins []Origin `json:"blocked_from"`
	// Caveats say what the report could not reconstruct exactly.
	Caveats []string `json:"caveats"`
}

// Times are how long accounts were open in the period, in all and by what
// opened them, and how long a hard lock closed them.
type Times struct {
	Open       Seconds `json:"open_seconds"`
	Grant      Seconds `json:"grant_seconds"`
	Approval   Seconds `json:"approval_seconds"`
	BreakGlass Seconds `json:"break_glass_seconds"`
	Schedule   Seconds `json:"schedule_seconds"`
	// Locked is the time in the period in which a hard lock closed the
	// account (a lockdown of its application or its owner, its owner's
	// "lock everything", a lock policy), taken off every kind; counted
	// for the accounts with open time or unlocks.
	Locked Seconds `json:"locked_seconds"`
}

// add adds o to t.
func (t *Times) add(o Times) {
	t.Open += o.Open
	t.Grant += o.Grant
	t.Approval += o.Approval
	t.BreakGlass += o.BreakGlass
	t.Schedule += o.Schedule
	t.Locked += o.Locked
}

// Totals add up the accounts.
type Totals struct {
	Times // the accounts' Times added up
	// Accounts counts the accounts that were open at some time.
	Accounts int `json:"accounts_open"`
	Unlocks  int `json:"unlocks"`
	Unused   int `json:"unused_unlocks"`
	Allowed  int `json:"allowed_signins"`
	Blocked  int `json:"blocked_signins"`
}

// Account is one account's exposure.
type Account struct {
	AppID       string `json:"-"`
	Application string `json:"application"` // issuer
	AppName     string `json:"application_name"`
	Account     string `json:"account"`
	Owner       string `json:"owner,omitempty"` // email
	Times
	Unlocks int `json:"unlocks"`
	Unused  int `json:"unused_unlocks"`
	// Approvers are everyone who approved an unlock of the account.
	Approvers    []string `json:"approvers"`
	Allowed      int      `json:"allowed_signins"`
	Blocked      int      `json:"blocked_signins"`
	From         []Origin `json:"blocked_from"`
	OtherOrigins int      `json:"blocked_from_other_addresses,omitempty"`

	origins map[string]int
	unlocks []*Unlock
}

// Origin is where blocked sign-ins came from.
type Origin struct {
	IP      string `json:"ip"`
	Country string `json:"country,omitempty"`
	Count   int    `json:"count"`
}

// Unlock is one opening of an account: a grant (of any kind), or an
// offline break-glass code used.
type Unlock struct {
	Kind        string `json:"kind"`
	Application string `json:"application"`
	Account     string `json:"account"`
	Grant       string `json:"grant,omitempty"`
	Request     string `json:"request,omitempty"`
	Code        string `json:"code,omitempty"` // an offline break-glass code
	By          string `json:"by"`             // the audit actor that made it
	// Approvers approved it: the approval policy's voters, or the owner
	// who approved the request alone.
	Approvers []string  `json:"approvers,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Once      bool      `json:"once"`
	Start     time.Time `json:"start"`
	// End is when it closed (Until, its use or its revocation).
	End time.Time `json:"end"`
	// Open is how long it held the account open within the period.
	Open Seconds `json:"open_seconds"`
	// SignIns counts the allowed sign-ins while it was open.
	SignIns int  `json:"signins"`
	Used    bool `json:"used"`

	appID string
}

// Day is one calendar day of the trend.
type Day struct {
	Date    string  `json:"date"` // 2006-01-02 in the report's zone
	Open    Seconds `json:"open_seconds"`
	Blocked int     `json:"blocked_signins"`
	start   time.Time
}
