"""What a domain publishes about the TLS its mail servers require: the MTA-STS record and policy
(RFC 8461, `sts`), the TLS reporting record (RFC 8460, `tlsrpt`). Parsing and matching only:
the DNS questions and the HTTPS fetch are the rules' (through the run's context)."""
