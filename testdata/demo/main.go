// Command demo is a small HTTP job service carrying several of the drain
// bugs drainfix finds. Run drainfix on it from the repository root:
//
//	go run ./cmd/drainfix -diff ./testdata/demo
package main

import (
	"log"
)

func main() {
	svc := newService(":8080", ":8081")
	go func() {
		// Shutdown makes ListenAndServe return http.ErrServerClosed at
		// once: this kills the process in the middle of the drain.
		log.Fatal(svc.srv.ListenAndServe())
	}()
	go svc.admin.ListenAndServe()
	svc.wait()
	svc.stopAdmin()
	log.Print("bye")
}
