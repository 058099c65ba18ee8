package adapter

// AuditBillingExport is a billing export batch made through the API
// (POST /fhir/$rpm-billing-export, issue 15); the store keeps the batch with
// the token's label too.
const AuditBillingExport = "billing-export"
