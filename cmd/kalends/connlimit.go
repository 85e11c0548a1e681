package main

import (
	"net"
	"sync"
	"time"
)

// limitListener bounds the connections open at once (like
// golang.org/x/net/netutil.LimitListener). Unlike it, a connection beyond
// the bound is answered at once with 503 and closed rather than left
// waiting in the kernel's queue: a client learns the server is full, and
// thousands of idle sockets cannot pile up behind the listener.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

// refusal is the whole answer to a connection over the bound.
const refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 5\r\nConnection: close\r\nContent-Length: 31\r\n\r\ntoo many connections, try later"

// limitConnections returns ln bounded to max open connections; max <= 0
// leaves it unbounded.
func limitConnections(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, slots: make(chan struct{}, max)}
}

// Accept returns the next connection that fits under the bound, refusing
// the others.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			refuse(c)
		}
	}
}

// refuse writes the 503 answer and closes c. The answer fits the fresh
// socket's send buffer; the deadline only guards against the unexpected.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte(refusal))
	c.Close()
}

// limitConn gives its slot back when closed, once.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
