//go:build !unix

package tempdir

// alive cannot be told here without more machinery: every process is
// taken as alive, so nothing is reaped.
func alive(int) bool { return true }
