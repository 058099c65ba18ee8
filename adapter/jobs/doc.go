// Package jobs runs the API's async Group evaluations on River
// (riverqueue/river), in the adapter's store, so that a job survives a
// restart and the replicas on one PostgreSQL share its members
// (fhir-mapping.md §7, issue 12). It implements adapter.GroupJobs.
//
// A job is a row of group_jobs (owner label, write flag, parameters, state,
// progress, result) and one River job of kind rpm_group, inserted in one
// transaction. The rpm_group worker reads the members and, in one
// transaction, records a group_job_members row per member and inserts one
// River job of kind rpm_member per member. Each rpm_member worker evaluates
// its patient and, in one transaction, stores the member's line, counts it
// and, for the last member, builds and stores the answer. A member's line is
// stored once: a worker killed after that commit and rescued by River finds
// it done and counts nothing twice (write-back is idempotent anyway). A
// worker killed before it is rescued after RescueAfter and its patient
// evaluated again.
//
// One code on two databases, the way River itself is: riversqlite on
// SQLite, riverpgxv5 on PostgreSQL; only the transaction type differs
// (engine.go). The same test suite runs against each driver.
//
// It must not import Gin or the API, and it never logs ids: its logs name
// job references (8 hex digits) at most.
package jobs
