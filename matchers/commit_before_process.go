package matchers

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

const (
	cbpKafka  = "github.com/segmentio/kafka-go"
	cbpSarama = "github.com/IBM/sarama"
)

// CommitBeforeProcess: a consumer hands a fetched message to a goroutine
// and commits its offset at once.
//
// The offset says the message is done while it is still being processed:
// when processing fails, or the service drains and exits before the
// goroutine ends, the message is lost, because the consumer group resumes
// after it. The rule reads one iteration of a consumer loop: a message
// fetched with (*kafka.Reader).FetchMessage (segmentio/kafka-go), or
// received from a sarama ConsumerGroupClaim's Messages channel, handed to a
// go statement, and then committed in the same statement list with
// CommitMessages on the same reader or (sarama.ConsumerGroupSession).
// MarkMessage. A goroutine that commits after its own processing, and a
// commit before the go statement, are not reported.
//
// The fix processes the message in place and commits only when that
// succeeds: go process(msg) becomes if err := process(msg); err != nil {
// continue } when process returns just an error, and process(msg) when it
// returns nothing. It is refused when the goroutine runs more than a single
// call, or when the call returns anything else.
//
//	msg, err := r.FetchMessage(ctx)
//	...
//	go process(msg)                     // bad
//	_ = r.CommitMessages(ctx, msg)
//
//	if err := process(msg); err != nil { // good
//		continue
//	}
//	_ = r.CommitMessages(ctx, msg)
func CommitBeforeProcess(p *Pass) []Finding {
	if !imports(p.Pkg, cbpKafka) && !imports(p.Pkg, cbpSarama) {
		return nil
	}
	var found []Finding
	for _, f := range p.Owned {
		p.inspectFile(f, func(n ast.Node) bool {
			list := stmtList(n)
			for i, s := range list {
				gs, ok := s.(*ast.GoStmt)
				if !ok {
					continue
				}
				loop := cbpLoop(p.pathTo(gs))
				if loop == nil {
					continue
				}
				msgs := p.cbpFetched(loop)
				v := p.cbpMsgOf(gs, msgs)
				if v == nil || !p.cbpCommits(list[i+1:], v, msgs[v]) {
					continue
				}
				fd := Finding{
					Pos: gs.Pos(), End: gs.End(),
					Message: fmt.Sprintf("%s is processed in a goroutine and its offset committed at once: if processing fails, or the service drains before it ends, the message is lost; process it, then commit", v.Name()),
				}
				fix, why := p.cbpFix(n, gs)
				setFix(&fd, fix, why)
				found = append(found, fd)
			}
			return true
		}, stmtListTypes...)
	}
	return found
}

// A CommitBeforeProcessFix replaces the go statement Go, of the list Block,
// by a plain call of Call: in an if that returns its error from the
// consumer's function (CheckErr), else as a statement. Inner is the func literal's
// only statement when the goroutine is one, whose comments are kept.
type CommitBeforeProcessFix struct {
	Go       *ast.GoStmt
	Block    ast.Node
	Call     *ast.CallExpr
	Inner    *ast.ExprStmt
	CheckErr bool
}

// returnsJustError reports whether a function of type ft has exactly one
// result, of type error.
func returnsJustError(info *types.Info, ft *ast.FuncType) bool {
	if ft == nil || ft.Results == nil || ft.Results.NumFields() != 1 {
		return false
	}
	return types.Identical(info.TypeOf(ft.Results.List[0].Type), types.Universe.Lookup("error").Type())
}

// A cbpFetch is where a message variable was fetched from.
type cbpFetch struct {
	reader string // cbdKey of the kafka.Reader; "" for sarama
	sarama bool
}

// cbpLoop returns the innermost loop holding path[0] in its function.
func cbpLoop(path []ast.Node) ast.Stmt {
	for _, n := range path[1:] {
		switch n := n.(type) {
		case *ast.ForStmt:
			return n
		case *ast.RangeStmt:
			return n
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		}
	}
	return nil
}

