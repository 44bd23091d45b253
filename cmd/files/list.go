package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"grpcwire/filespb"
)

// runList is "files ls": one line per stored file, name, size, time of
// the last change and SHA-256 (when the server knows it without reading
// the file), and uploads in progress or interrupted with their progress.
func runList(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("takes no arguments, got %q", args)
	}
	res, err := filespb.NewFilesClient(e.conn).List(ctx, &filespb.ListRequest{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.io.out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tMODIFIED\tSHA256")
	for _, fi := range res.GetFiles() {
		size, mod, sum := "-", "-", "-"
		if fi.GetModified() != nil {
			size = fmt.Sprint(fi.GetSize())
			mod = fi.GetModified().AsTime().Local().Format(time.DateTime)
		}
		if len(fi.GetSha256()) > 0 {
			sum = fmt.Sprintf("%x", fi.GetSha256())
		}
		if fi.GetUploadSize() > 0 || fi.GetUploadCommitted() > 0 {
			sum += fmt.Sprintf("  (upload of %d bytes in progress or interrupted: %d committed)", fi.GetUploadSize(), fi.GetUploadCommitted())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", fi.GetName(), size, mod, sum)
	}
	return tw.Flush()
}

// runStat is "files stat NAME": the file's description, one field a line.
func runStat(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one NAME, got %d arguments", len(args))
	}
	fi, err := filespb.NewFilesClient(e.conn).Stat(ctx, &filespb.StatRequest{Name: args[0]})
	if err != nil {
		return err
	}
	w := e.io.out
	fmt.Fprintf(w, "name:      %s\n", fi.GetName())
	if fi.GetModified() != nil {
		fmt.Fprintf(w, "size:      %d\n", fi.GetSize())
		fmt.Fprintf(w, "sha256:    %x\n", fi.GetSha256())
		fmt.Fprintf(w, "modified:  %s\n", fi.GetModified().AsTime().Local().Format(time.RFC3339))
	} else {
		fmt.Fprintln(w, "stored:    no (only an upload of this name)")
	}
	if fi.GetUploadSize() > 0 || fi.GetUploadCommitted() > 0 {
		fmt.Fprintf(w, "upload:    %d of %d bytes committed; files put -resume continues it\n", fi.GetUploadCommitted(), fi.GetUploadSize())
	}
	return nil
}
