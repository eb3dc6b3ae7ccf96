// The third-party modules the corpus test and the benchmark run drainfix
// on, pinned. Nothing imports them; go mod download -json lists them.
module example.com/drainfix-corpus-pins

go 1.26.0

require (
	github.com/gubernator-io/gubernator/v2 v2.13.0
	github.com/nats-io/nats-server/v2 v2.15.2
	github.com/prometheus/client_golang v1.25.0
	github.com/segmentio/kafka-go v0.4.51
	golang.org/x/tools v0.52.0
	google.golang.org/grpc v1.85.0
)
