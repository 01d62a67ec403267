package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/gatelog/gatelog/internal/simulator"
)

// Kafka (kfake, in-process: no Kafka server can run here) and S3
// (gofakes3), configured from YAML, each receive every record.
func TestRunDeliversToKafkaAndS3(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "gatelog.acme.admin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	backend := s3mem.New()
	if err := backend.CreateBucket("lake"); err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(s3srv.Close)

	sim := startSim(t, simulator.Options{Forcepoint: simConfig(63, 500, 100)})
	dir := t.TempDir()
	cfg := fpConfig(t, dir, sim.URL, []string{"admin"}, "")
	t.Setenv("TEST_S3_SECRET", "test-s3-secret")
	writeFile(t, cfg, strings.Replace(readFile(t, cfg), "sinks:\n", "sinks:\n"+
		"  - {name: bus, type: kafka, brokers: [\""+cluster.ListenAddrs()[0]+"\"]}\n"+
		"  - {name: lake, type: s3, bucket: lake, prefix: gl/, endpoint: \""+strings.TrimPrefix(s3srv.URL, "http://")+
		"\", region: us-east-1, insecure: true, use_path_style: true, access_key_id: AKIATEST, secret_access_key: \"${TEST_S3_SECRET}\"}\n", 1))
	requireDone(t, runOnce(t, cfg, time.Minute), 1)
	want := len(sim.Forcepoint.Expected("admin", time.Time{}))

	if n := consumeAll(t, cluster.ListenAddrs(), "gatelog.acme.admin", want); n != want {
		t.Fatalf("Kafka holds %d records, want %d", n, want)
	}
	if n := s3Lines(t, s3srv.URL, "lake", "gl/acme/admin/"); n != want {
		t.Fatalf("S3 objects hold %d lines, want %d", n, want)
	}
}

// consumeAll reads the topic from the start until want records or a
// generous deadline (a hang detector, not a timing assertion).
func consumeAll(t *testing.T, brokers []string, topic string, want int) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	n := 0
	for n < want && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(*kgo.Record) { n++ })
	}
	return n
}

// s3Lines counts the JSON lines in the gzip'd objects under prefix.
func s3Lines(t *testing.T, url, bucket, prefix string) int {
	t.Helper()
	mc, err := minio.New(strings.TrimPrefix(url, "http://"), &minio.Options{Creds: credentials.NewStaticV4("AKIATEST", "test-s3-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for obj := range mc.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		if !strings.HasSuffix(obj.Key, ".jsonl.gz") {
			continue
		}
		o, err := mc.GetObject(t.Context(), bucket, obj.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(o)
		if err != nil {
			t.Fatalf("%s: %v", obj.Key, err)
		}
		b, _ := io.ReadAll(zr)
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}
