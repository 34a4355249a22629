"""All HTTP the tool does: the One-Click unsubscribe probe, the bounded GET of the files a domain
publishes over HTTPS (MTA-STS policies, BIMI logos and certificates), both under one address
policy (`netpolicy`, which the SMTP probe follows too), and the webhook notification of
re-check changes. Nothing else opens an HTTP connection."""
