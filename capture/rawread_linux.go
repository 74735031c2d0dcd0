package capture

import (
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawFile reads a regular file with read(2) issued as a raw system call,
// one the Go scheduler is not told of, for a program given one core. An
// ordinary read of a 1-2 MiB chunk (0.1-0.2 ms from the page cache)
// outlasts the runtime's 20 µs check of system calls, so sysmon hands the
// only P off and the read's return has to win it back: real-1500 read on
// one core made 4 200 context switches and took 285 ms, against 215 ms
// and 180 switches read raw (perf stat, interleaved). A raw read of a
// regular file on a local filesystem blocks only for the disk, and with
// one core nothing else would run meanwhile anyway; a signal (Ctrl-C) is
// handled when the read returns. A file on a network or FUSE filesystem,
// whose reads can block for seconds, is read as any other.
type rawFile struct {
	f    *os.File // kept: its finalizer would close fd
	fd   int
	name string
}

func rawReads(f *os.File) io.Reader {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil || remoteFS[int64(st.Type)] {
		return f
	}
	return &rawFile{f: f, fd: int(f.Fd()), name: f.Name()}
}

// remoteFS are the filesystem types (statfs f_type) whose reads may wait
// on a network or another process.
var remoteFS = map[int64]bool{
	0x6969:     true, // NFS
	0x517b:     true, // SMB
	0xff534d42: true, // CIFS
	0xfe534d42: true, // SMB2
	0x65735546: true, // FUSE
	0x00c36400: true, // Ceph
	0x5346414f: true, // AFS
	0x01021997: true, // 9p
}

func (r *rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(r.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			return 0, &os.PathError{Op: "read", Path: r.name, Err: errno}
		case n == 0:
			return 0, io.EOF
		}
		return int(n), nil
	}
}
