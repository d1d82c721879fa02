package health

// Outcome is what one request attempt to an endpoint came to, as the proxy
// saw it. A client that went away (499) is not an outcome: it says nothing
// about the endpoint and must not be observed.
type Outcome uint8

// Outcomes. Every outcome but Success counts towards Consecutive5xx (as in
// Envoy, where local-origin errors map to 5xx); GatewayError, ConnectFailure,
// Timeout and Reset also count towards ConsecutiveGatewayFailure.
const (
	Success        Outcome = iota // any answer below 500, including 4xx
	ServerError                   // the endpoint answered 5xx other than 502/503/504
	GatewayError                  // the endpoint answered 502, 503 or 504
	ConnectFailure                // the connection could not be opened
	Timeout                       // no (complete) answer within the timeout
	Reset                         // the connection broke mid-request or mid-response
)

func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case ServerError:
		return "5xx"
	case GatewayError:
		return "gateway 5xx"
	case ConnectFailure:
		return "connect failure"
	case Timeout:
		return "timeout"
	case Reset:
		return "reset"
	default:
		return "unknown outcome"
	}
}

// OutcomeForStatus maps an endpoint's HTTP status to an Outcome.
func OutcomeForStatus(code int) Outcome {
	switch {
	case code < 500:
		return Success
	case code == 502 || code == 503 || code == 504:
		return GatewayError
	default:
		return ServerError
	}
}

// isGatewayFailure reports whether o counts towards ConsecutiveGatewayFailure.
func (o Outcome) isGatewayFailure() bool {
	return o == GatewayError || o == ConnectFailure || o == Timeout || o == Reset
}

// DefaultPanicThreshold is Envoy's default healthy panic threshold, in percent.
const DefaultPanicThreshold = 50.0

// Panic reports whether a balancer should ignore health verdicts and spread
// load over all of a service's endpoints: true when fewer than
// thresholdPercent of total are ready. When too few endpoints are healthy,
// sending everything to them would overload the survivors, and the checks
// themselves may be what is wrong; spreading over all keeps some requests
// succeeding. A threshold of 0 (or less) disables panic mode; total 0 is
// never panic (there is nothing to spread over). "All" means every endpoint
// the service would route to were it healthy: endpoints being drained for
// removal stay out even in panic mode.
func Panic(total, ready int, thresholdPercent float64) bool {
	if total <= 0 || thresholdPercent <= 0 {
		return false
	}
	return float64(ready)*100 < thresholdPercent*float64(total)
}
