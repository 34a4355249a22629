"""The customer's certificate for sending from its own domain (seed 004, 2.1): reading PEM files
(`pemfile`), the names it is valid for (`identity`), its key (`strength`), the trusted roots
(`roots`) and the path from it to one of them (`chain`). Offline, with `cryptography`; nothing
here knows of rules, and no function returns or words key material.
"""
