// Package gateway is LineEscrow's merchant gateway: a shop outside LineEscrow
// sends its customer to LineEscrow to pay, the way Chinese shops integrate
// Alipay's page payment. The shop's server creates a trade with a signed
// request, the customer pays at the hosted cashier, comes back to the shop
// with a signed result, and the shop's server is told of every change by
// signed asynchronous notifications, retried until it answers "success". The
// money follows the same escrow lifecycle as any order (app/orders): held
// until the buyer confirms on LineEscrow, refunds and disputes as usual,
// the timers running. Only a notification or trade.query is proof of
// payment, never the browser's return.
//
// The demo shop, bankbridge/shopsim, integrates the gateway exactly as a
// third party would (its own code, the public HTTP interface only): read it
// as the integration example.
//
// # Merchants and keys
//
// An operator approves a seller as a merchant (Approve, audited): it gets a
// 16-digit app_id. On the seller portal's gateway page the merchant uploads
// its RSA public key (PEM, at least 2048 bits; UploadKey), downloads the
// platform's public key (MerchantPage.PlatformKey), sets its default notify
// URL and the hosts its return URLs may be on (SetEndpoints). A new key
// rotates the old one out after a grace the merchant chooses, at most 24
// hours, both valid meanwhile. Merchants' private keys never reach the
// platform. An operator may freeze a merchant (SetStatus): its requests are
// then refused with MERCHANT_FROZEN, as they are when its seller account is
// frozen.
//
// The platform's own key pair signs every reply, notification and return.
// Its private key is never in the database: it is GATEWAY_PRIVATE_KEY (PEM
// text) or the file GATEWAY_KEY_FILE, generated there at the first start
// when the file does not exist (3072 bits, mode 0600) and kept; demo mode
// uses the public DemoPlatformKey. Every node of a deployment must have the
// same key: the public half is recorded in gateway_platform_keys at start
// (CheckPlatformKey) and a node with another key refuses to start. To
// replace the platform's key on purpose (merchants must download the new
// one), mark the recorded one retired (UPDATE gateway_platform_keys SET
// current = false WHERE current) and start every node with the new key.
//
// # Requests
//
// One endpoint, POST /gateway/v1, a form (application/x-www-form-urlencoded)
// or a JSON object whose values are all strings (amounts too: "88.00"). The
// parameter method names the call. Every request carries:
//
//	app_id      the merchant's app id
//	method      trade.create, trade.query, trade.ship, trade.close, trade.refund, bill.download
//	timestamp   yyyy-MM-dd HH:mm:ss, Beijing time, within 5 minutes of the platform's clock
//	nonce       8 to 64 letters, digits, - or _, never used before by this merchant
//	sign_type   RSA2
//	sign        the signature, below
//	charset     optional; utf-8 if given
//
// The reply is a JSON object of strings: code (SUCCESS or an error code),
// msg, field (the parameter an INVALID_PARAMETER or MISSING_PARAMETER is
// about), the method's own fields, nonce (the request's), timestamp (the
// platform's), sign_type and sign: signed by the platform like a
// notification, so the shop can check it too. Its HTTP status is 200 for
// SUCCESS and follows the code otherwise, through Codes and the web layer's
// one mapping (422, 401, 403, 404, 409, 503, 500).
//
// Refused with nothing done, checked in this order:
//
//	MISSING_PARAMETER   a common parameter is missing                           (422)
//	INVALID_APP_ID      no merchant has the app_id                              (401)
//	INVALID_SIGN_TYPE   sign_type is not RSA2                                   (422)
//	INVALID_SIGNATURE   sign does not verify with a key of the merchant valid now (401)
//	INVALID_TIMESTAMP   malformed, or more than 5 minutes off                   (401)
//	MERCHANT_FROZEN     the merchant or its seller account is frozen            (403)
//	UNKNOWN_METHOD                                                              (422)
//	NONCE_REPLAYED      the nonce was used before (so a captured request cannot be replayed) (409)
//
// A request refused after its nonce was claimed (a malformed trade.create,
// say) must be sent again with a new nonce and a new signature;
// out_trade_no and out_request_no make such retries safe.
//
// # The string to sign
//
// Take every parameter except sign and except those whose value is empty,
// sort them by name (byte order), write each as name=value with the value
// exactly as sent (not URL-encoded), join them with "&", and sign the UTF-8
// bytes with SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256); sign is the
// signature in standard base64. sign_type is signed like any parameter.
// Replies, notifications and return parameters are signed by the platform
// the same way.
//
// Worked example (app/gateway/testdata/example_merchant_private.pem, a
// published example key never to be used for anything else; the test
// TestWorkedExample checks these values). The parameters
//
//	app_id=2014072300007148  method=trade.create  timestamp=2026-12-01 10:00:00
//	nonce=7f3c9a2b4e5d6f70  sign_type=RSA2  charset=utf-8
//	out_trade_no=20261201-0001  subject=牡丹花茶 Peony tea  total_amount=88.00
//	notify_url=https://shop.example/notify  return_url=https://shop.example/return  body=(empty)
//
// give the string to sign (one line; body is left out)
//
//	app_id=2014072300007148&charset=utf-8&method=trade.create&nonce=7f3c9a2b4e5d6f70&notify_url=https://shop.example/notify&out_trade_no=20261201-0001&return_url=https://shop.example/return&sign_type=RSA2&subject=牡丹花茶 Peony tea&timestamp=2026-12-01 10:00:00&total_amount=88.00
//
// and the signature
//
//	UpMx8J4+6TW1E1Oo2o+ITaBnq3TG6wsfxoFjtFWJMi0Orz8pQ+Gl78k8aeJFTu8GsrWIEu/A/yCrAcAUOD75TuY949C/3pY814FNfLYBF+6/EqwcnhQHEGP+rFuyr+c9CdCd7ICjRu2XhlQFDsGfK2elqJAqbNvO8m1tPcX2ugOozXhFmyLIpDeQiYmjHIOAydYu9ny01mV17gnTxW4PRyVBeZLiVt8l0ILduyHc0ZfoGmZvDOuuVZj5xOes6rap6POQZqrxVuirFOGKY7SiHtFFHkwuCNNln8FgS10aQgS/MmrQ21bui+tRzPtFekDbI4i586om8OYGGd5WhmB49Q==
//
// # Methods
//
// trade.create creates a trade: an order in the escrow lifecycle for the
// merchant's seller, with no listing (the shop keeps its own stock) and no
// buyer until one takes it at the cashier.
//
//	out_trade_no      required; 1 to 64 letters, digits, _ or -; unique per merchant. The same number
//	                  with the same content returns the same trade; with other content OUT_TRADE_NO_USED
//	subject           required; at most 100 characters
//	total_amount      required; a plain decimal with at most two decimals, more than 0, at most MAX_AMOUNT
//	body              optional; at most 400 characters
//	notify_url        optional when the merchant set a default; http(s), not a loopback, private or
//	                  link-local address (outside demo mode)
//	return_url        optional; http(s) on a registered host; its own query parameters are kept, each
//	                  once, none named like the platform's return parameters
//	timeout_express   optional; 1m to 15d (30m, 2h, 3d); default the platform's unpaid-close timer.
//	                  An unpaid trade closes then (a TRADE_CLOSED notification)
//	consignee_name, consignee_phone, consignee_address
//	                  optional, all three or none; else the buyer gives them at the cashier
//
// It answers the trade's fields (below) and cashier_url, where the shop
// sends its customer: /cashier/{trade_no}.
//
// trade.query, by trade_no or out_trade_no (either; both must match),
// answers the trade's fields:
//
//	trade_no, out_trade_no, subject, total_amount
//	trade_status      WAIT_BUYER_PAY, TRADE_SUCCESS (paid, held in escrow), WAIT_BUYER_CONFIRM_GOODS
//	                  (shipped, held), TRADE_FINISHED (released to the seller), TRADE_CLOSED
//	escrow_state      LineEscrow's own: awaiting_payment, paid, shipped, completed, closed, with a refund
//	                  request's overlay (paid/requested, shipped/disputed…)
//	held_amount, released_amount, refunded_amount, fee_amount (the commission), reversed_amount
//	                  (recalled by the bank)
//	gmt_create, gmt_payment, gmt_ship, gmt_finish, gmt_close, time_expire (unpaid: when it closes)
//	carrier, tracking_no, close_reason
//
// Empty fields are left out. trade.ship (trade_no or out_trade_no,
// carrier: a listed carrier's code or name — SF or 顺丰速运 or SF Express,
// ZTO, YTO, YUNDA, STO, JT, JD, EMS, DEPPON — or any other carrier's name,
// at most 40 characters; tracking_no: 6 to 40 letters, digits or dashes, and
// for a listed carrier a number of its format, SF1234567890123 for SF) ships
// a paid trade; INVALID_PARAMETER naming the parameter when one is wrong,
// TRADE_STATUS_ERROR when it is not paid or already shipped. A listed
// carrier's trade answers carrier with its English name (SF Express). trade.close closes an unpaid trade; TRADE_STATUS_ERROR
// once paid (refund it instead).
//
// trade.refund gives money back to the buyer while it is held: trade_no or
// out_trade_no, refund_amount (at most what is held), out_request_no
// (required; the same number with the same amount and reason answers the
// same refund again and refunds once; with others OUT_REQUEST_NO_USED),
// refund_reason (optional, at most 200 characters). The merchant's own
// refund needs no consent of the buyer's; it follows PRODUCT.md's refund
// rules: back the way the money came (the wallet, the phone bill), and the
// rest released to the seller, so a partial refund finishes the trade
// (TRADE_FINISHED) and a full one closes it (TRADE_CLOSED). It answers
// the trade's fields and out_request_no, refund_amount, refund_status
// (REFUND_SUCCESS) and gmt_refund. Refused (TRADE_STATUS_ERROR) before
// payment, after the money was released, and in a dispute (an operator
// decides then).
//
// bill.download, bill_date (yyyy-MM-dd, Beijing), answers bill: a CSV of
// every movement of the merchant's money that day (BillColumns: time,
// transfer_id, kind, trade_no, out_trade_no, order_id, account, change,
// memo) on its seller's balances and in its trades' escrow, and lines.
//
// Any method may also answer INVALID_PARAMETER (with field),
// TRADE_NOT_EXIST, FORBIDDEN, SYSTEM_BUSY or SYSTEM_ERROR.
//
// # The return to the shop
//
// Once paid, the cashier sends the buyer back to return_url with app_id,
// method=trade.return, charset, timestamp, trade_no, out_trade_no,
// total_amount, trade_status, sign_type and sign added to its query,
// signed over the whole query. The shop may show "thank you", but must ask
// trade.query (or wait for the notification) before it ships.
//
// # Notifications
//
// On every change of a trade (paid, shipped, finished, closed, refunded)
// a notification is recorded in the same database transaction as the change,
// and a River job POSTs it to the notify URL after that transaction
// committed, as a form: the trade's fields (as trade.query's, at the time of
// the change) and
//
//	notify_type   trade_status_sync
//	notify_id     the same on every try of one notification
//	notify_time   when this try was sent (Beijing)
//	event         paid, shipped, finished, closed or refunded
//	app_id, charset (utf-8), version (1.0)
//	refund_fee, gmt_refund, out_request_no   for a refund (out_request_no when it came from trade.refund)
//	sign_type, sign   signed with the platform's key, the same string-to-sign rules
//
// The merchant verifies sign with the platform's public key, acts on it
// once per notify_id, and answers HTTP 2xx with the body exactly "success";
// anything else is tried again, by Alipay's schedule: after 2 m, 10 m, 10 m,
// 1 h, 2 h, 6 h and 15 h, so Tries (8) tries within about 25 hours (Schedule,
// NextTry). Each try is logged with its outcome, HTTP status and the first
// 256 bytes of the answer; the merchant sees them on its gateway page and can
// send a notification again by hand (Resend). Notifications of one trade
// may arrive out of order: trade_status and escrow_state say where the trade
// is; trade.query is always current. Outside demo mode a notify URL on a
// loopback, private or link-local address is refused when it is set, and
// every send dials only public addresses, whatever a name resolves to.
//
// # A walk-through with curl and openssl
//
// Make a key pair; upload pub.pem on the gateway page and download the
// platform's key as platform.pem:
//
//	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
//	openssl pkey -in key.pem -pubout -out pub.pem
//
// Create a trade (bash; the values are sent form-encoded by curl, and signed
// as they are):
//
//	APP=2014072300007148 GW=http://127.0.0.1:8080/gateway/v1
//	TS=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M:%S') NONCE=$(openssl rand -hex 16)
//	S="app_id=$APP&method=trade.create&nonce=$NONCE&notify_url=https://shop.example/notify"
//	S="$S&out_trade_no=A1001&sign_type=RSA2&subject=Peony tea&timestamp=$TS&total_amount=88.00"
//	SIGN=$(printf '%s' "$S" | openssl dgst -sha256 -sign key.pem | base64 -w0)
//	curl -s $GW --data-urlencode "app_id=$APP" --data-urlencode method=trade.create \
//	  --data-urlencode "nonce=$NONCE" --data-urlencode notify_url=https://shop.example/notify \
//	  --data-urlencode out_trade_no=A1001 --data-urlencode sign_type=RSA2 \
//	  --data-urlencode "subject=Peony tea" --data-urlencode "timestamp=$TS" \
//	  --data-urlencode total_amount=88.00 --data-urlencode "sign=$SIGN"
//
// The answer carries cashier_url; open it, pay, then query with the same
// recipe (method=trade.query, out_trade_no=A1001, a new nonce and timestamp).
// To check a notification or a reply, rebuild its string to sign from its
// fields (without sign, sorted, empty ones left out) and verify:
//
//	printf '%s' "$STRING" > data
//	printf '%s' "$SIGN" | base64 -d > sig
//	openssl dgst -sha256 -verify platform.pem -signature sig data   # Verified OK
package gateway
