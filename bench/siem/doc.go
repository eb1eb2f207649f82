// Package siem measures SIEM delivery (issue 12): events per second
// delivered from the outbox to a loopback rsyslogd (RFC 5424 over TCP, a
// direct main queue, as docs/audit.md advises) and to a loopback JSON
// receiver, one message at a time as before batching (one connection or
// POST and one finishing write per event) and in batches (notify.Streamer),
// in the same run. Run by hand:
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/siem
//	SIEM_EVENTS=20000 go test -run '^$' -bench . -benchtime 1x ./bench/siem
//
// It seeds SIEM_EVENTS (default 5 000) audit events of one tenant into a
// temporary SQLite file and queues each to every endpoint measured, then
// delivers each endpoint's messages until none is left.
package siem
