package main

import (
	"crypto/rand"
	"encoding/hex"
)

// privatePoolPrefix starts the name of every private tail pool, so an
// operator can tell (and clean up) what a tail that was killed left.
const privatePoolPrefix = "hark-tail-"

// privatePoolName returns a pool name no other listener uses.
func privatePoolName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return privatePoolPrefix + hex.EncodeToString(b)
}
