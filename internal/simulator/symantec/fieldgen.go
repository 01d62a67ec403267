package symantec

import (
	"strconv"
	"strings"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// fieldGen renders one ELFF column of a line. Fields not listed print "-".
var fieldGen = map[string]func(*lineCtx) string{
	"x-bluecoat-request-tenant-id":           func(c *lineCtx) string { return strconv.Itoa(int(c.s.seed%90000) + 10000) },
	"date":                                   func(c *lineCtx) string { return c.t.Format("2006-01-02") },
	"time":                                   func(c *lineCtx) string { return c.t.Format("15:04:05") },
	"x-bluecoat-appliance-name":              func(c *lineCtx) string { return quote(appliances[c.i%len(appliances)]) },
	"time-taken":                             func(c *lineCtx) string { return strconv.Itoa(c.taken) },
	"c-ip":                                   func(c *lineCtx) string { return c.cip },
	"cs-userdn":                              func(c *lineCtx) string { return q(latin9(c.who.dn)) },
	"cs-auth-groups":                         func(c *lineCtx) string { return q(latin9(c.who.groups)) },
	"x-exception-id":                         func(c *lineCtx) string { return c.exc },
	"sc-filter-result":                       func(c *lineCtx) string { return c.filter },
	"cs-categories":                          func(c *lineCtx) string { return quote(c.site.cat) },
	"cs(Referer)":                            fixed("-"),
	"sc-status":                              func(c *lineCtx) string { return c.status },
	"s-action":                               func(c *lineCtx) string { return c.action },
	"cs-method":                              func(c *lineCtx) string { return c.method },
	"rs(Content-Type)":                       func(c *lineCtx) string { return c.site.ctype },
	"cs-uri-scheme":                          func(c *lineCtx) string { return c.scheme },
	"cs-host":                                func(c *lineCtx) string { return c.site.host },
	"cs-uri-port":                            func(c *lineCtx) string { return c.port },
	"cs-uri-path":                            func(c *lineCtx) string { return c.site.path },
	"cs-uri-query":                           func(c *lineCtx) string { return c.query() },
	"cs-uri-extension":                       func(c *lineCtx) string { return c.site.ext },
	"cs(User-Agent)":                         func(c *lineCtx) string { return q(c.ua) },
	"s-ip":                                   func(c *lineCtx) string { return c.sip },
	"sc-bytes":                               func(c *lineCtx) string { return strconv.Itoa(c.scBytes) },
	"cs-bytes":                               func(c *lineCtx) string { return strconv.Itoa(c.csBytes) },
	"x-data-leak-detected":                   fixed("0"),
	"x-bluecoat-location-id":                 func(c *lineCtx) string { return c.locID() },
	"x-bluecoat-location-name":               func(c *lineCtx) string { return c.locName() },
	"x-bluecoat-access-type":                 func(c *lineCtx) string { return c.accessType() },
	"x-bluecoat-application-name":            func(c *lineCtx) string { return q(c.site.app) },
	"x-bluecoat-application-operation":       func(c *lineCtx) string { return q(c.site.op) },
	"r-ip":                                   func(c *lineCtx) string { return c.rip },
	"r-supplier-country":                     func(c *lineCtx) string { return quote(c.country) },
	"x-rs-certificate-validate-status":       func(c *lineCtx) string { return tlsOr(c, "CERT_VALID") },
	"x-rs-certificate-observed-errors":       func(c *lineCtx) string { return tlsOr(c, "none") },
	"x-rs-connection-negotiated-ssl-version": func(c *lineCtx) string { return tlsOr(c, c.tlsVer) },
	"x-rs-connection-negotiated-cipher":      func(c *lineCtx) string { return tlsOr(c, cipher(c)) },
	"x-rs-connection-negotiated-cipher-size": func(c *lineCtx) string { return tlsOr(c, "256") },
	"x-rs-certificate-hostname":              func(c *lineCtx) string { return c.certHost() },
	"x-rs-certificate-hostname-categories":   func(c *lineCtx) string { return q(c.site.cat) },
	"x-cs-connection-negotiated-ssl-version": func(c *lineCtx) string { return tlsOr(c, c.tlsVer) },
	"x-cs-connection-negotiated-cipher":      func(c *lineCtx) string { return tlsOr(c, cipher(c)) },
	"x-cs-connection-negotiated-cipher-size": func(c *lineCtx) string { return tlsOr(c, "256") },
	"cs-icap-status":                         fixed("ICAP_NOT_SCANNED"),
	"rs-icap-status":                         fixed("ICAP_NOT_SCANNED"),
	"s-supplier-ip":                          func(c *lineCtx) string { return c.rip },
	"s-supplier-country":                     func(c *lineCtx) string { return q(c.country) },
	"x-cs-client-ip-country":                 func(c *lineCtx) string { return q(c.country) },
	"cs-threat-risk":                         func(c *lineCtx) string { return c.risk },
	"x-rs-certificate-hostname-threat-risk":  func(c *lineCtx) string { return tlsOr(c, "2") },
	"x-client-agent-type":                    func(c *lineCtx) string { return agentOr(c, "wss-agent") },
	"x-client-os":                            func(c *lineCtx) string { return agentOr(c, clientOS[c.i%len(clientOS)]) },
	"x-client-agent-sw":                      func(c *lineCtx) string { return agentOr(c, "9.1.2.19354") },
	"x-client-device-id":                     func(c *lineCtx) string { return agentOr(c, deviceID(c)) },
	"x-client-device-name":                   func(c *lineCtx) string { return agentOr(c, c.who.device) },
	"x-sc-connection-issuer-keyring":         func(c *lineCtx) string { return tlsOr(c, "SSL_Intercept_1") },
	"x-random-ipv6":                          func(c *lineCtx) string { return c.ipv6 },
	"x-bluecoat-transaction-uuid":            func(c *lineCtx) string { return orDash(c.uuid) },
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tlsOr gives v for intercepted HTTPS and "-" otherwise.
func tlsOr(c *lineCtx, v string) string {
	if c.scheme != "https" {
		return "-"
	}
	return v
}

// agentOr gives v for traffic from the client connector, "-" otherwise.
func agentOr(c *lineCtx, v string) string {
	if c.loc >= 0 {
		return "-"
	}
	return v
}

func cipher(c *lineCtx) string {
	if strings.HasSuffix(c.tlsVer, "1.3") {
		return "TLS_AES_256_GCM_SHA384"
	}
	return "ECDHE-RSA-AES256-GCM-SHA384"
}

// deviceID is stable per user, like a real agent's device id.
func deviceID(c *lineCtx) string {
	h := simrand.Mix(c.s.seed ^ simrand.Salt(c.who.dn))
	return uuidOf(h, simrand.Mix(h))
}
