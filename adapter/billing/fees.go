package billing

import (
	"strconv"

	"github.com/rpm-adapter/rpm-adapter/adapter/fees"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// FeeAmounts is the estimated_amount of a fee table (adapter/fees, the
// worklist's table): units × the code's amount, "94.00"; a code the table
// does not price has none.
func FeeAmounts(t fees.Table) AmountFunc {
	return func(code string, units int, _ rules.Date) (string, bool) {
		c, ok := t.Amount(code)
		if !ok {
			return "", false
		}
		c *= int64(units)
		return strconv.FormatInt(c/100, 10) + "." + twoDigits(c%100), true
	}
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
