package generate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// ExpectedFile is the name of the oracle written beside the sample data.
const ExpectedFile = "expected.json"

// generator plans and writes one population.
type generator struct {
	opts  Options
	em    *emitter
	cases []workedCase
	locs  []*time.Location // zoneDefs' zones, by index
	total int              // patients, edge and ordinary
	width int              // digits of ordinary patient numbers
}

func newGenerator(opts Options) (*generator, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	byName, err := zones()
	if err != nil {
		return nil, err
	}
	g := &generator{opts: opts, em: newEmitter(opts.Canonical), width: 5}
	for _, z := range zoneDefs {
		g.locs = append(g.locs, byName[z.name])
	}
	if opts.WorkedCases {
		g.cases = workedCases()
	}
	g.total = len(g.cases) + opts.Patients
	for n := opts.Patients; n >= 100_000; n /= 10 {
		g.width++
	}
	return g, nil
}

// splitmix64 spreads a counter over 64 bits, so that neighbouring patients
// get unrelated PCG streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// plan fills p with patient number i (0-based; the worked cases first).
// Each patient draws from its own stream, so the bytes do not depend on
// which goroutine builds it.
func (g *generator) plan(p *patient, src *rand.PCG, r *rand.Rand, i int) {
	s := splitmix64(uint64(g.opts.Seed))
	s1 := splitmix64(s ^ uint64(i))
	src.Seed(s1, splitmix64(s1^0x5851f42d4c957f2d))
	p.reset(r)
	if i < len(g.cases) {
		g.cases[i].plan(p, g)
		return
	}
	g.ordinary(p, i-len(g.cases)+1)
}

// patientIDs yields every patient id in order, for the Group.
func (g *generator) patientIDs() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, c := range g.cases {
			if !yield(c.id) {
				return
			}
		}
		buf := make([]byte, 0, 16)
		for n := 1; n <= g.opts.Patients; n++ {
			buf = appendSeq(buf[:0], "pt-", n, g.width)
			if !yield(string(buf)) {
				return
			}
		}
	}
}

// batchSize keeps a batch around a few megabytes whatever the options.
func (g *generator) batchSize() int {
	perPatient := float64(g.opts.Months*31) * g.opts.ReadingsPerDay
	return max(1, min(64, int(4000/perPatient)))
}

// WriteTo generates the population and writes each resource type's NDJSON
// to sinks[type] (see Types); a type missing from sinks is generated and
// dropped. Several types may share one writer: writes happen from one
// goroutine, whole resources at a time, in a fixed order. Patients are built
// on GOMAXPROCS goroutines and written in patient order.
func WriteTo(sinks map[string]io.Writer, opts Options) (Stats, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return Stats{}, err
	}
	return g.run(sinks)
}

func (g *generator) run(sinks map[string]io.Writer) (Stats, error) {
	var outs [numTypes]io.Writer
	for t, name := range typeNames {
		outs[t] = sinks[name]
	}
	st := Stats{Resources: make(map[string]int, numTypes), Patients: g.total}
	var counts [numTypes]int
	flush := func(bt *batch) error {
		for t := range numTypes {
			counts[t] += bt.count[t]
			if len(bt.buf[t]) == 0 || outs[t] == nil {
				st.Bytes += int64(len(bt.buf[t]))
				continue
			}
			n, err := outs[t].Write(bt.buf[t])
			st.Bytes += int64(n)
			if err != nil {
				return fmt.Errorf("generate: write %s: %w", typeNames[t], err)
			}
		}
		return nil
	}

	head := new(batch)
	g.em.static(head)
	err := flush(head)
	if err == nil {
		err = g.patients(flush)
	}
	if err == nil {
		head.reset()
		head.buf[tGroup] = g.em.group(head.buf[tGroup], g.patientIDs(), g.total)
		head.count[tGroup] = 1
		err = flush(head)
	}
	for t, name := range typeNames {
		if counts[t] > 0 {
			st.Resources[name] = counts[t]
		}
	}
	return st, err
}

// patients builds the patients in parallel batches and hands them to flush
// in order. flush runs on the calling goroutine only.
func (g *generator) patients(flush func(*batch) error) error {
	type job struct {
		lo, hi int
		out    chan *batch
	}
	workers := runtime.GOMAXPROCS(0)
	size := g.batchSize()
	jobs := make(chan job, 2*workers)
	order := make(chan job, 2*workers)
	quit := make(chan struct{})
	pool := sync.Pool{New: func() any { return new(batch) }}

	go func() {
		defer close(order)
		defer close(jobs)
		for lo := 0; lo < g.total; lo += size {
			j := job{lo: lo, hi: min(lo+size, g.total), out: make(chan *batch, 1)}
			select {
			case jobs <- j:
			case <-quit:
				return
			}
			select {
			case order <- j:
			case <-quit:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			src := rand.NewPCG(0, 0)
			r := rand.New(src)
			p := new(patient)
			for j := range jobs {
				bt := pool.Get().(*batch)
				bt.reset()
				for i := j.lo; i < j.hi; i++ {
					g.plan(p, src, r, i)
					g.em.patient(bt, p)
				}
				j.out <- bt
			}
		})
	}

	var err error
	for j := range order {
		if err != nil {
			continue // drain; the workers never block on a buffered out
		}
		bt := <-j.out
		if err = flush(bt); err != nil {
			close(quit)
		}
		pool.Put(bt)
	}
	wg.Wait()
	return err
}

// Write generates the population into dir as a Bulk Data export folder:
// <Type>.ndjson for every type with at least one resource, and expected.json
// when opts.Expected is set. It creates dir if needed and replaces only the
// files it writes (and removes its own files of types that are now empty).
func Write(dir string, opts Options) (st Stats, err error) {
	g, err := newGenerator(opts)
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	var files [numTypes]*os.File
	var bufs [numTypes]*bufio.Writer
	sinks := make(map[string]io.Writer, numTypes)
	defer func() {
		for t, f := range files {
			if f == nil {
				continue
			}
			if err == nil {
				err = bufs[t].Flush()
			}
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("generate: %w", cerr)
			}
			if err == nil && st.Resources[typeNames[t]] == 0 {
				err = os.Remove(f.Name())
			}
		}
	}()
	for t, name := range typeNames {
		f, err := os.Create(filepath.Join(dir, name+".ndjson"))
		if err != nil {
			return Stats{}, fmt.Errorf("generate: %w", err)
		}
		files[t], bufs[t] = f, bufio.NewWriterSize(f, 1<<20)
		sinks[name] = bufs[t]
	}
	st, err = g.run(sinks)
	if err != nil {
		return st, err
	}
	exp := filepath.Join(dir, ExpectedFile)
	if !g.opts.Expected {
		if err := os.Remove(exp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return st, fmt.Errorf("generate: %w", err)
		}
		return st, nil
	}
	b, err := Oracle().JSON()
	if err != nil {
		return st, err
	}
	if err := os.WriteFile(exp, b, 0o644); err != nil {
		return st, fmt.Errorf("generate: %w", err)
	}
	return st, nil
}
