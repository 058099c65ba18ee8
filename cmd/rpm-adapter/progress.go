package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// isTerminal says whether w is a character device (an interactive terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "[#####.....] done/total" on one line of w.
func progressBar(w io.Writer) func(done, total int) {
	const width = 30
	return func(done, total int) {
		n := done * width / max(total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
