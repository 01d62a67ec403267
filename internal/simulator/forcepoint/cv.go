package forcepoint

import (
	"strconv"
	"strings"
)

// version is a dotted collector version such as 1.1.5.
type version [3]int

// defaultCV is the cv gatelog's client sends unless configured otherwise,
// the newest the vendor's own collector sends. Expected serves records as
// for it, raised to the type's minimum.
var defaultCV = version{1, 1, 5}

// DefaultCV is defaultCV as a query parameter.
const DefaultCV = "1.1.5"

func parseVersion(s string) (version, bool) {
	var v version
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return v, false
	}
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v version) less(o version) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

func maxVersion(a, b version) version {
	if a.less(b) {
		return b
	}
	return a
}

// dataKeys is the "API Version" column of the vendor's Data Keys table:
// the first cv whose records carry a key. A key listed in several rows
// takes its earliest version here; typeKeys holds the rows that only apply
// to some types. Keys the table does not list (details, indexedtime,
// latency, setransactionid, ...) are served from the type's minimum cv: we
// cannot know when they came, and a record without them would be poorer
// than any real one.
var dataKeys = func() map[string]version {
	m := map[string]version{}
	add := func(v version, keys string) {
		for _, k := range strings.Fields(keys) {
			m[k] = v
		}
	}
	add(version{1, 0, 1}, `syslogheader filename time size owner application status action folder fileid
		patterns filelink sharedwith user email device ipaddress location activity useragent request
		transactionid emailfrom emailto emailsubject emailcc emailbcc emailsenttime dlppattern pagetitle url`)
	add(version{1, 0, 2}, "orgid instancename")
	add(version{1, 0, 4}, "usergroup deviceguid")
	add(version{1, 0, 5}, "attachments dlpmatchlocations")
	add(version{1, 0, 6}, "organization")
	add(version{1, 0, 7}, "copies")
	add(version{1, 0, 8}, "originalfolder originalpatterns")
	add(version{1, 0, 9}, "policyid")
	add(version{1, 1, 0}, `arguments bgcategories bgcloudscore customcategories countrycode country
		customlocation city requestdomain devicehostname gatewayip lat long requestport protocol referrer
		region regioncode requestmethod uploadedbytes firstname lastname webcategoryclass webreputation
		dlpaction doctype docextension docsha1 docsha256 docmd5 keyword threatindicator dlpip`)
	add(version{1, 1, 2}, "classifylabels")
	add(version{1, 1, 4}, "responsecode httpmethod")
	add(version{1, 1, 5}, "enterprisename")
	add(version{1, 1, 6}, "creationtime modificationtime")
	add(version{1, 1, 7}, "actor actoripaddress")
	return m
}()

// typeKeys are the rows of the table that name a later version for some
// types: cloud audit's activity (1.0.3), and the SmartEdge web rows of
// 1.1.1 ("SWG Policy ID hit", the uploaded or downloaded file name). The
// table's type columns are ambiguous; this is our reading of it.
var typeKeys = map[string]map[string]version{
	"cloudaudit": {"activity": {1, 0, 3}},
	"swgweb":     {"policyid": {1, 1, 1}},
	"swgwebdlp":  {"policyid": {1, 1, 1}, "filename": {1, 1, 1}},
}

// sinceOf is the first cv that serves key in typ's records.
func sinceOf(typ, key string, minCV version) version {
	if v, ok := typeKeys[typ][key]; ok {
		return maxVersion(v, minCV)
	}
	if v, ok := dataKeys[key]; ok {
		return maxVersion(v, minCV)
	}
	return minCV
}

// view says which fields of a stream one cv serves; nil serves them all.
type view []bool

func (v view) serves(k int) bool { return v == nil || v[k] }

// viewFor selects the fields a request with cv is served.
func (st *stream) viewFor(cv version) view {
	v := make(view, len(st.fields))
	for k := range st.fields {
		v[k] = !cv.less(st.fields[k].since)
	}
	return v
}

// viewFor is the stream's view unless the server ignores cv.
func (s *Server) viewFor(st *stream, cv version) view {
	if s.cfg.AllFields {
		return nil
	}
	return st.viewFor(cv)
}
