package main

import (
	"context"
	"flag"

	"github.com/rpm-adapter/rpm-adapter/adapter/api"
	"github.com/rpm-adapter/rpm-adapter/adapter/billing"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// serveBilling is serve's part of the billing export (issue 15): the
// $rpm-billing-export operation over the service's store, with the HL7 v2
// settings of the export command.
type serveBilling struct {
	exportFlags
	requireApproval bool
}

func registerServeBilling(fs *flag.FlagSet) *serveBilling {
	var b serveBilling
	b.register(fs, false)
	fs.BoolVar(&b.requireApproval, "export-require-approval", false, "$rpm-billing-export: export only lines a provider signed off")
	return &b
}

// exporter is the API's BillingExporter over st; the tenant and the billing
// organization are serve's own (--tenant, --organization).
func (b *serveBilling) exporter(st *store.Store, tenant, organization string) api.BillingExporter {
	return billingAPI{ex: b.exportFlags.exporter(st, tenant, organization), requireApproval: b.requireApproval}
}

type billingAPI struct {
	ex              *billing.Exporter
	requireApproval bool
}

func (a billingAPI) ExportBilling(ctx context.Context, r api.BillingRequest) (*api.BillingBatch, error) {
	res, err := a.ex.Export(ctx, billing.Request{Month: r.Month, Format: r.Format, RequestedBy: r.RequestedBy,
		RequireApproval: a.requireApproval})
	if err != nil {
		return nil, err
	}
	return &api.BillingBatch{ID: res.Batch.ID, MediaType: res.MediaType, Body: res.Content}, nil
}
