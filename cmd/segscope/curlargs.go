package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// curlLongValued are curl's long options that take a value (curl 7.88's
// and 8.14's "curl --help all", every option shown with an argument):
// curl reads it from the next argument, never after "=".
var curlLongValued = setOf(
	"--abstract-unix-socket", "--alt-svc", "--aws-sigv4", "--cacert", "--capath", "--cert",
	"--cert-type", "--ciphers", "--config", "--connect-timeout", "--connect-to", "--continue-at",
	"--cookie", "--cookie-jar", "--create-file-mode", "--crlfile", "--curves", "--data",
	"--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "--delegation", "--dns-interface",
	"--dns-ipv4-addr", "--dns-ipv6-addr", "--dns-servers", "--doh-url", "--dump-header", "--ech",
	"--egd-file", "--engine", "--etag-compare", "--etag-save", "--expect100-timeout", "--form",
	"--form-string", "--ftp-account", "--ftp-alternative-to-user", "--ftp-method", "--ftp-port", "--ftp-ssl-ccc-mode",
	"--happy-eyeballs-timeout-ms", "--haproxy-clientip", "--header", "--hostpubmd5", "--hostpubsha256", "--hsts",
	"--interface", "--ip-tos", "--ipfs-gateway", "--json", "--keepalive-cnt", "--keepalive-time",
	"--key", "--key-type", "--krb", "--libcurl", "--limit-rate", "--local-port",
	"--login-options", "--mail-auth", "--mail-from", "--mail-rcpt", "--max-filesize", "--max-redirs",
	"--max-time", "--netrc-file", "--noproxy", "--oauth2-bearer", "--output", "--output-dir",
	"--parallel-max", "--pass", "--pinnedpubkey", "--preproxy", "--proto", "--proto-default",
	"--proto-redir", "--proxy", "--proxy-cacert", "--proxy-capath", "--proxy-cert", "--proxy-cert-type",
	"--proxy-ciphers", "--proxy-crlfile", "--proxy-header", "--proxy-key", "--proxy-key-type", "--proxy-pass",
	"--proxy-pinnedpubkey", "--proxy-service-name", "--proxy-tls13-ciphers", "--proxy-tlsauthtype", "--proxy-tlspassword", "--proxy-tlsuser",
	"--proxy-user", "--proxy1.0", "--pubkey", "--quote", "--random-file", "--range",
	"--rate", "--referer", "--request", "--request-target", "--resolve", "--retry",
	"--retry-delay", "--retry-max-time", "--sasl-authzid", "--service-name", "--sigalgs", "--socks4",
	"--socks4a", "--socks5", "--socks5-gssapi-service", "--socks5-hostname", "--speed-limit", "--speed-time",
	"--ssl-sessions", "--stderr", "--telnet-option", "--tftp-blksize", "--time-cond", "--tls-max",
	"--tls13-ciphers", "--tlsauthtype", "--tlspassword", "--tlsuser", "--trace", "--trace-ascii",
	"--trace-config", "--unix-socket", "--upload-file", "--upload-flags", "--url", "--url-query",
	"--user", "--user-agent", "--variable", "--vlan-priority", "--write-out",
)

// curlLongFlags are curl's long options that take no value (the same
// lists), for telling an abbreviation apart: curl 7 takes a unique prefix
// of a long option for it ("--max-t 5"; review 36: its value had been
// taken for a URL).
var curlLongFlags = setOf(
	"--help",
	"--anyauth", "--append", "--basic", "--ca-native", "--cert-status", "--compressed",
	"--compressed-ssh", "--create-dirs", "--crlf", "--digest", "--disable", "--disable-eprt",
	"--disable-epsv", "--disallow-username-in-url", "--doh-cert-status", "--doh-insecure", "--dump-ca-embed", "--fail",
	"--fail-early", "--fail-with-body", "--false-start", "--form-escape", "--ftp-create-dirs", "--ftp-pasv",
	"--ftp-pret", "--ftp-skip-pasv-ip", "--ftp-ssl-ccc", "--ftp-ssl-control", "--get", "--globoff",
	"--haproxy-protocol", "--head", "--http0.9", "--http1.0", "--http1.1", "--http2",
	"--http2-prior-knowledge", "--http3", "--http3-only", "--ignore-content-length", "--include", "--insecure",
	"--ipv4", "--ipv6", "--junk-session-cookies", "--list-only", "--location", "--location-trusted",
	"--mail-rcpt-allowfails", "--manual", "--metalink", "--mptcp", "--negotiate", "--netrc",
	"--netrc-optional", "--next", "--no-alpn", "--no-buffer", "--no-clobber", "--no-keepalive",
	"--no-npn", "--no-progress-meter", "--no-sessionid", "--ntlm", "--ntlm-wb", "--parallel",
	"--parallel-immediate", "--path-as-is", "--post301", "--post302", "--post303", "--progress-bar",
	"--proxy-anyauth", "--proxy-basic", "--proxy-ca-native", "--proxy-digest", "--proxy-http2", "--proxy-insecure",
	"--proxy-negotiate", "--proxy-ntlm", "--proxy-ssl-allow-beast", "--proxy-ssl-auto-client-cert", "--proxy-tlsv1", "--proxytunnel",
	"--raw", "--remote-header-name", "--remote-name", "--remote-name-all", "--remote-time", "--remove-on-error",
	"--retry-all-errors", "--retry-connrefused", "--sasl-ir", "--show-error", "--show-headers", "--silent",
	"--skip-existing", "--socks5-basic", "--socks5-gssapi", "--socks5-gssapi-nec", "--ssl", "--ssl-allow-beast",
	"--ssl-auto-client-cert", "--ssl-no-revoke", "--ssl-reqd", "--ssl-revoke-best-effort", "--sslv2", "--sslv3",
	"--styled-output", "--suppress-connect-headers", "--tcp-fastopen", "--tcp-nodelay", "--tftp-no-options", "--tls-earlydata",
	"--tlsv1", "--tlsv1.0", "--tlsv1.1", "--tlsv1.2", "--tlsv1.3", "--tr-encoding",
	"--trace-ids", "--trace-time", "--use-ascii", "--verbose", "--version", "--xattr",
)

