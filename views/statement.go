package views

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"

	"lineescrow/models"
)

// StatementCSV writes a statement of account: one line per movement, in the
// reader's language, with a byte-order mark so spreadsheets read it as UTF-8.
func StatementCSV(ctx context.Context, moves []models.Movement) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{T(ctx, "Date"), T(ctx, "Transfer"), T(ctx, "What"), T(ctx, "Order"), T(ctx, "Account"),
		T(ctx, "Change"), T(ctx, "Memo")}); err != nil {
		return nil, err
	}
	for _, m := range moves {
		if err := w.Write([]string{When(m.At), strconv.FormatInt(m.TransferID, 10), T(ctx, KindLabel(m.Kind)), m.Ref, T(ctx, AccountLabel(m.Account)),
			m.Delta().String(), csvSafe(m.Memo)}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// AccountLabel names a person's account in their words.
func AccountLabel(code string) string {
	switch {
	case strings.HasSuffix(code, ":available"):
		return "Available"
	case strings.HasSuffix(code, ":pending"):
		return "Waiting for the operator to collect"
	case strings.HasPrefix(code, "wallet:"):
		return "Balance"
	case strings.HasPrefix(code, "escrow:"):
		return "Held in escrow"
	}
	return code
}
