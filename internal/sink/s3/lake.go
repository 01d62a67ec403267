package s3

import (
	"strconv"
	"strings"
	"time"
)

// Security Lake layout: every custom source has its own location under
// ext/, partitioned by region, account and UTC day of the event.
const (
	lakeRoot     = "ext/"
	dayLayout    = "20060102"
	maxClassUID  = 1<<31 - 1
	parquetType  = "application/vnd.apache.parquet"
	parquetExt   = ".parquet"
	sourcePrefix = "gatelog-"
)

// ocsfClasses are the classes of OCSF 1.8.0 by class_uid, with the names
// the schema gives them (its spelling: "event_log_actvity"). A test checks
// the table against schemacheck's copy of the schema.
var ocsfClasses = map[int]string{
	0:    "base_event",
	1001: "file_activity",
	1002: "kernel_extension_activity",
	1003: "kernel_activity",
	1004: "memory_activity",
	1005: "module_activity",
	1006: "scheduled_job_activity",
	1007: "process_activity",
	1008: "event_log_actvity",
	1009: "script_activity",
	1010: "peripheral_activity",
	2001: "security_finding",
	2002: "vulnerability_finding",
	2003: "compliance_finding",
	2004: "detection_finding",
	2005: "incident_finding",
	2006: "data_security_finding",
	2007: "application_security_posture_finding",
	2008: "iam_analysis_finding",
	3001: "account_change",
	3002: "authentication",
	3003: "authorize_session",
	3004: "entity_management",
	3005: "user_access",
	3006: "group_management",
	4001: "network_activity",
	4002: "http_activity",
	4003: "dns_activity",
	4004: "dhcp_activity",
	4005: "rdp_activity",
	4006: "smb_activity",
	4007: "ssh_activity",
	4008: "ftp_activity",
	4009: "email_activity",
	4010: "network_file_activity",
	4011: "email_file_activity",
	4012: "email_url_activity",
	4013: "ntp_activity",
	4014: "tunnel_activity",
	5001: "inventory_info",
	5002: "config_state",
	5003: "user_inventory",
	5004: "patch_state",
	5006: "kernel_object_query",
	5007: "file_query",
	5008: "folder_query",
	5009: "admin_group_query",
	5010: "job_query",
	5011: "module_query",
	5012: "network_connection_query",
	5013: "networks_query",
	5014: "peripheral_device_query",
	5015: "process_query",
	5016: "service_query",
	5017: "session_query",
	5018: "user_query",
	5019: "device_config_state_change",
	5020: "software_info",
	5021: "osint_inventory_info",
	5022: "startup_item_query",
	5023: "cloud_resources_inventory_info",
	5040: "evidence_info",
	6001: "web_resources_activity",
	6002: "application_lifecycle",
	6003: "api_activity",
	6004: "web_resource_access_activity",
	6005: "datastore_activity",
	6006: "file_hosting",
	6007: "scan_activity",
	6008: "application_error",
	7001: "remediation_activity",
	7002: "file_remediation_activity",
	7003: "process_remediation_activity",
	7004: "network_remediation_activity",
	8001: "drone_flights_activity",
	8002: "airborne_broadcast_activity",
}

// DefaultSourceName is the custom source a class goes to unless
// source_names names another: gatelog- and the class's OCSF name in kebab
// case (gatelog-http-activity for 4002), gatelog-class-<uid> for a class
// OCSF 1.8.0 does not define.
func DefaultSourceName(class int) string {
	if name, ok := ocsfClasses[class]; ok {
		return sourcePrefix + strings.ReplaceAll(name, "_", "-")
	}
	return sourcePrefix + "class-" + strconv.Itoa(class)
}

// lake is the Security Lake layout of a parquet sink.
type lake struct {
	prefix, region, account string
	names                   map[int]string // SourceNames
}

func newLake(c Config) *lake {
	l := &lake{prefix: c.Prefix, region: c.Region, account: c.AccountID, names: map[int]string{}}
	for _, sn := range c.SourceNames {
		l.names[sn.Class] = sn.Name
	}
	return l
}

// sourceName is the custom source of class.
func (l *lake) sourceName(class int) string {
	if n, ok := l.names[class]; ok {
		return n
	}
	return DefaultSourceName(class)
}

// folder is where objects of class and UTC day go:
// <prefix>ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/.
func (l *lake) folder(b []byte, class int, day int64) []byte {
	b = append(b, l.prefix...)
	b = append(b, lakeRoot...)
	b = append(b, l.sourceName(class)...)
	b = append(b, "/region="...)
	b = append(b, l.region...)
	b = append(b, "/accountId="...)
	b = append(b, l.account...)
	b = append(b, "/eventDay="...)
	b = time.Unix(day*86400, 0).UTC().AppendFormat(b, dayLayout)
	return append(b, '/')
}

// dayOf is the UTC day of t, in days since the Unix epoch.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d-- // floor, for times before 1970
	}
	return d
}

// OCSF 1.8.0 attributes whose type the JSON value alone does not give
// (a test checks both lists against schemacheck's copy of the schema):
var (
	// floatAttrs are float_t: a whole number in one event is a double
	// all the same, so that the column keeps its type in every object.
	floatAttrs = map[string]bool{
		"base_score": true, "coordinates": true, "lat": true, "long": true, "overall_score": true, "percentile": true,
	}
	// jsonAttrs are free-form (json_t, and the generic object of unmapped
	// and xattributes): one JSON text column whatever their content, which
	// differs from event to event.
	jsonAttrs = map[string]bool{
		"access_result": true, "data": true, "evidence": true, "scim_group_schema": true, "scim_user_schema": true,
		"supporting_data": true, "unmapped": true, "xattributes": true,
	}
)
