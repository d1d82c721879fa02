package config

import "testing"

func TestParseTrustedProxy(t *testing.T) {
	for in, want := range map[string]string{"10.1.2.3/8": "10.0.0.0/8", "192.0.2.1": "192.0.2.1/32", "2001:db8::1": "2001:db8::1/128"} {
		p, err := ParseTrustedProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("%q → %v %v, want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", "10.0.0.0/33", "example.com", "10.0.0.0/"} {
		if _, err := ParseTrustedProxy(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func FuzzParseTrustedProxy(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "::1", "1.2.3.4", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseTrustedProxy(s)
		if err == nil && (!p.IsValid() || p.Masked() != p) {
			t.Fatalf("%q → unusable prefix %v", s, p)
		}
	})
}
