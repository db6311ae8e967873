// Package sms is the SMS side: the officials' and members' command language in English and
// Swahili, inbound and delivery-report handlers, outbound providers (Africa's Talking and
// a local sandbox), the template catalogue, and segment and cost arithmetic.
//
// Not built yet: this is the work of the SMS issue. It may import chama and internal only
// (see DESIGN.md).
package sms
