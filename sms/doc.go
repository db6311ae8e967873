// Package sms is the SMS side of Kikundi. It owns the outbound path: the template
// catalogue that turns chama's notices into Swahili or English text (always GSM-7, at most
// two parts), the outbox table every message is written to before it is sent (its Notify
// is chama's Notifier), the providers that send (Africa's Talking, and a sandbox for
// development), delivery reports, and segment and cost arithmetic.
//
// Still to come here: the officials' and members' command language and the inbound SMS
// handlers. It may import chama and internal only (see DESIGN.md).
package sms