// longName is the option a long argument names: itself, or the one
// option it is a unique prefix of (curl 7); "" when it names none.
func longName(a string) string {
	if curlLongValued[a] || curlLongFlags[a] {
		return a
	}
	found := ""
	for _, m := range []map[string]bool{curlLongValued, curlLongFlags} {
		for o := range m {
			if strings.HasPrefix(o, a) {
				if found != "" {
					return "" // ambiguous
				}
				found = o
			}
		}
	}
	return found
}

// setOf is the set of names.
func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// curlShortValued are curl's one-letter options that take a value: in a
// cluster such as -sSo FILE or -sxPROXY, what follows one of them (the rest
// of the cluster, or else the next argument) is its value.
const curlShortValued = "ACDEFHKPQTUXYbcdemortuwxyz"

// curlOpt is one option as curl reads it: "-o" or "--output", and its
// value when it takes one.
type curlOpt struct {
	name, value string
}

// curlLine is curl's command line as curl reads it: its options, each with
// its value, and the URLs (the arguments that are neither, and --url's).
type curlLine struct {
	opts []curlOpt
	urls []string
	// dashes is the index of the "--" after which every argument is a
	// URL; -1 without one. Options added to the line go before it.
	dashes int
}

// has tells whether any of the options names was given.
func (l curlLine) has(names ...string) bool {
	for _, o := range l.opts {
		for _, n := range names {
			if o.name == n {
				return true
			}
		}
	}
	return false
}

// values are the values of the options names, in order.
func (l curlLine) values(names ...string) []string {
	var out []string
	for _, o := range l.opts {
		for _, n := range names {
			if o.name == n {
				out = append(out, o.value)
			}
		}
	}
	return out
}

// parseCurlLine reads curl's arguments as curl does. An option that takes
// a value and ends the line without one is an error, as curl says it: left
// so, it would take segscope's own --trace for its value (review 32: the
// body written to a file named "--trace", exit 3 instead of curl's 2).
func parseCurlLine(args []string) (curlLine, error) {
	l := curlLine{dashes: -1}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			// curl reads every argument after it as a URL.
			l.urls = append(l.urls, args[i+1:]...)
			l.dashes = i
			return l, nil
		case strings.HasPrefix(a, "--") && len(a) > 2:
			if n := longName(a); n != "" {
				a = n
			}
			o := curlOpt{name: a}
			if curlLongValued[a] {
				if i+1 >= len(args) {
					return l, fmt.Errorf("curl option %s: requires parameter", a)
				}
				i++
				o.value = args[i]
			}
			l.opts = append(l.opts, o)
			if a == "--url" {
				l.urls = append(l.urls, o.value)
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				o := curlOpt{name: "-" + a[j:j+1]}
				if strings.IndexByte(curlShortValued, a[j]) < 0 {
					l.opts = append(l.opts, o)
					continue
				}
				switch {
				case j+1 < len(a):
					o.value = a[j+1:]
				case i+1 < len(args):
					i++
					o.value = args[i]
				default:
					return l, fmt.Errorf("curl option %s: requires parameter", o.name)
				}
				l.opts = append(l.opts, o)
				break
			}
		default:
			l.urls = append(l.urls, a)
		}
	}
	return l, nil
}

// curlOutput is a file curl writes a body to, and the option that says so.
type curlOutput struct {
	path, flag string
}

// outputs are the files curl writes bodies to: each -o/--output (not "-"
// or /dev/null), and with -O/--remote-name (or --remote-name-all) every
// URL's last path segment, in --output-dir when it is given.
func (l curlLine) outputs() []curlOutput {
	dir := ""
	if v := l.values("--output-dir"); len(v) > 0 {
		dir = v[len(v)-1]
	}
	at := func(p string) string {
		if dir != "" && !filepath.IsAbs(p) {
			return filepath.Join(dir, p)
		}
		return p
	}
	var out []curlOutput
	for _, o := range l.opts {
		if (o.name == "-o" || o.name == "--output") && o.value != "-" && o.value != os.DevNull {
			out = append(out, curlOutput{at(o.value), o.name + " " + o.value})
		}
	}
	if l.has("-O", "--remote-name", "--remote-name-all") {
		for _, u := range l.urls {
			p := u
			if i := strings.IndexAny(p, "?#"); i >= 0 {
				p = p[:i]
			}
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
			}
			if i := strings.LastIndexByte(p, '/'); i >= 0 && i+1 < len(p) {
				out = append(out, curlOutput{at(p[i+1:]), "-O " + u})
			}
		}
	}
	return out
}
