package gateway

import (
	"mime"
	"strings"

	"github.com/emersion/go-message/charset"
)

// headerDecoder decodes RFC 2047 encoded words in any charset go-message
// knows.
var headerDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

func decodeHeader(v string) string {
	s, err := headerDecoder.DecodeHeader(v)
	if err != nil {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(s)
}
