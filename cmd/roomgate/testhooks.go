package main

// Test hooks: settings a test gives a daemon it starts as a separate
// process, through the environment, to shorten a delay it would otherwise
// wait out. Only a binary built with -tags roomgate_testhooks reads them
// (testhooks_on.go), as cmd/roomgate's tests build it; the binary
// facilitators run has no such code (testhooks_off.go). The outbox's
// lease floor (envTestMinLease) is declared in testhooks_on.go: no test
// uses it now that the crash test runs two live instances.

// envTestLease shortens how often an instance standing by tries the
// mailbox lease and its holder checks it (5 s), e.g. "100ms": a test
// then sees a killed holder's mailbox taken over at once.
const envTestLease = "ROOMGATE_TESTHOOK_MAILBOX_LEASE"
