// Package breakglass opens accounts in an emergency, without approvals,
// and makes sure everybody hears of it.
//
// Online: an account marked break-glass (itself, or through a group its
// owner belongs to) may be opened by its owner or an admin with a reason,
// for at most the mark's cap (DefaultMax when none is given). The unlock
// is an ordinary grant; it is audited as account.break_glass, and every
// owner and admin of the tenant is alerted at once on every member channel
// (notify.EnqueueBreakGlass), whatever they chose.
//
// Offline: Issue makes one-time codes for one account and returns them as
// a File for the device (PAM, legacy systems) that must admit the account
// when it cannot reach deadbolt; the store keeps only each code's
// SHA-256. `deadbolt check --break-glass-file` uses one code per offline
// admission (UseCode, which marks it used in the file under a lock and
// replaces the file atomically) and reports used codes with the
// application's token once the server answers again (Service.Report,
// behind POST /v1/breakglass/report): each code is accepted once,
// audited as breakglass.code_used, and alerted like an online break-glass.
package breakglass
