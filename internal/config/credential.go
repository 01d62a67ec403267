package config

// Credential is a username and password, both kept secret (an API key's
// generated id is as secret as its password).
type Credential struct {
	Username Secret `yaml:"username"`
	Password Secret `yaml:"password"`
}

// Set reports whether both parts are present.
func (c Credential) Set() bool { return c.Username != "" && c.Password != "" }

// TLSFiles names the PEM files of a TLS connection.
type TLSFiles struct {
	Enabled    bool   `yaml:"enabled"`     // kafka: dial with TLS (syslog uses protocol: tls)
	CA         string `yaml:"ca"`          // CA bundle to verify the server (default: the system roots)
	Cert       string `yaml:"cert"`        // client certificate, for servers that ask for one
	Key        string `yaml:"key"`         // its private key
	ServerName string `yaml:"server_name"` // name to verify, when it differs from the address
}
