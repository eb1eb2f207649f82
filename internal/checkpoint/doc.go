// Package checkpoint signs the heads of the tenants' audit chains and hands
// the signed checkpoints to outside witnesses.
//
// Job is a background job (one node runs it, under a lease): every round
// it signs each tenant's last audit record with the deployment's Ed25519
// audit key (audit.Signer, derived from the master key) when the chain has
// grown by Events records or Every has passed since its last checkpoint.
// The checkpoint is stored, and in the same transaction written to the
// outbox once per configured witness, so that copies live outside the
// database: a FileWitness appends it to a file, an HTTPWitness posts it.
// `deadbolt audit verify --checkpoints FILE` later compares a witness's
// copy with the database, which catches a history that someone with write
// access rewrote and re-chained.
package checkpoint
