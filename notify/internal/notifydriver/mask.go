package notifydriver

import (
	"regexp"
	"strings"
	"sync"
)

// secretMask replaces masked values, as in oslo.
const secretMask = "***"

// sanitizeKeys are oslo.utils strutils._SANITIZE_KEYS (lower case): a key
// containing one of them, in any case, holds a secret.
func sanitizeKeys() []string {
	return []string{
		"adminpass", "admin_pass", "password", "admin_password",
		"auth_token", "new_pass", "auth_password", "secret_uuid",
		"secret", "sys_pswd", "token", "configdrive",
		"chappassword", "encrypted_key", "private_key",
		"fernetkey", "sslkey", "passphrase",
		"cephclusterfsid", "octaviaheartbeatkey", "rabbitcookie",
		"cephmanilaclientkey", "pacemakerremoteauthkey",
		"designaterndckey", "cephadminkey", "heatauthencryptionkey",
		"cephclientkey", "keystonecredential",
		"barbicansimplecryptokek", "cephrgwkey", "swifthashsuffix",
		"migrationsshkey", "cephmdskey", "cephmonkey",
	}
}

// maskPatterns are strutils' _FORMAT_PATTERNS_2, _1 and _WILDCARD for one
// key, compiled case-insensitively with '.' matching newlines, as oslo
// does. RE2 accepts them unchanged: they use groups, never backreferences.
type maskPatterns struct {
	key       string
	two       []*regexp.Regexp // replaced by ${1}***${2}
	one       []*regexp.Regexp // replaced by ${1}***
	wildcards []*regexp.Regexp // replaced by ${1}
}

// compiledMaskPatterns is built on first use and never changes after.
var compiledMaskPatterns = sync.OnceValue(func() []maskPatterns {
	two := []string{
		`(%s[0-9]*\s*[=]\s*["'])[^"']*(["'])`,
		`(%s[0-9]*\s*[=]\s*["])[^"]*(["])`,
		`(%s[0-9]*\s*[=]\s*['])[^']*(['])`,
		`(%s[0-9]*\s+["'])[^"']*(["'])`,
		`([-]{2}%s[0-9]*\s+)[^'^"^=^\s]+([\s]*)`,
		`(<%s[0-9]*>)[^<]*(</%s[0-9]*>)`,
		`(["']%s[0-9]*["']\s*:\s*["'])[^"']*(["'])`,
		`(['"][^"']*%s[0-9]*['"]\s*:\s*u?['"])[^"']*(['"])`,
		`(['"][^'"]*%s[0-9]*['"]\s*,\s*'--?[A-z]+'\s*,\s*u?['"])[^"']*(['"])`,
		`(%s[0-9]*\s*--?[A-z]+\s*)\S+(\s*)`,
	}
	one := []string{`(%s[0-9]*\s*[=]\s*)[^\s^'^"]+`}
	wild := []string{`(['"][^"']*%s[0-9]*['"]\s*:\s*u?['"].*['"])[^"']*(['"])`}
	compile := func(pats []string, key string) []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(pats))
		for i, p := range pats {
			out[i] = regexp.MustCompile(`(?is)` + strings.ReplaceAll(p, "%s", regexp.QuoteMeta(key)))
		}
		return out
	}
	var all []maskPatterns
	for _, k := range sanitizeKeys() {
		all = append(all, maskPatterns{key: k, two: compile(two, k), one: compile(one, k), wildcards: compile(wild, k)})
	}
	return all
})

// maskPassword is strutils.mask_password: it masks secrets written inside
// a string ("password=x", `"token": "x"`, "--password x", ...).
func maskPassword(s string) string {
	lower := strings.ToLower(s)
	for _, mp := range compiledMaskPatterns() {
		if !strings.Contains(lower, mp.key) {
			continue
		}
		for _, re := range mp.two {
			s = re.ReplaceAllString(s, "${1}"+secretMask+"${2}")
		}
		for _, re := range mp.one {
			s = re.ReplaceAllString(s, "${1}"+secretMask)
		}
		for _, re := range mp.wildcards {
			s = re.ReplaceAllString(s, "${1}")
		}
		lower = strings.ToLower(s)
	}
	return s
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range sanitizeKeys() {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// maskDictPassword is strutils.mask_dict_password: it returns a copy of m
// in which a nested object is masked recursively, a value under a key that
// names a secret becomes "***", and other strings go through maskPassword.
// Unlike oslo, which leaves lists alone, objects inside arrays are masked
// too (payloads often carry lists of credentials).
func maskDictPassword(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			out[k] = maskDictPassword(sub)
			continue
		}
		if isSecretKey(k) {
			out[k] = secretMask
			continue
		}
		out[k] = maskValue(v)
	}
	return out
}

func maskValue(v any) any {
	switch v := v.(type) {
	case string:
		return maskPassword(v)
	case map[string]any:
		return maskDictPassword(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e)
		}
		return out
	}
	return v
}
