package notifydriver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The cases are the docstring examples of oslo.utils' mask_password and
// mask_dict_password plus a few more; the expected strings are what
// strutils' patterns produce under CPython.
func TestMaskPassword(t *testing.T) {
	cases := map[string]string{
		`'adminPass' : 'aaaaa'`:         `'adminPass' : '***'`,
		`'admin_pass' : 'aaaaa'`:        `'admin_pass' : '***'`,
		`"password" : "aaaaa"`:          `"password" : "***"`,
		`'original_password' : 'aaaaa'`: `'original_password' : '***'`,
		`--password d81juxmEW_`:         `--password ***`,
		`password=aaaaa other=b`:        `password=*** other=b`,
		`<password>aaaaa</password>`:    `<password>***</password>`,
		`secret_uuid='1234' foo='bar'`:  `secret_uuid='***' foo='bar'`,
		`'sslkey' , '--key' , 'abc'`:    `'sslkey' , '--key' , '***'`,
		// oslo's wildcard pattern eats what follows a masked JSON-ish
		// value; hark keeps oslo's output byte for byte (checked against
		// oslo.utils' patterns run by CPython).
		`"auth_token": "xyz", "a": "b"`: `"auth_token": "***", "a"`,
		`nothing secret here`:           `nothing secret here`,
		`PASSWORD = "abc"`:              `PASSWORD = "***"`,
	}
	for in, want := range cases {
		assert.Equal(t, want, maskPassword(in), in)
	}
}

func TestMaskDictPassword(t *testing.T) {
	assert.Equal(t,
		map[string]any{"password": "***", "user": "admin", "home-dir": "/home/admin"},
		maskDictPassword(map[string]any{"password": "d81juxmEW_", "user": "admin", "home-dir": "/home/admin"}))
	assert.Equal(t,
		map[string]any{"password": "***", "user": "admin"},
		maskDictPassword(map[string]any{"password": "--password d81juxmEW_", "user": "admin"}))
	assert.Equal(t,
		map[string]any{"nested": map[string]any{"password": "***", "user": "admin", "home": "/home/admin"}},
		maskDictPassword(map[string]any{"nested": map[string]any{"password": "d81juxmEW_", "user": "admin", "home": "/home/admin"}}))
	// A key naming a secret whose value is an object is recursed into, as
	// in oslo, not replaced wholesale.
	assert.Equal(t,
		map[string]any{"secrets": map[string]any{"a": "b", "token": "***"}},
		maskDictPassword(map[string]any{"secrets": map[string]any{"a": "b", "token": "t"}}))
	// Keys match case-insensitively, by substring.
	assert.Equal(t,
		map[string]any{"X-Auth-Token-Id": "***", "MyPassphrase": "***", "n": float64(1)},
		maskDictPassword(map[string]any{"X-Auth-Token-Id": "t", "MyPassphrase": "p", "n": float64(1)}))
	// Strings in lists are masked, objects in lists too (hark extension).
	assert.Equal(t,
		map[string]any{"l": []any{"password=***", map[string]any{"secret": "***"}, float64(2)}},
		maskDictPassword(map[string]any{"l": []any{"password=x", map[string]any{"secret": "s"}, float64(2)}}))
}
