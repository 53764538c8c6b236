package awsemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// derivedID returns n upper-case letters and digits derived from seed, so that the same
// scenario always yields the same user IDs and secrets.
func derivedID(seed string, n int) string {
	sum := sha256.Sum256([]byte("awsemu:" + seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[int(sum[i%len(sum)]+byte(i/len(sum)))%len(idAlphabet)]
	}
	return string(b)
}

// derivedSecret returns the secret of a scenario key that does not set one.
func derivedSecret(keyID string) string {
	sum := sha256.Sum256([]byte("awsemu-secret:" + keyID))
	return base64.StdEncoding.EncodeToString(sum[:])[:40]
}

// userID returns the stable unique ID ("AIDA...") of a user.
func userID(account, name string) string {
	return "AIDA" + derivedID(account+"/user/"+name, 17)
}

// roleID returns the stable unique ID ("AROA...") of a role.
func roleID(account, role string) string {
	return "AROA" + derivedID(account+"/role/"+role, 17)
}

// randomID returns prefix followed by n characters drawn from rng.
func randomID(rng *mrand.Rand, prefix string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return prefix + string(b)
}

// randomSecret returns a secret of n base64 characters drawn from rng.
func randomSecret(rng *mrand.Rand, n int) string {
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	return base64.StdEncoding.EncodeToString(raw)[:n]
}

// requestID returns a random UUID, like the request IDs AWS returns.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
