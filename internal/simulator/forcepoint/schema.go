package forcepoint

import (
	"sort"
)

// field is one key of a record with its pre-rendered `"key": ` and the
// first cv that serves it.
type field struct {
	name  string
	key   []byte
	gen   gen
	since version
}

// fieldsOf sorts the keys, as the vendor's Python json.dumps(sort_keys=True)
// does, and renders each key once.
func fieldsOf(typ string, spec map[string]gen) []field {
	names := make([]string, 0, len(spec))
	for n := range spec {
		names = append(names, n)
	}
	sort.Strings(names)
	_, minCV := classOf(typ)
	out := make([]field, len(names))
	for i, n := range names {
		out[i] = field{name: n, key: []byte(`"` + n + `": `), gen: spec[n], since: sinceOf(typ, n, minCV)}
	}
	return out
}

// schemaOf returns the fields of a log type. The field sets follow the
// Data Keys table of the vendor docs and the published sample record.
func schemaOf(typ string) []field {
	switch typ {
	case "access":
		return fieldsOf(typ, accessSpec())
	case "admin":
		return fieldsOf(typ, adminSpec())
	case "cloudaudit":
		return fieldsOf(typ, cloudAuditSpec())
	case "cloudsummary":
		return fieldsOf(typ, cloudSummarySpec())
	case "swgweb":
		return fieldsOf(typ, swgSpec())
	case "swgwebdlp":
		return fieldsOf(typ, swgDLPSpec())
	case "healthproxy":
		return fieldsOf(typ, healthProxySpec())
	case "healthapi":
		return fieldsOf(typ, healthAPISpec())
	case "healthsystem":
		return fieldsOf(typ, healthSystemSpec())
	case "ztna":
		return fieldsOf(typ, ztnaSpec())
	}
	return nil
}

func accessSpec() map[string]gen {
	return map[string]gen{
		"action": pick(accessActions), "activity": pick(accessActivity), "application": pick(accessApps),
		"details": sometimes(pick(poolRequest)), "device": pick(poolDevice), "deviceguid": genDeviceGUID,
		"dlppattern": pick(poolDLP), "email": genEmail, "emailbcc": lit(""), "emailcc": lit(""),
		"emailfrom": sometimes(genEmail), "emailsenttime": sometimes(genTime), "emailsubject": pick(poolSubject),
		"emailto": sometimes(lit("bob@partner.example")), "filename": pick(poolFilename),
		"instancename": pick(esc("", "acme-prod", "Acme Sandbox")), "ipaddress": genIP, "location": pick(poolLocation),
		"orgid": pick(esc("", "00D5e000000XyZ1")), "pagetitle": pick(poolPageTitle), "policyid": genPolicyID,
		"request": pick(poolRequest), "syslogheader": genSyslog, "time": genTime, "transactionid": genTxn,
		"url": genCloudURL, "user": genUser, "useragent": pick(poolAgent), "usergroup": genGroups,
	}
}

// adminSpec: no transactionid and no fileid, so a collector must fall back
// to hashing the record.
func adminSpec() map[string]gen {
	return map[string]gen{
		"activity": pick(adminActivity), "application": lit("Forcepoint ONE SSE Admin Portal"),
		"details": withSeq(adminDetails), "device": pick(poolDevice), "email": genEmail,
		"ipaddress": genIP, "location": pick(poolLocation), "syslogheader": genSyslog, "time": genTime,
		"user": genUser, "useragent": pick(poolAgent),
	}
}

// cloudCommon is shared by cloudaudit and cloudsummary: file events keyed
// by fileid, with no transactionid.
func cloudCommon() map[string]gen {
	return map[string]gen{
		"action": pick(cloudActions), "application": pick(cloudApps), "fileid": genFileID,
		"filelink": genFileLink, "filename": pick(poolFilename), "folder": pick(cloudFolder), "owner": genEmail,
		"patterns": pick(poolDLP), "sharedwith": pick(cloudShared), "size": num(0, 50_000_000),
		"status": pick(cloudStatus), "syslogheader": genSyslog, "time": genTime,
	}
}

