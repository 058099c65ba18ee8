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
}

func registerServeBilling(fs *flag.FlagSet) *serveBilling {
	var b serveBilling
	b.register(fs, false)
	return &b
}

// exporter is the API's BillingExporter over st; the tenant and the billing
// organization are serve's own (--tenant, --organization), the fee table the
// worklist's (--fee-schedule). Approval is required when serve's
// --require-approval stored it (the exporter reads the store's setting).
func (b *serveBilling) exporter(st *store.Store, tenant, organization, feeSchedule string) (api.BillingExporter, error) {
	ex, err := b.exportFlags.exporter(st, tenant, organization, feeSchedule)
	if err != nil {
		return nil, err
	}
	return billingAPI{ex: ex}, nil
}

type billingAPI struct {
	ex *billing.Exporter
}

func (a billingAPI) ExportBilling(ctx context.Context, r api.BillingRequest) (*api.BillingBatch, error) {
	res, err := a.ex.Export(ctx, billing.Request{Month: r.Month, Format: r.Format, RequestedBy: r.RequestedBy})
	if err != nil {
		return nil, err
	}
	return &api.BillingBatch{ID: res.Batch.ID, MediaType: res.MediaType, Body: res.Content}, nil
}
