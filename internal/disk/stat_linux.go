package disk

import "syscall"

// Stat reads the filesystem that holds dir.
func Stat(dir string) (Usage, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return Usage{}, err
	}
	const stRdonly = 0x1 // ST_RDONLY
	bs := uint64(s.Bsize)
	return Usage{Free: s.Bavail * bs, Total: s.Blocks * bs, ReadOnly: s.Flags&stRdonly != 0}, nil
}
