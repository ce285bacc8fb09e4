package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"lineescrow/app/store"
)

func seedCmd(ctx context.Context, stdout io.Writer) error {
	db, err := openDB(ctx, os.Getenv("DATABASE_URL"), 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := store.MigrateUp(ctx, db.SQL); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo data is in place")
	return nil
}
