package web

// Conversions of the money trail into view rows, the platform's bank
// details for payers, and where each role's order pages live.

import (
	"fmt"

	"lineescrow/models"
	"lineescrow/views"
)

func (s *Server) bankInfo() views.BankInfo {
	return views.BankInfo{Bank: s.Config.BankName, Account: s.Config.BankAccount, Holder: s.Config.BankHolder}
}

// accountMoves turns the postings of one account into history lines, with
// the change each made to that account's balance.
func accountMoves(moves []models.Movement) []views.Movement {
	out := make([]views.Movement, 0, len(moves))
	for _, m := range moves {
		out = append(out, views.Movement{At: m.At, Kind: m.Kind, Ref: m.Ref, Direction: string(m.Direction), Amount: m.Amount, Delta: m.Delta()})
	}
	return out
}

// ledgerLines shows postings with their account in the Ref column.
func ledgerLines(moves []models.Movement) []views.Movement {
	out := make([]views.Movement, 0, len(moves))
	for _, m := range moves {
		out = append(out, views.Movement{At: m.At, Kind: m.Kind, Ref: m.Account, Direction: string(m.Direction), Amount: m.Amount})
	}
	return out
}

// orderBase is the path of an order's page for a role.
func orderBase(role models.Role, id int64) string {
	switch role {
	case models.RoleSeller:
		return fmt.Sprintf("/seller/orders/%d", id)
	case models.RoleOperator:
		return fmt.Sprintf("/ops/orders/%d", id)
	}
	return fmt.Sprintf("/orders/%d", id)
}
