package s3

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/gatelog/gatelog/internal/errclass"
	"github.com/gatelog/gatelog/internal/record"
	"github.com/gatelog/gatelog/internal/sink"
)

// permanentCodes are the S3 error codes only a change of configuration,
// credentials, policy or bucket can fix, with what to change. Every other
// failure (5xx, SlowDown, RequestTimeout, network) is retryable.
var permanentCodes = map[string]string{
	"AccessDenied":                       "access denied: the credentials need s3:PutObject on the bucket and prefix",
	"AllAccessDisabled":                  "all access to the bucket is disabled",
	"AccountProblem":                     "the account cannot be used: see the provider's console",
	"InvalidAccessKeyId":                 "the store does not know the access key id",
	"SignatureDoesNotMatch":              "the secret access key does not match the access key id",
	"NoSuchBucket":                       "the bucket does not exist: create it or fix the bucket name",
	"InvalidBucketName":                  "the bucket name is not valid",
	"AuthorizationHeaderMalformed":       "the bucket is in another region: set region",
	"PermanentRedirect":                  "the bucket is in another region or behind another endpoint: set region and endpoint",
	"IllegalLocationConstraintException": "the bucket is in another region: set region",
	"InvalidRegion":                      "the region is not valid for this endpoint",
	"InvalidArgument":                    "the store rejects the request",
	"KeyTooLongError":                    "the object key is too long: shorten the prefix, source or stream name",
	"XMinioInvalidObjectName":            "the store rejects the object key",
}

// classify turns a failed upload into the Write's error.
func (s *Sink) classify(ctx context.Context, id record.StreamID, key string, err error) error {
	what := fmt.Sprintf("write %s: put %s", id, key)
	if ctx.Err() != nil {
		return s.errorf("%s: %w", what, context.Cause(ctx))
	}
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return errclass.Permanent(s.errorf("%s: cannot verify the store's certificate: %w", what, err))
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == "" {
		return s.errorf("%s: %w", what, err)
	}
	region := ""
	if resp.Region != "" {
		region = "; the bucket's region is " + resp.Region
	}
	hint, ok := permanentCodes[resp.Code]
	if !ok {
		return s.errorf("%s: %w (%s, HTTP %d)%s", what, err, resp.Code, resp.StatusCode, region)
	}
	return errclass.Permanent(s.errorf("%s: bucket %q: %s: %w (%s, HTTP %d)%s", what, s.cfg.Bucket, hint, err, resp.Code, resp.StatusCode, region))
}

// errorf formats an error of this sink with the secret key removed, in
// case a server or a proxy echoes it back.
func (s *Sink) errorf(format string, args ...any) error {
	return sink.Redact(fmt.Errorf("s3 sink %q: %w", s.name, fmt.Errorf(format, args...)), s.cfg.SecretAccessKey.Value())
}
