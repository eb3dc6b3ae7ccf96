// Command demo is a small HTTP service with the drain bugs drainfix finds.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type service struct {
	srv  *http.Server
	stop chan os.Signal
}

func newService(addr string) *service {
	return &service{
		srv:  &http.Server{Addr: addr, Handler: http.HandlerFunc(hello)},
		stop: make(chan os.Signal), // unbuffered: a SIGTERM can be lost
	}
}

func hello(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("hello\n"))
}

func (s *service) run() {
	go s.srv.ListenAndServe()
	signal.Notify(s.stop, syscall.SIGTERM, os.Interrupt)
	<-s.stop
	// Stop serving.
	if err := s.srv.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}

func worker(ctx context.Context) {
	<-ctx.Done()
	_ = time.Second
}

func main() {
	s := newService(":8080")
	s.run()
}
