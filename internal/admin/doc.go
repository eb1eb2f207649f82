// Package admin carries out an administrator's changes to tenants,
// applications, signing keys, members and webhooks, for the CLI and the
// portal alike. Each change validates its input (ErrInvalid-wrapped errors
// that name the field), writes in one store transaction, and records its
// audit event in that same transaction.
package admin
