package hl7v2_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
)

// receiver is a real TCP listener speaking MLLP: it reads each framed
// message and answers with answer(i, controlID): "AA", "AE", "AR", or ""
// for no answer at all.
type receiver struct {
	addr string
	mu   sync.Mutex
	got  []string // the messages received, unframed
}

func listen(t *testing.T, answer func(i int, controlID string) string) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &receiver{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(conn, answer)
		}
	}()
	return r
}

func (r *receiver) serve(conn net.Conn, answer func(int, string) string) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; ; i++ {
		if _, err := br.ReadBytes(0x0b); err != nil {
			return
		}
		body, err := br.ReadBytes(0x1c)
		if err != nil {
			return
		}
		if _, err := br.ReadByte(); err != nil {
			return
		}
		msg := string(body[:len(body)-1])
		r.mu.Lock()
		r.got = append(r.got, msg)
		r.mu.Unlock()
		ctl := strings.Split(strings.SplitN(msg, "\r", 2)[0], "|")[9]
		code := answer(i, ctl)
		if code == "" {
			time.Sleep(2 * time.Second)
			return
		}
		ack := fmt.Sprintf("MSH|^~\\&|EPIC||rpm-adapter||20261102093001||ACK^P03^ACK|A%d|P|2.5.1\rMSA|%s|%s|%s\r", i, code, ctl,
			map[string]string{"AE": "PID-3 unknown", "AR": "no such facility"}[code])
		conn.Write(append(append([]byte{0x0b}, ack...), 0x1c, '\r'))
	}
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func threeMessages(t *testing.T) ([]string, [][]byte) {
	t.Helper()
	var ids []string
	var msgs [][]byte
	for i := range 3 {
		m := sampleMessage()
		m.ControlID = fmt.Sprintf("RPM9-%d", i+1)
		b, err := hl7v2.Options{}.Encode(m, at)
		if err != nil {
			t.Fatal(err)
		}
		ids, msgs = append(ids, m.ControlID), append(msgs, b)
	}
	return ids, msgs
}

func TestMLLPSendsEachMessageAndWaitsForItsAA(t *testing.T) {
	r := listen(t, func(int, string) string { return "AA" })
	ids, msgs := threeMessages(t)
	n, err := hl7v2.Sender{Addr: r.addr, Timeout: 5 * time.Second}.Send(context.Background(), ids, msgs)
	if err != nil || n != 3 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	got := r.received()
	if len(got) != 3 || got[1] != string(msgs[1]) {
		t.Errorf("receiver got %d messages; the second %q", len(got), got[1])
	}
}

func TestMLLPStopsAtTheFirstAEOrAR(t *testing.T) {
	for _, code := range []string{"AE", "AR"} {
		t.Run(code, func(t *testing.T) {
			r := listen(t, func(i int, _ string) string {
				if i == 1 {
					return code
				}
				return "AA"
			})
			ids, msgs := threeMessages(t)
			n, err := hl7v2.Sender{Addr: r.addr, Timeout: 5 * time.Second}.Send(context.Background(), ids, msgs)
			var rej *hl7v2.RejectedError
			if n != 1 || !errors.As(err, &rej) || rej.Code != code || rej.ControlID != "RPM9-2" {
				t.Fatalf("Send = %d, %v; want 1 accepted and a %s for RPM9-2", n, err, code)
			}
			if !strings.Contains(err.Error(), code+" to message RPM9-2") {
				t.Errorf("error %q does not say what was refused", err)
			}
			if rej.Text == "" || strings.Contains(err.Error(), rej.Text) {
				t.Errorf("the receiver's text %q must be kept apart from the error %q", rej.Text, err)
			}
			if got := len(r.received()); got != 2 {
				t.Errorf("receiver got %d messages, want 2: the third is never sent", got)
			}
		})
	}
}

func TestMLLPWithoutAnAnswerTimesOut(t *testing.T) {
	r := listen(t, func(int, string) string { return "" })
	ids, msgs := threeMessages(t)
	began := time.Now()
	n, err := hl7v2.Sender{Addr: r.addr, Timeout: 300 * time.Millisecond}.Send(context.Background(), ids, msgs)
	if n != 0 || !errors.Is(err, hl7v2.ErrNoAck) {
		t.Fatalf("Send = %d, %v; want 0 and ErrNoAck", n, err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("the timeout took %s", d)
	}
}

func TestMLLPAckForAnotherMessageIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		br.ReadBytes(0x1c)
		br.ReadByte()
		conn.Write([]byte("\x0bMSH|^~\\&|X||Y||20261102||ACK|1|P|2.5.1\rMSA|AA|SOMETHING-ELSE\r\x1c\r"))
		time.Sleep(time.Second)
	}()
	ids, msgs := threeMessages(t)
	n, err := hl7v2.Sender{Addr: ln.Addr().String(), Timeout: 2 * time.Second}.Send(context.Background(), ids, msgs)
	if n != 0 || err == nil || !strings.Contains(err.Error(), "SOMETHING-ELSE") {
		t.Fatalf("Send = %d, %v", n, err)
	}
}

func TestMLLPToNobodyFailsToConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ids, msgs := threeMessages(t)
	if n, err := (hl7v2.Sender{Addr: addr, Timeout: time.Second}).Send(context.Background(), ids, msgs); n != 0 || err == nil {
		t.Fatalf("Send = %d, %v", n, err)
	}
}
