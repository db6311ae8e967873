// Package screen owns what a USSD screen looks like on the wire: the GSM-7 alphabet and
// its septet count, the cleaning that keeps a stray smart quote or emoji from turning a
// screen into UCS-2, and the layout that pages a Screen into texts of at most 182 septets
// with the 98/0/00 controls. Every menu, in every language, renders through it, so no
// screen is ever cut short by a gateway or sent as UCS-2.
package screen
