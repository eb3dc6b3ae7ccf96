module github.com/drainfix/drainfix/golangci

go 1.26.0

require (
	github.com/drainfix/drainfix v0.0.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/dave/dst v0.28.0 // indirect
	github.com/golangci/plugin-module-register v0.1.2
	github.com/sergi/go-diff v1.4.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)

replace github.com/drainfix/drainfix => ../
