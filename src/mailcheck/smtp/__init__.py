"""SMTP as a client that only looks: connect to a mail server on port 25, read its greeting,
say EHLO, ask for STARTTLS, shake hands and say QUIT (`starttls`). No mail is ever sent: no
MAIL FROM, no RCPT TO, no DATA. The address policy of the HTTP probes applies
(`mailcheck.http.netpolicy`)."""
