package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/books"
	"lineescrow/app/payouts"
	"lineescrow/app/recon"
	"lineescrow/models"
)

// The answers of the operators' books pages in the API.

type kindAnswer struct {
	Kind     string       `json:"kind" enum:"asset,liability,revenue,expense,equity"`
	Total    models.Money `json:"total"`
	Accounts int64        `json:"accounts"`
}

type negativeAnswer struct {
	Code    string `json:"code"`
	Balance string `json:"balance" doc:"below zero, such as -12.00"`
}

type booksAnswer struct {
	Kinds    []kindAnswer     `json:"kinds" doc:"the totals of every account by kind, each on its normal side, summed together"`
	TotalsAt time.Time        `json:"totals_at" doc:"when the kinds were summed (every minute)"`
	ZeroSum  string           `json:"zero_sum" doc:"assets + expenses − liabilities − revenue − equity: 0.00 when all postings sum to zero"`
	Balanced bool             `json:"balanced"`
	Negative []negativeAnswer `json:"negative" doc:"constrained accounts below zero now (at most 20); none while the database's guard holds"`
	Journal  journalAnswer    `json:"journal" doc:"the head of the tamper-evident journal: every transfer is sealed into a hash chain"`
}

type journalAnswer struct {
	Seq        int64     `json:"seq" doc:"the number of seals: the last one's number (0: nothing sealed yet)"`
	TransferID int64     `json:"transfer_id" doc:"the transfer of the last seal"`
	Hash       string    `json:"hash" doc:"the last seal's SHA-256 hash, hex (empty when nothing is sealed)"`
	Anchor     string    `json:"anchor" doc:"SEQ:HASH: keep it outside the platform and check the journal against it later (lineescrow ledger verify -head)"`
	SealedAt   time.Time `json:"sealed_at" doc:"when the last seal was made"`
	Unsealed   int64     `json:"unsealed" doc:"transfers committed and waiting for their seal (the sealer runs every few seconds)"`
}

// journalExportAnswer is the journal's head as downloaded from the books
// page (GET /ops/books/journal) and read by programs.
type journalExportAnswer struct {
	journalAnswer
	DigestsFrom int64     `json:"digests_from" doc:"every transfer from this id on carries a keyed digest of its content (those before predate digests; 1 on a platform installed with them)"`
	ExportedAt  time.Time `json:"exported_at"`
	Verify      string    `json:"verify" doc:"the command that checks the journal against this head later (empty while nothing is sealed)"`
}

func journalExportOf(e *books.JournalExport, now time.Time) journalExportAnswer {
	h := e.Head
	out := journalExportAnswer{journalAnswer: journalAnswer{Seq: h.Seq, TransferID: h.TransferID, Hash: h.Hash, Anchor: h.Anchor(),
		SealedAt: h.SealedAt, Unsealed: h.Unsealed}, DigestsFrom: e.DigestsFrom, ExportedAt: now.UTC()}
	if h.Seq > 0 {
		out.Verify = "lineescrow ledger verify -head " + h.Anchor()
	}
	return out
}

type ownerAnswer struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

type payoutLine struct {
	payouts.Payout
	Owner         *ownerAnswer `json:"owner" doc:"null for the return of a transfer in suspense (bank_txn_id)"`
	WaitedSeconds int64        `json:"waited_seconds" doc:"how long it has waited for the bank's result (waiting ones)"`
	Stuck         bool         `json:"stuck" doc:"waited longer than it should: ask the bank"`
}

type payoutQueueAnswer struct {
	Waiting []payoutLine `json:"waiting" doc:"requested, sending or sent: oldest first (at most 200)"`
	Recent  []payoutLine `json:"recent" doc:"succeeded or failed, latest settled first (at most 50); empty with open=true"`
}

func payoutLines(lines []payouts.Line) []payoutLine {
	out := make([]payoutLine, 0, len(lines))
	for _, l := range lines {
		p := payoutLine{Payout: l.Payout, WaitedSeconds: int64(l.Waited / time.Second), Stuck: l.Stuck}
		if l.Owner != nil {
			p.Owner = &ownerAnswer{ID: l.Owner.ID, Name: l.Owner.Name, Role: string(l.Owner.Role)}
		}
		out = append(out, p)
	}
	return out
}

// booksReads are the API twins of the operators' books pages.
func (s *Server) booksReads() []read {
	return []read{
		{name: "books.dashboard", summary: "The books: totals by kind of account, their zero sum and the constrained accounts below zero (operators)",
			tag: "operators", pages: []string{"/ops/books"}, api: "/ops/books", roles: operatorRoles, resp: booksAnswer{},
			handler: func(c echo.Context) error {
				d, err := s.Books.DashboardOf(c.Request().Context(), actor(c), false)
				if err != nil {
					return err
				}
				out := booksAnswer{Kinds: []kindAnswer{}, TotalsAt: d.TotalsAt, ZeroSum: d.ZeroSum.String(), Balanced: d.Balanced(),
					Negative: []negativeAnswer{}, Journal: journalAnswer{Seq: d.Journal.Seq, TransferID: d.Journal.TransferID,
						Hash: d.Journal.Hash, Anchor: d.Journal.Anchor(), SealedAt: d.Journal.SealedAt, Unsealed: d.Journal.Unsealed}}
				for _, k := range d.Kinds {
					out.Kinds = append(out.Kinds, kindAnswer{Kind: string(k.Kind), Total: k.Total, Accounts: k.Accounts})
				}
				for _, n := range d.Negative {
					out.Negative = append(out.Negative, negativeAnswer{Code: n.Code, Balance: n.Balance.String()})
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "books.check", summary: "Check the whole ledger now: every transfer balances, all postings sum to zero, no constrained account is negative, every balance equals its postings, every escrow holds what its order says (operators)",
			tag: "operators", pages: []string{"/ops/books?check=1"}, api: "/ops/books/check", roles: operatorRoles, resp: checkAnswer{},
			handler: func(c echo.Context) error {
				findings, err := s.Books.Check(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, checkAnswer{OK: findings == "", Findings: findings})
			}},
		{name: "books.journal", summary: "The head of the tamper-evident journal, to keep outside the platform and check the journal against later (operators; the books page downloads it as a file)",
			tag: "operators", pages: []string{"/ops/books/journal"}, api: "/ops/books/journal", roles: operatorRoles, resp: journalExportAnswer{},
			handler: func(c echo.Context) error {
				e, err := s.Books.ExportJournal(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, journalExportOf(e, time.Now()))
			}},
		{name: "recon.report", summary: "The reconciliation with the bank: the latest runs and the open breaks (operators)", tag: "operators",
			pages: []string{"/ops/recon"}, api: "/ops/recon", roles: operatorRoles, resp: recon.Report{}, handler: func(c echo.Context) error {
				r, err := s.Recon.ReportOf(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, r)
			}},
		{name: "payout.queue", summary: "Payouts: those waiting for the bank's result first, oldest first, then the latest settled (operators)",
			tag: "operators", pages: []string{"/ops/payouts"}, api: "/ops/payouts", roles: operatorRoles, query: payoutsQuery{},
			resp: payoutQueueAnswer{}, handler: func(c echo.Context) error {
				page, _, err := s.payoutsQueue(c)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, payoutQueueAnswer{Waiting: payoutLines(page.Waiting), Recent: payoutLines(page.Recent)})
			}},
	}
}
