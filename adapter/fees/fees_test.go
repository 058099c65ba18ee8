package fees

import (
	"strings"
	"testing"
)

func TestDefaultPricesTheSixCodes(t *testing.T) {
	tb := Default()
	for _, code := range []string{"99453", "99454", "99445", "99457", "99458", "99470"} {
		c, ok := tb.Amount(code)
		if !ok || c <= 0 {
			t.Errorf("%s: %d, %v", code, c, ok)
		}
	}
	if _, ok := tb.Amount("99091"); ok {
		t.Error("a code outside the table has an amount")
	}
	// 99445 is valued as 99454 (the final rule); the file says so.
	a, _ := tb.Amount("99445")
	b, _ := tb.Amount("99454")
	if a != b {
		t.Errorf("99445 %d, 99454 %d", a, b)
	}
	if !strings.Contains(cy2026, "2025-19787") || !strings.Contains(cy2026, "APPROXIMATE") {
		t.Error("the embedded table does not cite its rule or say its amounts are approximate")
	}
}

func TestLoadReadsCodeAmountCSV(t *testing.T) {
	tb, err := Load(strings.NewReader("# mine\ncode,amount\n99454,48.5\n99457, 51.97\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tb.Amount("99454"); c != 4850 {
		t.Errorf("99454 = %d", c)
	}
	if c, _ := tb.Amount("99457"); c != 5197 {
		t.Errorf("99457 = %d", c)
	}
	for _, bad := range []string{"", "code,amount\n", "99454,47\n99454,48\n", "9945,1\n", "99454,4.555\n", "99454,-1\n", "99454,abc\n", "99454\n"} {
		if _, err := Load(strings.NewReader(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestDollars(t *testing.T) {
	for c, want := range map[int64]string{0: "$0.00", 4700: "$47.00", 123456789: "$1,234,567.89", -2599: "-$25.99"} {
		if got := Dollars(c); got != want {
			t.Errorf("Dollars(%d) = %s, want %s", c, got, want)
		}
	}
}
