package telecomsim

import "lineescrow/models"

// The demo directory's numbers (landlines of Heze, area code 0530, written
// as the lookup answers them: digits only). Each is a kind of line the
// platform must handle; the demo seed and the platform's tests use them.
const (
	// LineSeller is 王建国's line (A, 73 months, the contract's example): the
	// demo seller's own, so a buyer binding it is linked to the seller.
	LineSeller = "05305551234"
	// LineBuyer is 张伟's line (A, 96 months): the demo buyer binds it.
	LineBuyer = "05305552001"
	// LineClassB is 李娜's line (B, 40 months): the second demo buyer's.
	LineClassB = "05305552002"
	// LineClassC is 刘洋's line (C, 24 months).
	LineClassC = "05305552003"
	// LineClassD is 陈静's line (D, 60 months): no credit at the platform.
	LineClassD = "05305552004"
	// LineNewA is 杨帆's line (A, 4 months): short tenure caps the credit.
	LineNewA = "05305552005"
	// LineNewB is 黄磊's line (B, 2 months): short tenure.
	LineNewB = "05305552006"
	// LineSuspended is 周强's line (B, 50 months), suspended.
	LineSuspended = "05305552007"
	// LineClosed is 吴刚's line (A, 120 months), closed.
	LineClosed = "05305552008"
	// LineInArrears is 孙丽's line (C, 30 months): active but in arrears.
	LineInArrears = "05305552009"
	// LineCompound is 欧阳明's line (B, 80 months): a two-character family
	// name, masked "欧阳*".
	LineCompound = "05305552010"
)

// Subscriber is a line of the operator's directory.
type Subscriber struct {
	Phone        string // digits only
	Holder       string // full name, as verify-holder checks it
	Family       string // family name, all a lookup shows of the holder
	IDNumber     string // 18 characters; verify-holder checks the last six
	Class        string // credit class A to D
	TenureMonths int
	Status       string // active, suspended, closed
	InArrears    bool   // behind on the operator's own services
	BillingDay   int    // day of the month the line's bill is issued
	Label        string // what the line is for in the demo
}

// IDLast6 is what verify-holder compares: the last six characters of the ID number.
func (s Subscriber) IDLast6() string { return s.IDNumber[len(s.IDNumber)-6:] }

// DemoSubscribers returns the demo directory, in a fresh slice.
func DemoSubscribers() []Subscriber {
	return []Subscriber{
		{Phone: LineSeller, Holder: "王建国", Family: "王", IDNumber: "37290119750312345X", Class: "A", TenureMonths: 73, Status: "active", BillingDay: 1,
			Label: "The demo seller's own line"},
		{Phone: LineBuyer, Holder: "张伟", Family: "张", IDNumber: "372901198204152316", Class: "A", TenureMonths: 96, Status: "active", BillingDay: 1,
			Label: "The demo buyer's line"},
		{Phone: LineClassB, Holder: "李娜", Family: "李", IDNumber: "372923199011080427", Class: "B", TenureMonths: 40, Status: "active", BillingDay: 5,
			Label: "Class B, long tenure"},
		{Phone: LineClassC, Holder: "刘洋", Family: "刘", IDNumber: "372925198807213318", Class: "C", TenureMonths: 24, Status: "active", BillingDay: 10,
			Label: "Class C, long tenure"},
		{Phone: LineClassD, Holder: "陈静", Family: "陈", IDNumber: "372922197910305526", Class: "D", TenureMonths: 60, Status: "active", BillingDay: 15,
			Label: "Class D: no credit"},
		{Phone: LineNewA, Holder: "杨帆", Family: "杨", IDNumber: "37290119950618201X", Class: "A", TenureMonths: 4, Status: "active", BillingDay: 1,
			Label: "Class A, under six months"},
		{Phone: LineNewB, Holder: "黄磊", Family: "黄", IDNumber: "372926199302147731", Class: "B", TenureMonths: 2, Status: "active", BillingDay: 20,
			Label: "Class B, under six months"},
		{Phone: LineSuspended, Holder: "周强", Family: "周", IDNumber: "372928198512096613", Class: "B", TenureMonths: 50, Status: "suspended", BillingDay: 1,
			Label: "Suspended"},
		{Phone: LineClosed, Holder: "吴刚", Family: "吴", IDNumber: "372930197002283315", Class: "A", TenureMonths: 120, Status: "closed", BillingDay: 1,
			Label: "Closed"},
		{Phone: LineInArrears, Holder: "孙丽", Family: "孙", IDNumber: "372924198903154128", Class: "C", TenureMonths: 30, Status: "active", InArrears: true, BillingDay: 25,
			Label: "In arrears"},
		{Phone: LineCompound, Holder: "欧阳明", Family: "欧阳", IDNumber: "372901198111117715", Class: "B", TenureMonths: 80, Status: "active", BillingDay: 8,
			Label: "Two-character family name"},
	}
}

// Demo recharge cards (card numbers; the PINs are in DemoCards).
const (
	Card50        = "5301202600000101" // PIN 41875203, ¥50.00, valid
	Card100       = "5301202600000102" // PIN 90317468, ¥100.00, valid
	Card200       = "5301202600000103" // PIN 26640981, ¥200.00, valid
	Card100b      = "5301202600000104" // PIN 73052816, ¥100.00, valid
	CardUsed      = "5301202600000105" // PIN 58219034, ¥50.00, already used
	CardExpired   = "5301202500000106" // PIN 30948127, ¥100.00, expired
	CardExpired2  = "5301202400000107" // PIN 61470395, ¥200.00, expired
	demoCardsLast = "2036-12-31"
)

// Card is a prepaid recharge card.
type Card struct {
	Number  string // 16 digits
	PIN     string // 8 digits
	Face    models.Money
	Expires string // last valid day, YYYY-MM-DD in Asia/Shanghai
	Used    bool
	UsedBy  string // the redemption id that used it
}

// DemoCards returns the demo cards, in a fresh slice.
func DemoCards() []Card {
	m := models.MustParseMoney
	return []Card{
		{Number: Card50, PIN: "41875203", Face: m("50.00"), Expires: demoCardsLast},
		{Number: Card100, PIN: "90317468", Face: m("100.00"), Expires: demoCardsLast},
		{Number: Card200, PIN: "26640981", Face: m("200.00"), Expires: demoCardsLast},
		{Number: Card100b, PIN: "73052816", Face: m("100.00"), Expires: demoCardsLast},
		{Number: CardUsed, PIN: "58219034", Face: m("50.00"), Expires: demoCardsLast, Used: true, UsedBy: "sold and used before the demo"},
		{Number: CardExpired, PIN: "30948127", Face: m("100.00"), Expires: "2025-12-31"},
		{Number: CardExpired2, PIN: "61470395", Face: m("200.00"), Expires: "2024-06-30"},
	}
}
