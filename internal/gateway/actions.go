package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/direct"
	"github.com/shoal-gw/shoal/internal/middleware/headers"
	"github.com/shoal-gw/shoal/internal/middleware/redirect"
	"github.com/shoal-gw/shoal/internal/middleware/rewrite"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/routing"
)

// This file turns config objects into the request-path packages' own
// options: the one place that knows both sides.

func redirectHandler(c *config.Redirect) (http.Handler, error) {
	return redirect.New(redirect.Options{Scheme: c.Scheme, Host: c.Host, Port: c.Port, Path: c.Path, StatusCode: c.Status})
}

func directHandler(c *config.DirectResponse) (http.Handler, error) {
	h := http.Header{}
	ctype := ""
	for _, kv := range c.Headers {
		if strings.EqualFold(kv.Name, "Content-Type") {
			ctype = kv.Value
			continue
		}
		h.Add(kv.Name, kv.Value)
	}
	return direct.New(direct.Options{StatusCode: c.Status, Body: c.Body, ContentType: ctype, Headers: h})
}

// wrapModifiers puts the route's rewrites and header changes in front of
// terminal. Header changes run first, so a header set on the request is
// visible to the rewrite and the service alike.
func wrapModifiers(terminal http.Handler, rc *config.Route) (http.Handler, error) {
	h := terminal
	if rc.StripPrefix || rc.AddPrefix != "" || rc.RewritePath != "" {
		ro := rewrite.Options{ReplacePath: rc.RewritePath, AddPrefix: rc.AddPrefix}
		if rc.StripPrefix {
			ro.StripPrefix = rc.Match.PathPrefix
		}
		mw, err := rewrite.New(ro)
		if err != nil {
			return nil, err
		}
		h = mw(h)
	}
	req, resp := headerOps(rc.RequestHeaders), headerOps(rc.ResponseHeaders)
	if len(req.Remove)+len(req.Set)+len(req.Add)+len(resp.Remove)+len(resp.Set)+len(resp.Add) > 0 {
		mw, err := headers.New(headers.Options{Request: req, Response: resp})
		if err != nil {
			return nil, err
		}
		h = mw(h)
	}
	return h, nil
}

func headerOps(c config.HeaderOps) headers.Ops {
	o := headers.Ops{Remove: c.Remove}
	for _, kv := range c.Set {
		o.Set = append(o.Set, headers.Header{Name: kv.Name, Value: kv.Value})
	}
	for _, kv := range c.Add {
		o.Add = append(o.Add, headers.Header{Name: kv.Name, Value: kv.Value})
	}
	return o
}

func routeMatch(m config.Match) (routing.Match, error) {
	rm := routing.Match{PathExact: m.PathExact, PathPrefix: m.PathPrefix, PathRegex: m.PathRegex, Methods: m.Methods}
	// The config allows host or hosts, never both; routing takes a list.
	if m.Host != "" {
		rm.Hosts = []string{m.Host}
	} else {
		rm.Hosts = slices.Clone(m.Hosts)
	}
	for _, h := range m.Headers {
		hm := routing.HeaderMatch{Name: h.Name}
		switch {
		case h.Regex != "":
			hm.Kind, hm.Value = routing.HeaderRegex, h.Regex
		case h.Present != nil && !*h.Present:
			hm.Kind = routing.HeaderAbsent
		case h.Present != nil:
			hm.Kind = routing.HeaderPresent
		default:
			hm.Kind, hm.Value = routing.HeaderExact, h.Value
		}
		rm.Headers = append(rm.Headers, hm)
	}
	for _, q := range m.Query {
		qm := routing.QueryMatch{Name: q.Name, Kind: routing.QueryExact, Value: q.Value}
		if q.Regex != "" {
			qm.Kind, qm.Value = routing.QueryRegex, q.Regex
		}
		rm.Query = append(rm.Query, qm)
	}
	return rm, nil
}

func hashSpec(k *config.HashKey) string {
	if k == nil {
		return ""
	}
	switch k.Source {
	case "header", "cookie", "query":
		return k.Source + ":" + k.Name
	case "path_segment":
		return "path:" + strconv.Itoa(k.Index)
	default:
		return "client_ip"
	}
}

// transportOptions maps a service's timeouts and, when given, its
// upstream block and body limit. The service is optional so older call
// sites keep compiling; pass it to get protocols and TLS.
func transportOptions(svc config.Timeouts, defaults config.DefaultTimeouts, sc ...*config.Service) proxy.TransportOptions {
	o := proxy.TransportOptions{
		ConnectTimeout:        pick(svc.Connect.D(), defaults.Connect.D()),
		ResponseHeaderTimeout: pick(svc.ResponseHeader.D(), defaults.ResponseHeader.D()),
	}
	if len(sc) == 0 || sc[0] == nil {
		return o
	}
	o.MaxRequestBody = sc[0].MaxRequestBody
	o.TunnelIdleTimeout = sc[0].TunnelIdleTimeout.D()
	if u := sc[0].Upstream; u != nil {
		o.Protocol = u.Protocol
		o.MaxIdleConnsPerHost = u.MaxIdleConns
		if t := u.TLS; t != nil {
			o.TLS = proxy.ClientTLS{CAFile: t.CA, CertFile: t.Cert, KeyFile: t.Key, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
		}
	}
	return o
}

// pick returns the first positive duration, or 0 (the package default).
func pick(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}