// cbpFetched returns the message variables one iteration of loop fetches:
// msg, err := r.FetchMessage(ctx); for msg := range claim.Messages();
// msg, ok := <-claim.Messages() (also as a select case).
func (p *Pass) cbpFetched(loop ast.Stmt) map[*types.Var]cbpFetch {
	msgs := map[*types.Var]cbpFetch{}
	lhsVar := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		v, _ := p.Info.ObjectOf(id).(*types.Var)
		return v
	}
	var body *ast.BlockStmt
	switch l := loop.(type) {
	case *ast.ForStmt:
		body = l.Body
	case *ast.RangeStmt:
		body = l.Body
		if v := lhsVar(l.Key); v != nil && p.cbpIsMessages(l.X) {
			msgs[v] = cbpFetch{sarama: true}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.ForStmt, *ast.RangeStmt:
			return false // another function, or other iterations
		case *ast.AssignStmt:
			if len(n.Rhs) != 1 {
				return true
			}
			v := lhsVar(n.Lhs[0])
			if v == nil {
				return true
			}
			switch rhs := ast.Unparen(n.Rhs[0]).(type) {
			case *ast.CallExpr:
				if sel, ok := ast.Unparen(rhs.Fun).(*ast.SelectorExpr); ok && isMethod(callee(p.Info, rhs), cbpKafka, "Reader", "FetchMessage") {
					if k := cbdKey(p.Info, sel.X); k != "" {
						msgs[v] = cbpFetch{reader: k}
					}
				}
			case *ast.UnaryExpr:
				if rhs.Op == token.ARROW && p.cbpIsMessages(rhs.X) {
					msgs[v] = cbpFetch{sarama: true}
				}
			}
		}
		return true
	})
	return msgs
}

// cbpIsMessages reports whether e is claim.Messages() of a
// sarama.ConsumerGroupClaim.
func (p *Pass) cbpIsMessages(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isMethod(callee(p.Info, call), cbpSarama, "ConsumerGroupClaim", "Messages")
}

// cbpMsgOf returns the fetched message the go statement's call takes, or
// nil.
func (p *Pass) cbpMsgOf(gs *ast.GoStmt, msgs map[*types.Var]cbpFetch) *types.Var {
	var found *types.Var
	ast.Inspect(gs.Call, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && found == nil {
			if v, ok := p.Info.Uses[id].(*types.Var); ok {
				if _, ok := msgs[v]; ok {
					found = v
				}
			}
		}
		return found == nil
	})
	return found
}

// cbpCommits reports whether one of list commits the message v: the
// reader it came from commits it, or a sarama session marks it.
func (p *Pass) cbpCommits(list []ast.Stmt, v *types.Var, from cbpFetch) bool {
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && p.Info.Uses[id] == v
	}
	found := false
	for _, s := range list {
		ast.Inspect(s, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok || found {
				return false
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := callee(p.Info, call)
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			switch {
			case !ok:
			case from.sarama:
				found = isMethod(fn, cbpSarama, "ConsumerGroupSession", "MarkMessage") && len(call.Args) > 0 && is(call.Args[0])
			case isMethod(fn, cbpKafka, "Reader", "CommitMessages") && cbdKey(p.Info, sel.X) == from.reader:
				for _, a := range call.Args[1:] {
					found = found || is(a)
				}
			}
			return !found
		})
	}
	return found
}

// cbpFix works out how to run the go statement's work in place.
func (p *Pass) cbpFix(block ast.Node, gs *ast.GoStmt) (*CommitBeforeProcessFix, string) {
	fix := &CommitBeforeProcessFix{Go: gs, Block: block, Call: gs.Call}
	if lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit); ok {
		const why = "the goroutine runs more than a single call: process the message before committing by hand"
		if lit.Type.Params.NumFields() > 0 || len(lit.Body.List) != 1 {
			return nil, why
		}
		es, ok := lit.Body.List[0].(*ast.ExprStmt)
		if !ok {
			return nil, why
		}
		call, ok := ast.Unparen(es.X).(*ast.CallExpr)
		if !ok {
			return nil, why
		}
		fix.Call, fix.Inner = call, es
	}
	sig, ok := p.Info.TypeOf(fix.Call.Fun).Underlying().(*types.Signature)
	if !ok {
		return nil, "the goroutine does not call a function"
	}
	name := types.ExprString(fix.Call.Fun)
	switch res := sig.Results(); {
	case res.Len() == 0:
	case res.Len() == 1 && types.Identical(res.At(0).Type(), types.Universe.Lookup("error").Type()):
		fix.CheckErr = true
		if _, obj := p.scopeAt(gs).LookupParent("nil", gs.Pos()); obj != types.Universe.Lookup("nil") {
			return nil, "nil is redefined here"
		}
		// Offsets are committed per partition and cumulatively: going on
		// to commit a later message would commit past the failed one, and
		// lose it anyway. The failure must leave the loop, with its error.
		if _, ft := funcBody(p.pathTo(gs)); !returnsJustError(p.Info, ft) {
			return nil, name + " returns an error, and the consumer's function has no error result to return it through: continuing would commit a later offset past the failed message (offsets are committed per partition, cumulatively); retry the message or stop the consumer by hand"
		}
	default:
		return nil, fmt.Sprintf("%s returns %s, not just an error: decide by hand when the message counts as processed", name, res)
	}
	return fix, ""
}
