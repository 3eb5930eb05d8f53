package zoomapi

import (
	"context"
	"net/http"
	"net/url"
)

// User is Zoom's user object, GET /users/{userId}
// (https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId};
// shape read in rivet-javascript users/users.d.ts, UsersGetUserResponse).
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// Type is 1 basic, 2 licensed, 4 unassigned without Meetings Basic,
	// 99 none (Zoom's user types).
	Type      int    `json:"type"`
	Timezone  string `json:"timezone"`
	AccountID string `json:"account_id"`
	Status    string `json:"status"`
}

// Licensed is Zoom's user type 2: only a licensed user hosts meetings
// longer than 40 minutes.
const Licensed = 2

// GetUser reads a user by ID or e-mail.
func (c *Client) GetUser(ctx context.Context, user string) (*User, error) {
	var u User
	if err := c.do(ctx, call{op: "get user", method: http.MethodGet, path: "/users/" + url.PathEscape(user),
		out: &u, idempotent: true}); err != nil {
		return nil, err
	}
	return &u, nil
}
