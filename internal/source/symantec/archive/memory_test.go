package archive

import (
	"archive/zip"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// elffBlock returns about size bytes of ELFF text: directives, then data
// lines in the 76-field default WSS layout where the time, client, host, byte
// counts and transaction uuid vary (gzip ratio about 10, like real logs). It
// also returns the number of lines.
func elffBlock(size int, seed uint64) (string, int) {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("#Version: 1.0\n#Software: EAR 2.6\n#Fields: " + defaultFields + "\n")
	n := 3
	for b.Len() < size {
		fmt.Fprintf(&b, lineFormat, r.IntN(60), r.IntN(60), r.IntN(5000), r.IntN(256), r.IntN(256),
			r.IntN(40), r.IntN(40), r.IntN(1<<20), r.IntN(1<<12),
			r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
		n++
	}
	return b.String(), n
}

const defaultFields = "x-bluecoat-request-tenant-id date time x-bluecoat-appliance-name time-taken c-ip cs-userdn cs-auth-groups x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-icap-reqmod-header(X-ICAP-Metadata) x-icap-respmod-header(X-ICAP-Metadata) x-data-leak-detected x-virus-id x-bluecoat-location-id x-bluecoat-location-name x-bluecoat-access-type x-bluecoat-application-name x-bluecoat-application-operation r-ip r-supplier-country x-rs-certificate-validate-status x-rs-certificate-observed-errors x-cs-ocsp-error x-rs-ocsp-error x-rs-connection-negotiated-ssl-version x-rs-connection-negotiated-cipher x-rs-connection-negotiated-cipher-size x-rs-certificate-hostname x-rs-certificate-hostname-categories x-cs-connection-negotiated-ssl-version x-cs-connection-negotiated-cipher x-cs-connection-negotiated-cipher-size x-cs-certificate-subject cs-icap-status cs-icap-error-details rs-icap-status rs-icap-error-details s-supplier-ip s-supplier-country s-supplier-failures x-cs-client-ip-country cs-threat-risk x-rs-certificate-hostname-threat-risk x-client-agent-type x-client-os x-client-agent-sw x-client-device-id x-client-device-name x-client-device-type x-client-security-posture-details x-client-security-posture-risk-score x-bluecoat-reference-id x-sc-connection-issuer-keyring x-sc-connection-issuer-keyring-alias x-cloud-rs x-bluecoat-placeholder cs(X-Requested-With) x-random-ipv6 x-bluecoat-transaction-uuid"

// lineFormat is the default line of the API notes' sample 1, completed to
// 76 values, with verbs for the parts that vary.
const lineFormat = `18050 2026-01-22 05:%02d:%02d "DP5-ACNSH2_proxysg1" %d 10.0.%d.%d ADSYSTRA\cyan - silent_denied DENIED "Technology/Internet" - 0 DENIED unknown - ssl host%d.example%d.com 443 / - - "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" 1.2.3.4 %d %d - - - - 0 "client" client_connector - - 1.2.3.4 "Singapore" CERT_VALID none - - TLSv1.2 ECDHE-RSA 256 *.wns.windows.com Technology/Internet TLSv1.2 ECDHE-RSA 256 - ICAP_NOT_SCANNED - ICAP_NOT_SCANNED - - Singapore - "Test" 2 2 wss-agent architecture=x86_64%%20name=Windows%%2010%%20Enterprise%%20version=10.0.19044 9.1.2.19354 5b8a0e41-7212-4dae-8cd8-2ae211f642e3 DWPCNSZ22032 - - - - SSL_Intercept_1 - - - - - %08x-%04x-4%03x-%04x-%012x` + "\n"

// writeBigArchive writes a sync body to w: a ZIP whose one Stored member is
// the gzip'd block repeated reps times as concatenated gzip streams (cheap:
// compressed once), then a trailer. The archive exists only as a stream.
func writeBigArchive(w *io.PipeWriter, gzBlock []byte, reps int) {
	zw := zip.NewWriter(w)
	m, err := zw.CreateHeader(&zip.FileHeader{Name: "cloud_abcde_20260122050000.log.gz", Method: zip.Store})
	for i := 0; i < reps && err == nil; i++ {
		_, err = m.Write(gzBlock)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		_, err = io.WriteString(w, "X-sync-token: "+strings.Repeat("T", 68)+"\r\nX-sync-status: done\r\n")
	}
	w.CloseWithError(err)
}

// TestBoundedMemory walks a >= 2 GiB (uncompressed) archive that is never
// held anywhere, and checks the heap stays small while every line arrives.
func TestBoundedMemory(t *testing.T) {
	block, perBlock := elffBlock(1<<20, 1)
	gzBlock := gz(t, block)
	reps := int((2<<30)/int64(len(block))) + 1
	wantLines, wantBytes := int64(reps*perBlock), int64(reps)*int64(len(block))
	blockLen := len(block)
	block = "" // not kept: only the compressed block is

	pr, pw := io.Pipe()
	go writeBigArchive(pw, gzBlock, reps)
	f, size, err := Spool(pr, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer discard(f)
	tr, zipSize, err := FindTrailer(f, size)
	if err != nil || tr.Status != StatusDone {
		t.Fatalf("FindTrailer = %+v, %v", tr, err)
	}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, mallocs := ms.HeapInuse, ms.Mallocs
	peak := base
	var lines int64
	st, err := Walk(f, zipSize, Limits{}, func(l Line) error {
		if lines++; lines%(1<<16) == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	})
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	if err != nil || len(st.Broken) != 0 {
		t.Fatalf("Walk: %v, broken %v", err, st.Broken)
	}
	t.Logf("%d MiB uncompressed from a %d MiB spool file (member ratio %.1f), %d lines; heap in use %d MiB before, peak %d MiB; %d allocations during the walk",
		st.Uncompressed>>20, size>>20, float64(blockLen)/float64(len(gzBlock)), lines, base>>20, peak>>20, ms.Mallocs-mallocs)
	if lines != wantLines || st.Lines != wantLines || st.Uncompressed != wantBytes {
		t.Errorf("got %d lines, %d bytes; want %d lines, %d bytes", lines, st.Uncompressed, wantLines, wantBytes)
	}
	if peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB, want under 64 MiB", peak>>20)
	}
}
