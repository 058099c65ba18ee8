// Package auditlog is the audit trail of `serve` as a file: one JSON object
// per line (adapter.AuditEvent), appended, readable by its owner only.
//
// It is kept apart from the operational log on purpose: the audit trail
// holds patient and group ids (who read or wrote which patient), which the
// operational log must never carry, and it is kept for as long as the
// compliance officer says, not as long as the log rotation does.
//
// What it must not do: follow a symlink, leave the file readable by
// others, or write anything but the event's fields.
package auditlog
