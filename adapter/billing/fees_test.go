package billing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rpm-adapter/rpm-adapter/adapter/billing"
	"github.com/rpm-adapter/rpm-adapter/adapter/fees"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeeAmountsAreUnitsTimesTheTablesAmount(t *testing.T) {
	tab, err := fees.Load(strings.NewReader("code,amount\n99458,41.05\n99454,47\n"))
	require.NoError(t, err)
	f := billing.FeeAmounts(tab)
	a, ok := f("99458", 2, 0)
	assert.True(t, ok)
	assert.Equal(t, "82.10", a)
	a, ok = f("99454", 1, 0)
	assert.True(t, ok)
	assert.Equal(t, "47.00", a)
	_, ok = f("99091", 1, 0)
	assert.False(t, ok, "a code the table does not price has no amount")
	a, ok = billing.FeeAmounts(fees.Default())("99454", 1, 0)
	assert.True(t, ok, "the embedded table prices 99454")
	assert.NotEmpty(t, a)
}

// serve --require-approval stores the policy; an export that does not ask
// for it follows the store's.
func TestTheStoredApprovalPolicyBindsEveryExport(t *testing.T) {
	stores(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		record(t, st)
		require.NoError(t, st.SetRequireApproval(ctx, true))
		ex := &billing.Exporter{Store: st, Tenant: "t1"}
		res, err := ex.Export(ctx, billing.Request{Month: "2026-10", Format: "csv", RequestedBy: "test"})
		require.NoError(t, err)
		assert.Equal(t, 1, strings.Count(string(res.Content), "\n"), "nothing is approved: header only")
		require.NoError(t, st.SetRequireApproval(ctx, false))
		res, err = ex.Export(ctx, billing.Request{Month: "2026-10", Format: "csv", RequestedBy: "test"})
		require.NoError(t, err)
		assert.Equal(t, 1+3*len(patients), strings.Count(string(res.Content), "\n"), "without the policy every billable line")
	})
}
