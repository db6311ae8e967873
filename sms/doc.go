// Package sms is the SMS side of Kikundi. Outbound: the template catalogue that turns
// chama's notices into Swahili or English text (always GSM-7, at most two parts), the
// outbox table every message is written to before it is sent (its Notify is chama's
// Notifier), the providers that send (Africa's Talking, and a sandbox for development),
// delivery reports, and segment and cost arithmetic. Inbound: the Inbox answers members'
// and officials' commands (parsed by sms/command), deduplicated on the aggregator's id,
// rate-limited per phone, never storing the text, and records opt-outs.
//
// Still to come: reminders, quiet hours and the treasurer's digest. It may import chama
// and internal only (see DESIGN.md).
package sms
