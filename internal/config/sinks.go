package config

import (
	"net/url"
	"strconv"
	"time"
)

// Sink types beyond file, stdout and syslog.
const (
	SinkSplunkHEC     = "splunk_hec"
	SinkElasticsearch = "elasticsearch"
	SinkKafka         = "kafka"
	SinkS3            = "s3"
)

// SASL is a Kafka login.
type SASL struct {
	Mechanism string `yaml:"mechanism"` // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	Username  string `yaml:"username"`
	Password  Secret `yaml:"password"`
}

// DefaultTopic is the Kafka topic template.
const DefaultTopic = "gatelog.{source}.{stream}"

// DefaultIndex is the Elasticsearch index template.
const DefaultIndex = "gatelog-{source}-{stream}-{date}"

func (s *Sink) applyRemoteDefaults() {
	switch s.Type {
	case SinkSplunkHEC:
		if s.Gzip == nil {
			yes := true
			s.Gzip = &yes
		}
		s.SourceType = orDefault(s.SourceType, "gatelog:{vendor}:{stream}")
	case SinkElasticsearch:
		if s.DataStream == "" {
			s.Index = orDefault(s.Index, DefaultIndex)
		}
	case SinkKafka:
		s.Topic = orDefault(s.Topic, DefaultTopic)
	case SinkS3:
		s.Endpoint = orDefault(s.Endpoint, "s3.amazonaws.com")
	}
}

func (v *validator) retry(p string, r Retry) {
	if r.Attempts < 1 || r.Attempts > 100 {
		v.fail(p+".attempts", "%s is out of range 1..100", v.show(p+".attempts", r.Attempts))
	}
	if r.Initial <= 0 || r.Max < r.Initial {
		v.fail(p, "initial must be positive and max at least initial")
	}
}

func (v *validator) remoteSink(p string, s *Sink) {
	switch s.Type {
	case SinkSplunkHEC:
		v.httpURL(p+".url", s.URL, s.Insecure)
		if s.Token == "" {
			v.fail(p+".token", "required: a HEC token (use ${HEC_TOKEN})")
		}
	case SinkElasticsearch:
		switch {
		case s.URL != "" && len(s.URLs) > 0:
			v.fail(p+".urls", "set either url or urls, not both")
		case len(s.URLs) > 0:
			for i, u := range s.URLs {
				v.httpURL(p+".urls["+strconv.Itoa(i)+"]", u, s.Insecure)
			}
		default:
			v.httpURL(p+".url", s.URL, s.Insecure)
		}
		if s.APIKey != "" && s.Username != "" {
			v.fail(p, "set either api_key or username and password, not both")
		}
		if s.DataStream != "" && s.Index != "" {
			v.fail(p+".index", "set either index or data_stream, not both")
		}
	case SinkKafka:
		if len(s.Brokers) == 0 {
			v.fail(p+".brokers", "required: at least one host:port")
		}
		if s.SASL != (SASL{}) {
			v.oneOf(p+".sasl.mechanism", s.SASL.Mechanism, []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
		}
	case SinkS3:
		if s.Bucket == "" {
			v.fail(p+".bucket", "required")
		}
		if (s.AccessKeyID == "") != (s.SecretAccessKey == "") {
			v.fail(p, "access_key_id and secret_access_key go together")
		}
	}
}

// httpURL checks a sink URL: absolute http(s), plain http only to loopback
// unless insecure.
func (v *validator) httpURL(field, raw string, insecure bool) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.fail(field, "required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.fail(field, "%s must be an absolute http(s) URL", v.show(field, raw))
	case u.User != nil:
		v.fail(field, "must not contain credentials")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		v.fail(field, "plain http:// is only allowed for loopback hosts; use https://, or set insecure: true")
	}
}

// Retry is a sink's own retry policy: a failed write is retried for that
// sink alone before the stream delivers the whole batch again.
type Retry struct {
	Attempts int      `yaml:"attempts"` // writes per batch, the first included
	Initial  Duration `yaml:"initial"`  // first wait
	Max      Duration `yaml:"max"`      // longest wait
}

func (r *Retry) applyDefaults() {
	r.Attempts = orDefault(r.Attempts, 3)
	r.Initial = orDefault(r.Initial, Duration(500*time.Millisecond))
	r.Max = orDefault(r.Max, Duration(10*time.Second))
}
