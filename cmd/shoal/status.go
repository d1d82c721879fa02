package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// adminClient talks to a running gateway's admin API.
type adminClient struct {
	base  string
	token string
	http  *http.Client
}

func adminFlags(fs *flag.FlagSet) (*string, *string) {
	addr := fs.String("admin", envOr("SHOAL_ADMIN", "127.0.0.1:9901"), "admin API address of the running gateway (env SHOAL_ADMIN)")
	token := fs.String("token", os.Getenv("SHOAL_ADMIN_TOKEN"), "admin bearer token (env SHOAL_ADMIN_TOKEN)")
	return addr, token
}

func newAdminClient(addr, token string) *adminClient {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &adminClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 10 * time.Second}}
}

func (c *adminClient) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin API at %s (is shoal running? set --admin): %w", c.base, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s %s: %s", method, path, e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding %s: %w", path, err)
		}
	}
	return nil
}

func statusCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr, token := adminFlags(fs)
	asJSON := fs.Bool("json", false, "print the raw JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal status [--admin ADDR] [SERVICE]\n\nShows the services of a running gateway, or one service's endpoints.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	c := newAdminClient(*addr, *token)
	if fs.NArg() == 1 {
		var d api.ServiceDetail
		if err := c.do("GET", "/api/services/"+fs.Arg(0), nil, &d); err != nil {
			fmt.Fprintln(stderr, "shoal status:", err)
			return 1
		}
		if *asJSON {
			return printJSON(stdout, d)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "service %s: desired %d, ready %d, starting %d, draining %d, balancer %s\n\n", d.Name, d.Desired, d.Instances.Ready, d.Instances.Starting, d.Instances.Draining, d.Balancer)
		fmt.Fprintln(tw, "ADDRESS\tSTATE\tWEIGHT\tIN FLIGHT\tLATENCY (EWMA)")
		for _, e := range d.Endpoints {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f ms\n", e.Address, e.State, e.Weight, e.InFlight, e.LatencyMS)
		}
		_ = tw.Flush()
		return 0
	}
	var svcs []api.ServiceInfo
	if err := c.do("GET", "/api/services", nil, &svcs); err != nil {
		fmt.Fprintln(stderr, "shoal status:", err)
		return 1
	}
	if *asJSON {
		return printJSON(stdout, svcs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tDESIRED\tREADY\tSTARTING\tDRAINING\tBALANCER")
	for _, s := range svcs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Name, s.Desired, s.Instances.Ready, s.Instances.Starting, s.Instances.Draining, s.Balancer)
	}
	_ = tw.Flush()
	return 0
}

func scaleCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr, token := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal scale [--admin ADDR] SERVICE N\n\nSets the number of instances of a service that Shoal runs (its run: block).\nWith autoscaling on, the autoscaler takes over again at its next decision\nunless N is outside its min/max.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	n, err := strconv.Atoi(fs.Arg(1))
	if err != nil || n < 0 {
		fmt.Fprintf(stderr, "shoal scale: instance count must be a whole number ≥ 0, not %q\n", fs.Arg(1))
		return 2
	}
	var out api.ServiceInfo
	if err := newAdminClient(*addr, *token).do("PUT", "/api/services/"+fs.Arg(0)+"/scale", map[string]int{"instances": n}, &out); err != nil {
		fmt.Fprintln(stderr, "shoal scale:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: desired %d (ready %d, starting %d, draining %d)\n", out.Name, out.Desired, out.Instances.Ready, out.Instances.Starting, out.Instances.Draining)
	return 0
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
