// Package ivr is the payment hotline: VoiceXML 2.1 documents served to the
// operator's IVR platform, which speaks their prompts (Mandarin, its own
// speech synthesis) and sends back the keys the caller presses.
//
// # Protocol
//
// The platform starts each call with POST /ivr/start, form field ani = the
// calling number (VoiceXML session.callerid; "05305552001", "+865305552001"
// or "tel:+865305552001") and optionally call_id (its own id of the call,
// kept for the operators). Every later request is a <submit> of a served
// document to POST /ivr/step with the field s (the signed call state) and the
// fields the document collected. A request is believed only when it comes
// from one of IVR_PLATFORM_ADDRS (the client address as the web layer
// determines it, TRUSTED_PROXIES included) or carries a valid Standard
// Webhooks signature under IVR_WEBHOOK_SECRET over its raw body (the same
// scheme as the bank's and the telecom's callbacks, ±300 s); otherwise it is
// answered 403 and nothing happens.
//
// The calling number is the caller's identity: it must be a landline bound to
// an account (app/telecom); any other caller hears how to bind it and the call
// ends. The payment password proves the caller is the account's holder: it is
// checked by the same path as on the web (auth.Service.VerifyPayPassword,
// through orders.Service.Confirm and auth.Service.SetPayPassword), so wrong
// ones count towards the same lockout; three wrong ones in one call end the
// call (ivr_calls.pin_failures). Every money move first says its amount and
// its counterparty and asks for 1 before the password.
//
// The call state is a token signed with HMAC-SHA256 under a key derived from
// JWT_SECRET (call id, menu, step, what the flow carries, expiry 30 min); the
// call itself is a row of ivr_calls. Nothing the caller types is logged, put
// in the state, or stored (the web layer's request log has the path only).
//
// # Documents
//
// Documents use only these elements (Elements; bankbridge/phonesim interprets
// exactly this subset and refuses any other): vxml, form, field (type
// digits?length=N or digits?minlength=A;maxlength=B), menu, choice (dtmf and
// next="#id"), prompt, filled, if/elseif/else (cond "name == 'literal'"),
// submit (method post, namelist), goto (next="#id"), transfer (dest, bridge),
// disconnect, block, var (expr a quoted literal) and value (expr a variable).
// Each document holds the dialog to run first, then the main menu and one
// small form per menu key that submits that key's state.
//
// # Menu
//
// 1 balance and the landline's credit left; 2 the last five movements of the
// balance in words; 3 pay a shop (app/instore), 6 transfer to another
// account by its landline or mobile number (app/transfers) and 8 pay a bill
// (app/bills): served by those packages through Flow (Service.Flows), "not
// available yet" while none is registered;
// 4 confirm receipt of a shipped order (the orders listed by amount and shop,
// then the amount and shop read back, 1, the payment password); 5 top up with
// a recharge card (16-digit number, 8-digit PIN: telecom.Service.RedeemCard);
// 7 change the payment password (the old one,
// the new one twice); 0 a person (<transfer> to IVR_AGENT_NUMBER, the menu the
// caller was in recorded on the call).
package ivr
