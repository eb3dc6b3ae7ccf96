package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"
)

type job struct{ id int }

type service struct {
	srv   *http.Server
	admin *http.Server
	stop  chan os.Signal
	jobs  chan job
	done  chan struct{}
}

func newService(addr, adminAddr string) *service {
	s := &service{
		stop: make(chan os.Signal),
		jobs: make(chan job, 16),
		done: make(chan struct{}),
	}
	s.srv = &http.Server{Addr: addr, Handler: http.HandlerFunc(s.enqueue)}
	s.admin = &http.Server{Addr: adminAddr}
	return s
}

func (s *service) enqueue(w http.ResponseWriter, r *http.Request) {
	s.jobs <- job{id: len(s.jobs)}
	w.WriteHeader(http.StatusAccepted)
}

// wait blocks until the process is asked to stop, then stops serving.
func (s *service) wait() {
	signal.Notify(s.stop, os.Interrupt)
	<-s.stop

	// Stop taking requests.
	if err := s.srv.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}

// stopAdmin stops the admin server; main still logs after it.
func (s *service) stopAdmin() {
	if err := s.admin.Shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}
	close(s.done)
}

// flushOnCancel writes out the queued jobs once ctx is cancelled.
func (s *service) flushOnCancel(ctx context.Context) {
	<-ctx.Done()
	flushCtx, _ := context.WithTimeout(ctx, 5*time.Second)
	s.flush(flushCtx)
}

func (s *service) flush(ctx context.Context) {
	for {
		select {
		case j := <-s.jobs:
			log.Printf("flushed job %d", j.id)
		case <-ctx.Done():
			return
		default:
			return
		}
	}
}