func cloudAuditSpec() map[string]gen {
	m := cloudCommon()
	m["activity"] = pick(cloudActivity)
	m["actor"] = genEmail
	m["actoripaddress"] = genIP
	m["policyid"] = genPolicyID
	return m
}

func cloudSummarySpec() map[string]gen {
	m := cloudCommon()
	m["classifylabels"] = pick(cloudLabels)
	m["originalfolder"] = sometimes(pick(cloudFolder))
	m["originalpatterns"] = sometimes(pick(poolDLP))
	return m
}

func swgSpec() map[string]gen {
	return map[string]gen{
		"action": pick(webActions), "application": pick(webApps), "country": genCountry,
		"countrycode": genCountryCode, "customlocation": pick(esc("", "HQ Herndon", "Büro München")),
		"destinationip": genIP, "device": pick(poolDevice), "email": genEmail, "indexedtime": genIndexed,
		"ipaddress": genIP, "policyid": genPolicyID, "protocol": pick(esc("https", "http")),
		"referrer": pick(esc("", "https://www.google.com/")), "requestdomain": genDomain,
		"requestmethod": pick(webMethods), "requestport": numOf([]int{443, 443, 80, 8443}),
		"responsecode": numOf(webCodes), "setransactionid": genGUID, "size": num(0, 5_000_000),
		"time": genTime, "transactionid": genTxn, "uploadedbytes": num(0, 200_000), "url": genWebURL,
		"user": genUser, "useragent": pick(poolAgent), "usergroup": genGroups, "webcategories": pick(webCategory),
		"webcategoryclass": pick(webClass), "webreputation": pick(esc("Trustworthy", "Low Risk", "Suspicious", "High Risk")),
	}
}

func swgDLPSpec() map[string]gen {
	m := swgSpec()
	m["dlpaction"] = pick(webDLPAction)
	m["dlpip"] = genIP
	m["dlppattern"] = pick(poolDLP)
	m["docextension"] = pick(webDocExt)
	m["doctype"] = pick(webDocType)
	m["docmd5"] = hexDigest(16)
	m["docsha1"] = hexDigest(20)
	m["docsha256"] = hexDigest(32)
	m["filename"] = pick(poolFilename)
	m["keyword"] = pick(webKeyword)
	m["threatindicator"] = pick(webThreat)
	return m
}

// Health records: no transactionid, no fileid.
func healthProxySpec() map[string]gen {
	return map[string]gen{
		"application": pick(healthApps), "details": withSeq(healthDetails), "latency": num(5, 4000),
		"proxyinstance": pick(esc("proxy-use1-03", "proxy-euw1-01", "proxy-apne1-02")),
		"region":        pick(healthRegions), "status": pick(healthStatus), "time": genTime,
	}
}

func healthAPISpec() map[string]gen {
	return map[string]gen{
		"apiname": pick(healthAPIs), "application": pick(healthApps), "details": withSeq(healthDetails),
		"latency": num(5, 9000), "responsecode": numOf(webCodes), "status": pick(healthStatus), "time": genTime,
	}
}

func healthSystemSpec() map[string]gen {
	return map[string]gen{
		"component": pick(healthComps), "cpu": num(1, 100), "details": withSeq(healthDetails),
		"memory": num(10, 100), "region": pick(healthRegions), "status": pick(healthStatus), "time": genTime,
	}
}

func ztnaSpec() map[string]gen {
	return map[string]gen{
		"action": pick(ztnaActions), "application": pick(ztnaApps), "destinationip": genIP,
		"destinationport": numOf([]int{443, 22, 3389, 445, 8080}), "device": pick(poolDevice), "email": genEmail,
		"ipaddress": genIP, "policyid": genPolicyID, "protocol": pick(ztnaProtocol), "time": genTime,
		"transactionid": genTxn, "user": genUser, "usergroup": genGroups,
	}
}
