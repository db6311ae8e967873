package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errHelp means a command printed its help because it was asked to; the process exits 0.
var errHelp = errors.New("help requested")

// flags is one subcommand's flag set with the text of its usage.
type flags struct {
	*flag.FlagSet
	args    string
	summary string
}

// newFlags makes a subcommand's flag set. The flag package prints nothing itself: parse
// turns its errors into a usageError, so every usage problem looks and exits the same.
func newFlags(name, args, summary string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flags{FlagSet: fs, args: args, summary: summary}
}

func (f *flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: kikundi %s %s\n\n%s\n", f.Name(), f.args, f.summary)
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
}

// parse parses args. On -h it prints the usage to stdout and returns errHelp; anything
// else wrong is a usageError.
func (f *flags) parse(args []string, stdout io.Writer) error {
	err := f.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		f.usage(stdout)
		return errHelp
	default:
		return &usageError{msg: err.Error(), usage: f.usage}
	}
}

// noArgs parses a command that takes flags only.
func (f *flags) noArgs(args []string, stdout io.Writer) error {
	if err := f.parse(args, stdout); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("%s takes no arguments, got %q", f.Name(), f.Arg(0)), usage: f.usage}
	}
	return nil
}
