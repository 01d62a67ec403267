package symantec

import (
	"strings"
	"time"

	"github.com/gatelog/gatelog/internal/simulator/simrand"
)

// defaultFields is the vendor's default ELFF field list (docs section 4).
var defaultFields = strings.Fields(`x-bluecoat-request-tenant-id date time x-bluecoat-appliance-name time-taken c-ip
cs-userdn cs-auth-groups x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method
rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip
sc-bytes cs-bytes x-icap-reqmod-header(X-ICAP-Metadata) x-icap-respmod-header(X-ICAP-Metadata)
x-data-leak-detected x-virus-id x-bluecoat-location-id x-bluecoat-location-name x-bluecoat-access-type
x-bluecoat-application-name x-bluecoat-application-operation r-ip r-supplier-country
x-rs-certificate-validate-status x-rs-certificate-observed-errors x-cs-ocsp-error x-rs-ocsp-error
x-rs-connection-negotiated-ssl-version x-rs-connection-negotiated-cipher x-rs-connection-negotiated-cipher-size
x-rs-certificate-hostname x-rs-certificate-hostname-categories x-cs-connection-negotiated-ssl-version
x-cs-connection-negotiated-cipher x-cs-connection-negotiated-cipher-size x-cs-certificate-subject
cs-icap-status cs-icap-error-details rs-icap-status rs-icap-error-details s-supplier-ip s-supplier-country
s-supplier-failures x-cs-client-ip-country cs-threat-risk x-rs-certificate-hostname-threat-risk
x-client-agent-type x-client-os x-client-agent-sw x-client-device-id x-client-device-name x-client-device-type
x-client-security-posture-details x-client-security-posture-risk-score x-bluecoat-reference-id
x-sc-connection-issuer-keyring x-sc-connection-issuer-keyring-alias x-cloud-rs x-bluecoat-placeholder
cs(X-Requested-With) x-random-ipv6 x-bluecoat-transaction-uuid`)

// shortFields is a smaller layout in another order (the uuid is not last),
// so that a client which assumes the default columns misreads it.
var shortFields = strings.Fields(`date time x-bluecoat-transaction-uuid c-ip cs-userdn s-action sc-status
cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs(User-Agent) cs-categories
x-bluecoat-location-id x-bluecoat-location-name sc-bytes cs-bytes time-taken`)

// hourNum numbers hours from the epoch, so that per-member choices do not
// depend on Start.
func hourNum(h time.Time) int64 { return h.Unix() / 3600 }

// memberFields is the field list of member m of hour h: every 5th member
// (counting hour and member together) uses the short layout. The slice is
// shared: callers must not modify it.
func memberFields(h time.Time, m int) []string {
	if (hourNum(h)+int64(m))%5 == 2 {
		return shortFields
	}
	return defaultFields
}

// spaced reports whether member m of hour h spells its directives "# X:"
// (SEKOIA's fixture) rather than "#X:"; members alternate.
func spaced(h time.Time, m int) bool { return (hourNum(h)+int64(m))%2 == 1 }

// memberHeader is the directive block that opens every gz member.
func memberHeader(h time.Time, m int, fields []string) []byte {
	p := "#"
	if spaced(h, m) {
		p = "# "
	}
	var b strings.Builder
	b.WriteString(p + "Software: SGOS 7.3.16.2 (WSS)\n")
	b.WriteString(p + "Version: 1.0\n")
	b.WriteString(p + "Date: " + h.Format("2006-01-02 15:04:05") + "\n")
	b.WriteString(p + "Start-Date: " + h.Format("2006-01-02 15:04:05") + "\n")
	b.WriteString(p + "Fields: " + strings.Join(fields, " ") + "\n")
	return []byte(b.String())
}

// memberName is cloud_<instance>_<hour YYYYMMDDHHMMSS>.log.gz; members of
// one hour differ by instance id.
func (s *Server) memberName(h time.Time, m int) string {
	return "cloud_" + s.instanceID(m) + "_" + h.Format("20060102150405") + ".log.gz"
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// instanceID is a 5-char id for member m. Stepping by a number coprime to
// 36^5 from a seeded origin makes the ids of one hour distinct.
func (s *Server) instanceID(m int) string {
	const space = 36 * 36 * 36 * 36 * 36
	v := (simrand.Mix(s.seed^0x5eed)%space + uint64(m)*7919) % space
	var b [5]byte
	for k := 4; k >= 0; k-- {
		b[k] = idAlphabet[v%36]
		v /= 36
	}
	return string(b[:])
}
