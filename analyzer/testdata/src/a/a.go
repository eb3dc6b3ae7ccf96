package a

import (
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func serve() {
	srv := &http.Server{Addr: ":8080"}
	go srv.ListenAndServe()
	stop := make(chan os.Signal) // want `signal-unbuffered: channel given to signal.Notify is unbuffered`
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	srv.Close() // want `server-close: \(\*http.Server\).Close on the shutdown path`
}

func ignored() {
	//drainfix:ignore signal-unbuffered tested: suppression works under vet too
	stop := make(chan os.Signal)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
}
