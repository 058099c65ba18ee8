package hl7v2

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// MLLP framing (HL7 v2 appendix C): a vertical tab, the message, a file
// separator and a carriage return.
const (
	mllpStart = 0x0b
	mllpEnd   = 0x1c
)

// ErrNoAck is wrapped by Send when the receiver does not answer in time.
var ErrNoAck = errors.New("hl7v2: no acknowledgement from the receiver")

// RejectedError is a receiver's AE or AR (MSA-1), with MSA-3's text. The
// text stays out of Error: a receiver's message may quote an MRN or a name,
// and errors reach stderr and logs (as upstream FHIR diagnostics never do).
type RejectedError struct {
	ControlID, Code, Text string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("hl7v2: the receiver answered %s to message %s", e.Code, e.ControlID)
}

// Sender sends messages over one MLLP connection and waits for each
// acknowledgement.
type Sender struct {
	// Addr is HOST:PORT.
	Addr string
	// Timeout bounds the connection and each wait for an ACK (default 30 s).
	Timeout time.Duration
}

// Send sends msgs (each with its control id, ids[i]) in order and returns
// how many were accepted (AA, or CA). It stops at the first AE/AR
// (*RejectedError), at a missing answer (ErrNoAck) or at a broken
// connection; the messages from that one on were not accepted.
func (s Sender) Send(ctx context.Context, ids []string, msgs [][]byte) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return 0, fmt.Errorf("hl7v2: connecting to the MLLP receiver: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	r := bufio.NewReader(conn)
	for i, m := range msgs {
		if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
			return i, err
		}
		frame := make([]byte, 0, len(m)+3)
		frame = append(append(append(frame, mllpStart), m...), mllpEnd, '\r')
		if _, err := conn.Write(frame); err != nil {
			return i, fmt.Errorf("hl7v2: sending message %s: %w", ids[i], err)
		}
		ack, err := readFrame(r)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return i, fmt.Errorf("%w for message %s within %s", ErrNoAck, ids[i], timeout)
			}
			if ctx.Err() != nil {
				return i, ctx.Err()
			}
			return i, fmt.Errorf("hl7v2: reading the acknowledgement of message %s: %w", ids[i], err)
		}
		if err := checkAck(ack, ids[i]); err != nil {
			return i, err
		}
	}
	return len(msgs), nil
}

// readFrame reads one MLLP frame, skipping bytes before its start.
func readFrame(r *bufio.Reader) ([]byte, error) {
	if _, err := r.ReadBytes(mllpStart); err != nil {
		return nil, err
	}
	body, err := r.ReadBytes(mllpEnd)
	if err != nil {
		return nil, err
	}
	if _, err := r.ReadByte(); err != nil { // the closing carriage return
		return nil, err
	}
	return body[:len(body)-1], nil
}

// checkAck reads MSA-1 (AA/CA accept; AE, AR, CE, CR refuse) and MSA-2 (the
// control id acknowledged).
func checkAck(ack []byte, controlID string) error {
	for _, seg := range bytes.Split(ack, []byte{'\r'}) {
		seg = bytes.TrimLeft(seg, "\n")
		if !bytes.HasPrefix(seg, []byte("MSA|")) {
			continue
		}
		f := strings.Split(string(seg), "|")
		field := func(i int) string {
			if i < len(f) {
				return f[i]
			}
			return ""
		}
		code := field(1)
		if field(2) != controlID {
			return fmt.Errorf("hl7v2: the acknowledgement names message %q, not %s", field(2), controlID)
		}
		switch code {
		case "AA", "CA":
			return nil
		default:
			return &RejectedError{ControlID: controlID, Code: code, Text: field(3)}
		}
	}
	return fmt.Errorf("hl7v2: the answer to message %s has no MSA segment", controlID)
}
