package capture

import (
	"errors"
	"syscall"
	"testing"
)

// TestPermissionErrorMapping: EPERM and EACCES from opening a capture
// become ErrPermission with the advice, and keep the system error.
func TestPermissionErrorMapping(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EPERM, syscall.EACCES} {
		err := openFailed("eth0", "opening a packet socket", errno)
		if !errors.Is(err, ErrPermission) || !errors.Is(err, errno) {
			t.Errorf("%v: %v is not ErrPermission wrapping the errno", errno, err)
		}
		want := "reading eth0: capturing needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities: run as root, or give the binary the capabilities once with: sudo setcap cap_net_raw,cap_net_admin+ep $(command -v segscope)"
		if err.Error() != want {
			t.Errorf("message\n%s\nwant\n%s", err, want)
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Source != "eth0" {
			t.Errorf("%v is not a *capture.Error for eth0", err)
		}
	}
	err := openFailed("eth0", "setting the socket buffer", syscall.ENOMEM)
	if errors.Is(err, ErrPermission) || err.Error() != "reading eth0: setting the socket buffer: "+syscall.ENOMEM.Error() {
		t.Errorf("ENOMEM: %v", err)
	}
}

func TestNoInterfaceMessage(t *testing.T) {
	err := error(&Error{Source: "eth9", Err: noInterfaceError{name: "eth9", names: []string{"lo", "eth0"}}})
	if !errors.Is(err, ErrNoInterface) || err.Error() != `reading eth9: no interface "eth9"; interfaces here: lo, eth0` {
		t.Errorf("got %v", err)
	}
}
