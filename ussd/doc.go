// Package ussd is the USSD gateway: a pure session engine ((state, input) -> (screen, new
// state, effects)), the member and official menus in Swahili and English, the renderer
// that keeps every screen within 182 GSM-7 characters, the Redis session store, and thin
// adapters for each aggregator's webhook format.
//
// Not built yet: this is the work of the USSD issue. It may import chama and internal only
// (see DESIGN.md).
package ussd
