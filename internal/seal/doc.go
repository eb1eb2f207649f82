// Package seal encrypts secrets at rest (application signing secrets) with
// AES-256-GCM under deadbolt's master key, and finds or creates that key.
//
// A sealed value is: version byte 0x01 || 12-byte random nonce || ciphertext
// with its 16-byte tag. Callers bind each value to its owner (for a signing
// key, its kid) as additional authenticated data, so a sealed secret copied
// onto another row does not open.
package seal
