package jitsi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// jwtHeader is the JOSE header of every token: HS256, HMAC with SHA-256
// (RFC 7518 §3.2), typ "JWT" (RFC 7519 §5.1).
const jwtHeader = `{"alg":"HS256","typ":"JWT"}`

// signHS256 returns the JWS Compact Serialization (RFC 7515 §7.1) of
// claims: BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(MAC),
// the MAC being HMAC-SHA256 over the first two parts keyed with secret
// (RFC 7515 §5.1, RFC 7519 §7.1). Base64url is without padding (RFC 7515
// §2).
func signHS256(claims any, secret []byte) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(jwtHeader)) + "." + enc.EncodeToString(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil)), nil
}

// claims is the token's payload (lib-jitsi-meet doc/tokens.md, "Token
// structure"): iss the application ID, aud the service consuming the
// token, sub the domain (or tenant), room the room name, nbf and exp as in
// RFC 7519 §4.1.5 and §4.1.4 (seconds since the epoch).
type claims struct {
	Iss     string   `json:"iss"`
	Aud     string   `json:"aud"`
	Sub     string   `json:"sub"`
	Room    string   `json:"room"`
	Nbf     int64    `json:"nbf"`
	Exp     int64    `json:"exp"`
	Context jContext `json:"context"`
	// Moderator is read by the community token_moderation plugin
	// (nvonahsen/jitsi-token-moderation-plugin, README "Usage": a top-level
	// boolean "moderator").
	Moderator bool `json:"moderator"`
}

type jContext struct {
	User jUser `json:"user"`
}

// jUser is context.user. lib-jitsi-meet's doc/tokens.md asks for strings
// only in it ("numeric types or null will generate an exception"), hence
// moderator as the string "true"/"false", which jitsi-meet's
// mod_token_affiliation accepts beside the boolean.
type jUser struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// Moderator: jitsi-meet's resources/prosody-plugins/
	// mod_token_affiliation.lua grants owner (moderator) for
	// context.user.moderator == "true" (also 8x8's JaaS JWT reference).
	Moderator string `json:"moderator"`
	// Affiliation: the same plugin, and jitsi-contrib/prosody-plugins
	// token_affiliation (README "A token sample"), grant owner for
	// "owner" and member for anything else.
	Affiliation string `json:"affiliation"`
}
