package main

import (
	"math"
	"testing"
)

func TestParseWrkFindsMarkerLine(t *testing.T) {
	out := []byte(`Running 1s test @ http://127.0.0.1:1/
  1 threads and 16 connections
Requests/sec:  10000.00
` + wrkMarker + `{"requests":20000,"duration_us":2000000,"bytes":1,"p50_us":500,"p90_us":900,"p99_us":1500,"max_us":9000,"err_connect":1,"err_read":2,"err_write":0,"err_status":3,"err_timeout":4}
`)
	s, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.rps(); math.Abs(got-10000) > 1e-9 {
		t.Errorf("rps = %v, want 10000", got)
	}
	if s.P99US != 1500 || s.ErrStatus != 3 || s.socketErrors() != 7 {
		t.Errorf("parsed %+v", s)
	}
}

func TestParseWrkWithoutSummaryFails(t *testing.T) {
	if _, err := parseWrk([]byte("unable to connect to 127.0.0.1:1 Connection refused\n")); err == nil {
		t.Fatal("want an error when wrk printed no summary")
	}
	if _, err := parseWrk([]byte(wrkMarker + "{not json\n")); err == nil {
		t.Fatal("want an error for a garbled summary")
	}
}
