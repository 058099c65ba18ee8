package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// BatchOptions tune a batching sink (NewBatchSink). The zero value is
// ready to use.
type BatchOptions struct {
	// Size is the most patients one transaction records; 0 is 256.
	Size int
	// Every is the longest a recording waits for its commit; 0 is one
	// second. A crash loses at most the patients of the open transaction:
	// fewer than Size, handed over within the last Every.
	Every time.Duration
}

const (
	defaultBatchSize  = 256
	defaultBatchEvery = time.Second
)

// NewBatchSink is NewSink for a population run: the recordings are written
// by one goroutine of the sink's, off the callers' goroutines, many
// patients per transaction (a commit per patient was a third of a
// recording's cost on SQLite). Each patient's recording is still all or
// nothing: when a statement or the commit of a batch fails, the batch is
// rolled back and its patients recorded again one transaction each, so a
// failing patient fails alone.
//
// Write checks and prepares the recording and returns Next's error and the
// recording's own at once; an error of the database is returned by the next
// Sync or by Close, which must be called: it commits what is queued. The
// batch is collected first and written in one go, so its transaction holds
// one of the store's connections (SQLite's only one) only while it writes.
func NewBatchSink(st *Store, tenant string, next adapter.Sink, writeBack bool, opts BatchOptions) (*Sink, error) {
	k, err := NewSink(st, tenant, next, writeBack)
	if err != nil {
		return nil, err
	}
	size, every := opts.Size, opts.Every
	if size <= 0 {
		size = defaultBatchSize
	}
	if every <= 0 {
		every = defaultBatchEvery
	}
	k.b = &batcher{st: st, size: size, every: every,
		q: make(chan batchItem, size), done: make(chan struct{})}
	go k.b.run()
	return k, nil
}

// batcher is a batching sink's writer: a bounded queue and the goroutine
// that drains it.
type batcher struct {
	st    *Store
	size  int
	every time.Duration
	q     chan batchItem
	done  chan struct{}

	// mu guards closed and the sends on q (read-locked), so Close never
	// closes q under a sender.
	mu     sync.RWMutex
	closed bool

	errMu  sync.Mutex
	first  error // the database's first error since the last Sync
	failed int   // patients the database's errors left unrecorded
}

// batchItem is one recording, or (r nil) a Sync's marker: the queue is
// FIFO, so everything written before the Sync is committed when ack
// answers.
type batchItem struct {
	r   *recording
	ack chan error
}

var errSinkClosed = errors.New("store: the sink is closed")

func (b *batcher) put(ctx context.Context, it batchItem) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errSinkClosed
	}
	select {
	case b.q <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sync waits until everything queued before it is committed and returns
// the errors since the last sync.
func (b *batcher) sync() error {
	ack := make(chan error, 1)
	if err := b.put(context.Background(), batchItem{ack: ack}); err != nil {
		return err
	}
	return <-ack
}

// close commits what is queued, stops the writer and returns the errors
// no sync returned.
func (b *batcher) close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.q)
	b.mu.Unlock()
	<-b.done
	return b.takeErrs()
}

func (b *batcher) addErr(err error) {
	b.errMu.Lock()
	defer b.errMu.Unlock()
	b.failed++
	if b.first == nil {
		b.first = err
	}
}

func (b *batcher) takeErrs() error {
	b.errMu.Lock()
	defer b.errMu.Unlock()
	if b.failed == 0 {
		return nil
	}
	// One line, our own words and the database's: no patient id.
	what := "store: 1 patient's evaluation was"
	if b.failed > 1 {
		what = fmt.Sprintf("store: %d patients' evaluations were", b.failed)
	}
	err := fmt.Errorf("%s not recorded (the first: %w)", what, b.first)
	b.first, b.failed = nil, 0
	return err
}

// run is the writer: it collects the recordings as they arrive and writes
// them in one transaction, many patients a statement (writeRecordings),
// after size patients, after every, at a sync and when the queue closes.
func (b *batcher) run() {
	defer close(b.done)
	// The writer's work is not the caller's to cancel: what was handed over
	// is recorded. A context that is never done also spares the SQLite
	// driver a watching goroutine per statement.
	ctx := context.Background()
	var pending []*recording
	timer := time.NewTimer(b.every)
	timer.Stop()
	flush := func() {
		if len(pending) == 0 {
			return
		}
		timer.Stop()
		if err := b.write(ctx, pending); err != nil {
			// One transaction per patient: each succeeds or fails alone, as
			// RecordEvaluation does.
			for _, r := range pending {
				if err := b.st.inTx(ctx, func(tx *sql.Tx) error { return b.st.writeRecording(ctx, tx, r) }); err != nil {
					b.addErr(err)
				}
			}
		}
		clear(pending)
		pending = pending[:0]
	}
	for {
		select {
		case it, ok := <-b.q:
			if !ok {
				flush()
				return
			}
			if it.r == nil {
				flush()
				it.ack <- b.takeErrs()
				continue
			}
			if len(pending) == 0 {
				timer.Reset(b.every)
			}
			pending = append(pending, it.r)
			if len(pending) >= b.size {
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// write records rs in one transaction; on any error it is rolled back.
func (b *batcher) write(ctx context.Context, rs []*recording) error {
	tx, err := b.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b.st.bindStmts(tx)
	err = b.st.writeRecordings(ctx, tx, rs)
	b.st.unbindStmts(tx)
	if err != nil {
		tx.Rollback() //nolint:errcheck // the patients are recorded again one by one
		return err
	}
	return tx.Commit()
}
