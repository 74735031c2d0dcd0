package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Where curl really connects, for the capture filter: the URL's host and
// port, unless --connect-to sends it elsewhere, --resolve names its
// addresses, or a proxy (-x/--proxy, or the environment's http_proxy,
// https_proxy, ALL_PROXY, less NO_PROXY, as curl reads them) takes the
// connection instead.

// curlRoutes is what curl's options and environment say about where it
// connects.
type curlRoutes struct {
	resolve   map[string][]netip.Addr // "host:port" -> addresses (--resolve)
	connectTo []connectTo
	proxy     string // -x/--proxy; "" when none given
	proxySet  bool   // -x was given (an empty value turns the proxy off)
	noProxy   string
	env       func(string) string
}

type connectTo struct{ fromHost, fromPort, toHost, toPort string }

// target finds the URLs in curl's arguments (not the values of options
// such as -e that take URLs too) and the addresses and ports curl will
// connect to for them: every address a name resolves to, since curl may
// pick any of them.
func target(args []string) ([]netip.Addr, []uint16, error) {
	return targetWith(args, os.Getenv, net.LookupHost)
}

func targetWith(args []string, env func(string) string, lookup func(string) ([]string, error)) ([]netip.Addr, []uint16, error) {
	line, err := parseCurlLine(args)
	if err != nil {
		return nil, nil, err
	}
	return line.target(env, lookup)
}

// target is targetWith for a parsed command line.
func (line curlLine) target(env func(string) string, lookup func(string) ([]string, error)) ([]netip.Addr, []uint16, error) {
	r := curlRoutes{resolve: map[string][]netip.Addr{}, env: env}
	for _, o := range line.opts {
		switch o.name {
		case "--resolve":
			if err := r.addResolve(o.value); err != nil {
				return nil, nil, err
			}
		case "--connect-to":
			if err := r.addConnectTo(o.value); err != nil {
				return nil, nil, err
			}
		case "-x", "--proxy":
			r.proxy, r.proxySet = o.value, true
		case "--noproxy":
			r.noProxy = o.value
		}
	}
	// Over a Unix socket curl connects to no host: it resolves none
	// (review 32: http://docker/ was refused, "resolving docker"), and
	// loopback is as good a place to listen as any.
	unix := line.has("--unix-socket", "--abstract-unix-socket")
	def := "http"
	if v := line.values("--proto-default"); len(v) > 0 {
		def = v[len(v)-1]
	}
	var urls []string
	for _, u := range line.urls {
		urls = append(urls, withScheme(u, def))
	}
	var addrs []netip.Addr
	var ports []uint16
	add := func(ips []netip.Addr, port uint16) {
		for _, ip := range ips {
			if ip = ip.Unmap(); !slices.Contains(addrs, ip) {
				addrs = append(addrs, ip)
			}
		}
		if !slices.Contains(ports, port) {
			ports = append(ports, port)
		}
	}
	for _, a := range urls {
		u, err := url.Parse(a)
		if err != nil || u.Hostname() == "" {
			// (Review 36: a glob in the host or port, a bad escape, was
			// dropped in silence, and its transfer not captured.)
			return nil, nil, fmt.Errorf("curl's URL %q: segscope cannot read its host and port from it (a glob in the host or port, or a bad %%-escape): give each URL as curl fetches it", a)
		}
		port := u.Port()
		if port == "" {
			switch u.Scheme {
			case "https":
				port = "443"
			case "http":
				port = "80"
			default:
				return nil, nil, fmt.Errorf("%s: only http and https URLs are explained", a)
			}
		}
		host := u.Hostname()
		if unix {
			p, err := strconv.ParseUint(port, 10, 16)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: bad port %q", a, port)
			}
			add([]netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}, uint16(p))
			continue
		}
		if proxy := r.proxyFor(u.Scheme, host); proxy != "" {
			h, p, err := proxyAddr(proxy)
			if err != nil {
				return nil, nil, err
			}
			host, port = h, p
		} else {
			host, port = r.connect(host, port)
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: bad port %q", a, port)
		}
		if ips, ok := r.resolve[strings.ToLower(host)+":"+port]; ok {
			add(ips, uint16(p))
			continue
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			add([]netip.Addr{ip}, uint16(p))
			continue
		}
		// Names are resolved as curl would (the hosts file for localhost).
		names, err := lookup(host)
		if err != nil || len(names) == 0 {
			return nil, nil, resolveError{host, err}
		}
		var ips []netip.Addr
		for _, n := range names {
			if ip, err := netip.ParseAddr(n); err == nil {
				ips = append(ips, ip)
			}
		}
		add(ips, uint16(p))
	}
	if len(ports) == 0 {
		if line.has("-K", "--config") {
			return nil, nil, errors.New("no URL among curl's arguments (segscope does not read a -K config file: give the URL on the command line)")
		}
		return nil, nil, errors.New("no URL among curl's arguments")
	}
	return addrs, ports, nil
}

