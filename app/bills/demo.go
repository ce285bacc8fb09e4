package bills

import (
	"context"

	"lineescrow/bankbridge/billsim"
)

// AddDemo records the demo's billers (billsim.DemoCompanies, telecom's
// book given) as served by sim under base, and adds them to sim with their
// secrets: the demo's wiring and the tests'.
func AddDemo(ctx context.Context, s *Service, sim *billsim.Sim, base string, telecom billsim.Book) error {
	for _, c := range billsim.DemoCompanies(telecom) {
		if err := sim.Add(billsim.Company{Code: c.Code, Name: c.Name, Secret: s.SecretOf(c.Code), Book: c.Book}); err != nil {
			return err
		}
		if err := s.AddBiller(ctx, Biller{Code: c.Code, Name: c.Name, Category: c.Category, APIURL: sim.URL(base, c.Code),
			BankAccount: c.BankAccount, BankHolder: c.Name}); err != nil {
			return err
		}
	}
	return nil
}
