-- The cooperative's chat (docs/chat.md).
--
-- chat_links: the member address each chat account proved, through a
-- signed link mailed to that address. server names the chat server
-- ("mattermost https://chat.coop.example"), user_id the account there.
CREATE TABLE chat_links (
	server TEXT NOT NULL,
	user_id TEXT NOT NULL,
	address TEXT NOT NULL,
	linked_at {{TIME}} NOT NULL,
	PRIMARY KEY (server, user_id)
);

-- Who linked an address, to unlink them when a member leaves.
CREATE INDEX chat_links_address ON chat_links (address);

-- chat_nonces: the nonces of the link and button tokens already spent,
-- kept until the token expires (then PruneChatNonces drops them), so that
-- each token works once.
CREATE TABLE chat_nonces (
	nonce TEXT PRIMARY KEY,
	expires_at {{TIME}} NOT NULL
);

CREATE INDEX chat_nonces_expires ON chat_nonces (expires_at);
