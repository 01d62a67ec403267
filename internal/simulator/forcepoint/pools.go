package forcepoint

import (
	"bytes"
	"encoding/json"
)

// Value pools. They hold realistic values and, on purpose, the awkward ones
// a collector must carry through unchanged: non-ASCII text, quotes,
// backslashes, a tab, and pre-escaped \u sequences (the vendor is a Python
// service and may send either form). Pools are JSON-escaped once at start
// so that records can be assembled from bytes.

// esc returns the JSON string content (no surrounding quotes) for each s.
func esc(ss ...string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // the vendor sends "<114>1" raw
		_ = enc.Encode(s)
		out[i] = string(bytes.TrimSuffix(bytes.TrimSpace(b.Bytes()), []byte(`"`))[1:])
	}
	return out
}

// person is one user; name and email stay consistent within a record.
type person struct{ name, email, groups string }

var people = func() []person {
	raw := [][3]string{
		{"Demo O365SF", "demo@acme-gizmo.com", "Academic, Demo Gizmo Only, Demo Only, GizmoUsers, Risky Users, RiskyUsers"},
		{"Zoë Ærøskøbing", "zoe.aeroskobing@acme-gizmo.com", "Finance, Payroll"},
		{"山田 太郎", "taro.yamada@acme-gizmo.jp", "営業部, Tokyo Office"},
		{`John "JJ" O'Neil`, "jj.oneil@acme-gizmo.com", "Engineering"},
		{"Ana María Núñez", "ana.nunez@acme-gizmo.com", "Legal"},
		{`ACME\svc-backup`, "svc-backup@acme-gizmo.com", "Service Accounts"},
		{"Priya Raman", "priya.raman@acme-gizmo.com", "Engineering, Risky Users"},
		{"Олег Петров", "oleg.petrov@acme-gizmo.com", "Sales EMEA"},
	}
	out := make([]person, len(raw))
	for i, r := range raw {
		e := esc(r[0], r[1], r[2])
		out[i] = person{e[0], e[1], e[2]}
	}
	return out
}()

var (
	poolDevice = esc("Mac OS X 10.15.7", "Windows 10", "Windows 11", "iOS 17.1", "Android 14", "Ubuntu 22.04", "")
	poolAgent  = esc(
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.14326; Pro)",
		"python-requests/2.31.0",
	)
	poolLocation = esc("Herndon||Virginia||VA||US", "東京||Tokyo||13||JP", "München||Bayern||BY||DE",
		"São Paulo||São Paulo||SP||BR", "Ærøskøbing||Syddanmark||83||DK", "Campbell||California||CA||US")
	poolFilename = esc("eicar (2).com", `Q3 "final" report.xlsx`, `C:\Users\zoe\payroll.csv`, "見積書_2021.pdf",
		"notes.txt", "résumé.docx", "")
	poolDLP = esc("Malware-Bitdefender [eicar (2).com ()]", "Sensitive Keywords (confidential)", "",
		"US SSN [***-**-6789]", `PCI "Visa" [4111-****]`, "")
	poolURLPath = esc("/personal/demo_acme-gizmo_com/Documents/eicar%20(2).com", "/services/data/v52.0/query?q=SELECT+Id",
		"/folder/0", "/mail/u/0/#inbox", "/files/見積書.pdf", "/search?q=\"quarterly report\"")
	poolCloudHost = esc("bitglassqa-my.sharepoint.com", "acme.my.salesforce.com", "app.box.com",
		"mail.google.com", "acme-gizmo.slack.com", "drive.google.com")
	poolPageTitle = append(esc("", "Inbox \u2013 Outlook", "Files - Box", "Einstellungen für Zoë"),
		`R\u00e9sum\u00e9 \u2014 draft`) // pre-escaped on purpose
	poolSubject = esc("", "", "Re: \"Quarterly\" numbers", "Fwd: Überweisung", "Invoice #4471\tdue", "会議のお知らせ")
	poolRequest = esc("", "", "GET /api/v2/files", `POST /upload?path=C:\tmp`)
)