// withScheme is u as curl reads it: without a scheme, the one its host's
// first label names (ftp.example.com is FTP), else --proto-default's, else
// http (review 32: "localhost:18500/x" was refused).
func withScheme(u, def string) string {
	if strings.Contains(u, "://") {
		return u
	}
	for _, p := range []string{"ftp", "dict", "ldap", "imap", "smtp", "pop3"} {
		if strings.HasPrefix(strings.ToLower(u), p+".") {
			return p + "://" + u
		}
	}
	return def + "://" + u
}

// resolveError is a name that did not resolve: not a mistake in the
// command line, but nothing to capture.
type resolveError struct {
	host string
	err  error
}

func (e resolveError) Error() string {
	return fmt.Sprintf("resolving %s: %v (curl's --resolve HOST:PORT:ADDRESS names it without a resolver)", e.host, e.err)
}

// addResolve reads "[+]HOST:PORT:ADDR[,ADDR...]" ("-HOST:PORT" removes).
func (r *curlRoutes) addResolve(v string) error {
	v = strings.TrimPrefix(v, "+")
	if strings.HasPrefix(v, "-") {
		return nil
	}
	host, rest, ok1 := strings.Cut(v, ":")
	port, list, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 {
		return fmt.Errorf("--resolve %q: want HOST:PORT:ADDRESS", v)
	}
	var ips []netip.Addr
	for _, a := range strings.Split(list, ",") {
		ip, err := netip.ParseAddr(strings.Trim(a, "[]"))
		if err != nil {
			return fmt.Errorf("--resolve %q: %q is not an address", v, a)
		}
		ips = append(ips, ip)
	}
	r.resolve[strings.ToLower(host)+":"+port] = ips
	return nil
}

// addConnectTo reads "HOST1:PORT1:HOST2:PORT2" (any part may be empty;
// IPv6 addresses in brackets).
func (r *curlRoutes) addConnectTo(v string) error {
	f := splitHostPorts(v)
	if len(f) != 4 {
		return fmt.Errorf("--connect-to %q: want HOST1:PORT1:HOST2:PORT2", v)
	}
	r.connectTo = append(r.connectTo, connectTo{strings.ToLower(f[0]), f[1], f[2], f[3]})
	return nil
}

// splitHostPorts splits on colons outside brackets, dropping the brackets.
func splitHostPorts(v string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for _, c := range v {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == ':' && depth == 0:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, cur.String())
}

// connect applies the first --connect-to that matches host and port.
func (r *curlRoutes) connect(host, port string) (string, string) {
	for _, c := range r.connectTo {
		if (c.fromHost == "" || c.fromHost == strings.ToLower(host)) && (c.fromPort == "" || c.fromPort == port) {
			h, p := c.toHost, c.toPort
			if h == "" {
				h = host
			}
			if p == "" {
				p = port
			}
			return h, p
		}
	}
	return host, port
}

// proxyFor is the proxy curl uses for a URL of scheme to host: -x, else
// the environment (http_proxy in lower case only, as curl reads it), less
// the hosts --noproxy or NO_PROXY exempt.
func (r *curlRoutes) proxyFor(scheme, host string) string {
	proxy := r.proxy
	if !r.proxySet {
		switch scheme {
		case "http":
			proxy = r.env("http_proxy")
		case "https":
			proxy = firstSet(r.env("https_proxy"), r.env("HTTPS_PROXY"))
		}
		proxy = firstSet(proxy, r.env("all_proxy"), r.env("ALL_PROXY"))
	}
	if proxy == "" || exempt(host, firstSet(r.noProxy, r.env("no_proxy"), r.env("NO_PROXY"))) {
		return ""
	}
	return proxy
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// exempt tells whether host is in a no-proxy list: "*", or a name it is
// or ends in (".example.com" and "example.com" both cover sub.example.com).
func exempt(host, list string) bool {
	host = strings.ToLower(host)
	for _, e := range strings.Split(list, ",") {
		e = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), "."))
		if e == "*" || e != "" && (host == e || strings.HasSuffix(host, "."+e)) {
			return true
		}
	}
	return false
}

// proxyAddr is the host and port of a proxy URL ("[scheme://][user@]host[:port]";
// curl's default proxy port is 1080).
func proxyAddr(p string) (string, string, error) {
	if !strings.Contains(p, "://") {
		p = "http://" + p
	}
	u, err := url.Parse(p)
	if err != nil || u.Hostname() == "" {
		return "", "", fmt.Errorf("proxy %q: not a host", p)
	}
	port := u.Port()
	if port == "" {
		port = "1080"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Hostname(), port, nil
}
