"""The DNS layer: one asynchronous resolver per run, in front of a network or zone-file backend.

Every check asks DNS through `Resolver.query`, which caches each (name, type) and joins
concurrent requests for the same pair, so no query is sent twice; in a batch the cache lets go
of what no other item needs (`mailcheck.dnsclient.cache`), so its size does not grow with the batch.
Backends turn every outcome into an `Answer` whose `outcome` tells NXDOMAIN, NODATA, timeout,
SERVFAIL, a network that cannot reach any server, a CNAME loop and "outside every zone" apart,
and whose records are our own frozen types (`mailcheck.dnsclient.records`): nothing outside this
package sees dnspython.
"""

from mailcheck.dnsclient.answer import Answer, Outcome
from mailcheck.dnsclient.records import MX, TXT, AddressRecord, Other, Pointer, Record
from mailcheck.dnsclient.resolver import Resolver

__all__ = [
    "MX",
    "TXT",
    "AddressRecord",
    "Answer",
    "Other",
    "Outcome",
    "Pointer",
    "Record",
    "Resolver",
]
