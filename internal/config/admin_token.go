package config

import (
	"os"
	"strings"
)

// readAdminTokenFile fills admin.token from admin.token_file, so that the rest
// of Shoal sees one token whichever key gave it. It runs before validation,
// which then checks the token like one written inline. The file is read only
// here: a changed file shows up as a changed admin.token on the next reload,
// which (being static) needs a restart like any other admin change.
func readAdminTokenFile(r *reporter, ad *Admin) {
	if ad.TokenFile == "" {
		if ad.Pos.Has("token_file") {
			r.errorf(ad.Pos.Of("token_file"), "admin.token_file: must not be empty (leave it out to use admin.token)")
		}
		return
	}
	if ad.Token != "" {
		r.errorf(ad.Pos.Of("token_file"), "admin.token_file: admin.token is also set (line %d); use one of them", ad.Pos.Of("token"))
		return
	}
	data, err := os.ReadFile(ad.TokenFile)
	if err != nil {
		r.errorf(ad.Pos.Of("token_file"), "admin.token_file: %v", err)
		return
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		r.errorf(ad.Pos.Of("token_file"), "admin.token_file: %s is empty", ad.TokenFile)
		return
	}
	ad.Token = token
}