// Per-class pools of applications, actions and activities.
var (
	accessApps     = esc("OneDrive", "Salesforce", "Box", "Google Drive", "Slack", "Office 365 Mail", "Dropbox")
	accessActions  = esc("Alert, Denied, Notify, Threat", "Allowed", "Denied", "Alert", "NotifyAdmin", "Allowed")
	accessActivity = esc("Cloudstorage, Uploaded", "Access", "Downloaded", "Email, Attachment", "Edit", "Report", "Users")

	cloudApps     = esc("Box", "Google Drive", "OneDrive", "Slack", "Dropbox", "SharePoint")
	cloudActions  = esc("Allowed", "Quarantined", "Alert", "NotifyAdmin", "NotifyOwner")
	cloudStatus   = esc("Private", "Public", "Internal", "External", "DLP", "Renamed", "Moved")
	cloudActivity = esc("Files", "Shared", "Scanned", "Downloaded", "Renamed")
	cloudFolder   = esc("/Shared/Finance", `C:\Users\zoe\Documents`, "/共有/営業", "/Projects/\"Phoenix\"", "/")
	cloudShared   = esc("", "anyone@example.com", "bob@partner.example, carol@partner.example", "Public link")
	cloudLabels   = esc("", "Confidential", "Internal Only", "Öffentlich")

	adminActivity = esc("Login", "Logout", "Policy Change", "User Added", "API Token Created", "Settings Change")
	adminDetails  = esc("Admin login succeeded", `Set "Block uploads" to on`, "Changed policy line 'Finance – DLP'",
		`Imported users from C:\exports\users.csv`, "Added user 李雷", "Enabled API live setting")

	webDomains   = esc("www.google.com", "github.com", "news.ycombinator.com", "例え.jp", "malware.example", "cdn.jsdelivr.net", "bücher.de")
	webApps      = esc("Google Search", "GitHub", "Hacker News", "", "Unknown", "jsDelivr", "")
	webActions   = esc("Allow", "Allow", "Block", "Continue", "Isolate")
	webCategory  = esc("Search Engines and Portals", "Information Technology", "News and Media", "Malicious Websites", "Content Delivery Networks", "Shopping")
	webClass     = esc("Productivity", "Security Risk", "Business", "Entertainment")
	webMethods   = esc("GET", "GET", "POST", "PUT", "CONNECT")
	webCountries = [][2]string{{"US", "United States"}, {"DE", "Germany"}, {"JP", "Japan"}, {"DK", "Denmark"}}
	webDocType   = esc("PDF", "Microsoft Excel", "Microsoft Word", "Plain Text")
	webDocExt    = esc("pdf", "xlsx", "docx", "txt")
	webKeyword   = esc("confidential", "confidential, internal", "salaire, confidentiel", "")
	webThreat    = esc("", "", "EICAR-Test-File", "Trojan.GenericKD")
	webDLPAction = esc("Block", "Alert", "Encrypt", "Allow")
	webCodes     = []int{200, 200, 204, 301, 302, 403, 404, 500}

	healthApps    = esc("Office 365", "Salesforce", "Box", "Google Workspace", "Slack")
	healthStatus  = esc("Healthy", "Healthy", "Healthy", "Degraded", "Down")
	healthRegions = esc("us-east-1", "eu-west-1", "ap-northeast-1")
	healthAPIs    = esc("files.list", "users.get", "events.poll", "drive.changes")
	healthComps   = esc("Gateway", "Authentication", "DLP engine", "Log pipeline", "Reverse proxy")
	healthDetails = esc("", "Upstream responded slowly", `Backend said "503 Service Unavailable"`,
		`Certificate chain for C:\certs\edge.pem reloaded`, "Zeitüberschreitung beim Verbindungsaufbau", "接続がタイムアウトしました")

	ztnaApps     = esc("Jira (on-prem)", "Intranet 東京", "SSH bastion", `File share \\fs01\public`, "Grafana")
	ztnaActions  = esc("Allow", "Allow", "Deny")
	ztnaProtocol = esc("HTTPS", "TCP", "SSH", "RDP", "SMB")
)
