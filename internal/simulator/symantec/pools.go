package symantec

// Value pools for the access log. Text is written here in UTF-8 and
// converted to ISO-8859-15 when a line is rendered, as the vendor's files
// are Latin-9 (RELAY decodes them so): "Jürgen" becomes J\xfcrgen and "€"
// becomes \xa4, neither of which is valid UTF-8.

type person struct{ dn, groups, device string }

// people have ASCII names; most traffic comes from them.
var people = []person{
	{`ACME\jdoe`, `ACME\Sales`, "DESKTOP-7QK2M1"},
	{`ACME\asmith`, `ACME\Finance`, "LT-ASMITH"},
	{`ACME\svc-backup`, "-", "SRV-BACKUP01"},
	{`ACME\mgarcia`, `ACME\Legal`, "LT-MGARCIA"},
	{`ACME\lchen`, `ACME\Engineering`, "MBP-LCHEN"},
	{"-", "-", "-"}, // unauthenticated traffic
}

// accentedPeople have names that Latin-9 writes outside ASCII; a line is
// theirs at Latin9UserRate only, as such names are rare in real logs.
var accentedPeople = []person{
	{`ACME\Jürgen`, `ACME\Entwicklung`, "NB-JUERGEN"},
	{`ACME\françois`, `ACME\Comptabilité`, "PC-FRANCOIS"},
	{`ACME\Žofia`, `ACME\Œuvres`, "LT-ZOFIA"},
}

// site is one destination; its values stay consistent within a line.
type site struct {
	host, path, ext, query, cat, ctype, app, op string
	denied                                      bool
}

var sites = []site{
	{"www.google.com", "/search", "-", "?q=weather+paris&hl=en", "Search Engines/Portals", "text/html;charset=UTF-8", "Google Search", "-", false},
	{"outlook.office365.com", "/owa/", "-", "-", "Email", "text/html;%20charset=utf-8", "Office 365 Outlook", "Login", false},
	{"login.microsoftonline.com", "/common/oauth2/v2.0/token", "-", "-", "Technology/Internet", "application/json", "Microsoft Login", "Login", false},
	{"cdn.jsdelivr.net", "/npm/jquery@3.7.1/dist/jquery.min.js", "js", "-", "Content Delivery Networks", "application/javascript", "-", "-", false},
	{"www.bbc.co.uk", "/news/world", "-", "-", "News", "text/html", "-", "-", false},
	{"github.com", "/gatelog/gatelog/archive/main.zip", "zip", "-", "Technology/Internet", "application/zip", "GitHub", "Download", false},
	{"ads.doubleclick.net", "/pagead/id", "-", "?slot=top&ord=1234", "Web Ads/Analytics", "image/gif", "-", "-", false},
	{"malware.example-bad.ru", "/payload.exe", "exe", "-", "Malicious Sources/Malnets", "-", "-", "-", true},
	{"www.dropbox.com", "/upload", "-", "?path=%2FQ3%20report.xlsx", "File Storage/Sharing", "application/json", "Dropbox", "Upload", false},
	{"settings-win.data.microsoft.com", "/settings/v3.0/wsd/muse", "-", "?os=Windows", "Technology/Internet", "application/json", "-", "-", false},
	{"www.linkedin.com", "/feed/", "-", "-", "Social Networking", "text/html", "LinkedIn", "-", false},
	{"casino-royal.example", "/play", "-", "-", "Gambling", "-", "-", "-", true},
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
	"curl/8.4.0",
	"-",
}

var countries = []string{"France", "Germany", "United States", "United Kingdom", "Brazil", "Japan"}

var appliances = []string{"DP5-ACNSH2_proxysg1", "FR4-PAR1_proxysg3", "US2-ASH1_proxysg2"}

var clientOS = []string{
	"architecture=x86_64%20name=Windows%2010%20Enterprise%20version=10.0.19044",
	"architecture=arm64%20name=macOS%20version=14.1",
	"-",
}

// latin9 encodes s as ISO-8859-15; runes it cannot hold become '?'.
func latin9(s string) string {
	special := map[rune]byte{'€': 0xa4, 'Š': 0xa6, 'š': 0xa8, 'Ž': 0xb4, 'ž': 0xb8, 'Œ': 0xbc, 'œ': 0xbd, 'Ÿ': 0xbe}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch c, ok := special[r]; {
		case ok:
			b = append(b, c)
		case r < 0x100 && !isReplaced(r):
			b = append(b, byte(r))
		default:
			b = append(b, '?')
		}
	}
	return string(b)
}

// isReplaced reports the Latin-1 code points Latin-9 reassigned.
func isReplaced(r rune) bool {
	switch r {
	case 0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe:
		return true
	}
	return false
}
