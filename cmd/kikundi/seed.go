package main

import (
	"context"
	"fmt"
	"io"

	"gorm.io/gorm"
)

// seedDemo creates the demo group that `kikundi dev` prints how to dial into, unless it
// is already there, and writes its phones, roles and PINs to out.
func seedDemo(ctx context.Context, db *gorm.DB, out io.Writer) error {
	fmt.Fprintln(out, "demo data: none yet")
	return nil
}
