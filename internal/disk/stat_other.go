//go:build !linux

package disk

// Stat reports ErrUnsupported: free space is read on Linux only.
func Stat(dir string) (Usage, error) { return Usage{}, ErrUnsupported }
