package registry

import (
	"github.com/drainfix/drainfix/matchers"
	"github.com/drainfix/drainfix/rewrites"
)

var globalOnce = &Rule{
	Name:    "global-once",
	Seed:    []int{9},
	Summary: "a package-level sync.Once is used only by the methods of one type",
	Doc: `A sync.Once that guards a method's work (closing a queue in Drain, say)
belongs to the value the method works on. At package level it is shared by
every value of the type: the first value drained uses it up, and every other
one is never drained, its queue never closed and its workers never told to
stop. Only a Once whose function stops something of the receiver (closes a
channel, cancels, waits, calls Close, Stop, Shutdown or Drain) is reported:
a package-wide lazy init done from a method, a Once used by package
functions, or one shared by the methods of several types is correct. The fix
moves the variable into the struct as its first field (under the variable's
name when free) and calls Do through the method's receiver. It is refused for an
exported variable, a type that is not a struct declared in the package, a
use other than once.Do in a method with a named pointer receiver, an unkeyed
composite literal of the type, and a type that holds no lock yet but whose
values are copied (go vet would then report the copies).`,
	Bad: `var once sync.Once

func (s *Server) Drain() {
	once.Do(func() { close(s.queue) })
}`,
	Good: `type Server struct {
	once  sync.Once
	queue chan Job
}

func (s *Server) Drain() {
	s.once.Do(func() { close(s.queue) })
}`,
	Match: matchers.GlobalOnce,
	Fix:   rewrites.GlobalOnce,
}
