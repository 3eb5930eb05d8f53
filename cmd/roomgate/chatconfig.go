package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/chat"
)

// The routes the chat front end serves on the web server (docs/chat.md).
const (
	chatMattermostCommand = "/chat/mattermost/command"
	chatMattermostAction  = "/chat/mattermost/action"
	chatRocketChat        = "/chat/rocketchat"
	chatLinkPage          = "/chat/link"
)

// readChatSecrets reads the [chat] secrets from their files, when the
// section is there.
func (c *Config) readChatSecrets() error {
	if c.Chat == nil {
		return nil
	}
	s, err := c.Chat.ReadSecrets(readSecretFile)
	c.chatSecrets = s
	return err
}

// validateChat checks [chat]: its own keys, and the web server it needs
// for the command, the buttons and the link page.
func (c *Config) validateChat(bad func(string, ...any)) {
	if c.Chat == nil {
		return
	}
	if err := c.Chat.Validate(); err != nil {
		for _, e := range strings.Split(err.Error(), "\n") {
			bad("%s", e)
		}
	}
	if c.HTTP.Listen == "" || c.HTTP.PublicURL == "" {
		bad("chat: http.listen and http.public_url are required: the chat server calls roomgate at %s…", chatLinkPage)
	}
}

// chatServerID names the chat server in link and button tokens.
func (c *Config) chatServerID() string {
	return c.Chat.Kind + " " + strings.TrimRight(c.Chat.BaseURL, "/")
}

// chatPublic is roomgate's public address of a chat route.
func (c *Config) chatPublic(path string) string {
	return strings.TrimRight(c.HTTP.PublicURL, "/") + path
}

// chatClient is the chat server's client alone, for `roomgate check`.
func (c *Config) chatClient() (chat.Server, error) {
	f := &chatFront{cfg: c, routes: map[string]http.Handler{}}
	err := f.connect()
	return f.srv, err
}

// checkChat reads the channel's header with the bot's token, for
// `roomgate check`: it proves the address, the token and the channel.
func (c *Config) checkChat(ctx context.Context) (string, error) {
	srv, err := c.chatClient()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := srv.Header(ctx); err != nil && !errors.Is(err, chat.ErrUnsupported) {
		return "", fmt.Errorf("read the channel header: %w", err)
	}
	morning := c.Chat.MorningPost
	if morning == "" {
		morning = "none"
	}
	return fmt.Sprintf("%s, channel %s, morning post %s, announce [%s]", c.chatServerID(), c.Chat.ChannelID,
		morning, strings.Join(c.Chat.Announce, ", ")), nil
}
