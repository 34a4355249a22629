"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

from dnsserver import ZoneServer
from httpsserver import HTTPSServer

# Property tests run the same examples in every run, so CI is repeatable; the `explore` profile
# (HYPOTHESIS_PROFILE=explore) draws new ones each run, to look for more.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO_ROOT = Path(__file__).resolve().parent.parent


class DNSServerFactory:
    """Starts loopback `ZoneServer`s for one test and stops them all at its teardown."""

    def __init__(self) -> None:
        self.servers: list[ZoneServer] = []

    def __call__(self, *paths: str | Path) -> ZoneServer:
        """A running server for these zone files (relative paths: from the repository root)."""
        return self._start(ZoneServer.from_files(*(REPO_ROOT / path for path in paths)))

    def from_text(self, zones: Mapping[str, str]) -> ZoneServer:
        """A running server for {origin: zone text}; SOA and NS may be left out."""
        return self._start(ZoneServer.from_text(zones))

    def from_zones(self, *zones: object) -> ZoneServer:
        """A running server for zones already parsed (signed ones: tests/dnssecfactory.py)."""
        return self._start(ZoneServer(*zones))  # type: ignore[arg-type]

    def _start(self, server: ZoneServer) -> ZoneServer:
        self.servers.append(server.start())
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture(scope="session")
def zones_dir() -> Path:
    """The directory of test zone files, tests/data/zones."""
    return REPO_ROOT / "tests" / "data" / "zones"


@pytest.fixture
def dns_server() -> Iterator[DNSServerFactory]:
    """Factory for real DNS servers on 127.0.0.1 (UDP and TCP on one port), stopped at teardown.

        server = dns_server("tests/data/zones/sample.example.zone", zones_dir / "other.zone")
        server = dns_server.from_text({"acme.example.": "@ 300 IN MX 10 mx.acme.example."})
        host, port = server.address

    Each call starts one more server serving all the zones given to it. Zone files without
    `$ORIGIN` take their origin from the file name (`acme.example.zone` -> `acme.example.`).
    Faults (`server.servfail(name)`, `.drop`, `.refuse`, `.delay`, `.clear_faults()`) and the
    query log (`server.queries`, `.count(name, rdtype)`, `.reset_log()`) are in tests/dnsserver.py.
    """
    factory = DNSServerFactory()
    try:
        yield factory
    finally:
        factory.stop_all()


# --- mailcheck fixtures -------------------------------------------------------------------------

SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(params=["loopback", "zonefile"])
def make_resolver(request: pytest.FixtureRequest, dns_server: DNSServerFactory):
    """Build the project's `Resolver` over zone files, both ways the product does it: through a
    real DNS server on loopback (`--nameserver`) and through the offline zone backend (`--zone`).
    Returns `(resolver, server_or_None)`."""
    from mailcheck.rules.context import build_resolver

    def build(*paths: str | Path, timeout: float = 2.0):
        files = [REPO_ROOT / p for p in paths]
        if request.param == "zonefile":
            return build_resolver(zones=files, timeout=timeout), None
        server = dns_server(*files)
        host, port = server.address
        return build_resolver(nameservers=[f"{host}:{port}"], timeout=timeout), server

    return build


@pytest.fixture
def write_sheet(tmp_path: Path):
    """Write a minimal valid sheet with the given senders (address or (address, mailing)) and
    extra YAML lines; returns its path."""

    def write(*senders: str | tuple[str, str], extra: str = "", name: str = "sheet.yaml") -> Path:
        lines = ["version: 1", "customer: Test GmbH", "senders:"]
        for sender in senders:
            address, mailing = sender if isinstance(sender, tuple) else (sender, "transactional")
            lines += [f"  - address: {address!r}", f"    mailing: {mailing}"]
        if not senders:
            lines[-1] = "senders: []"
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Call `mailcheck.cli.main` in-process; returns (exit code, stdout, stderr)."""
    from mailcheck.cli import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def check_json(run_cli):
    """Run `mailcheck check ... --format json`; returns (exit code, parsed report)."""
    import json

    def run(*args: str | Path) -> tuple[int, dict]:
        code, out, err = run_cli("check", *args, "--format", "json")
        assert out, f"no JSON on stdout; stderr: {err}"
        return code, json.loads(out)

    return run


def ns(server: ZoneServer) -> str:
    """The `--nameserver` argument for a loopback test server."""
    host, port = server.address
    return f"{host}:{port}"


def statuses(report: dict, rule: str) -> dict[str, str]:
    """{subject: status} of one rule's findings in a JSON report."""
    return {f["subject"]: f["status"] for f in report["findings"] if f["rule"] == rule}


@pytest.fixture(params=["loopback", "zonefile"])
def dns_args(request: pytest.FixtureRequest, dns_server: DNSServerFactory):
    """CLI arguments answering DNS from zone files, both ways: `--nameserver` pointing at a real
    DNS server on loopback that serves them, and `--zone` (offline)."""

    def args(*paths: str | Path) -> list[str]:
        files = [REPO_ROOT / p for p in paths]
        if request.param == "zonefile":
            return [arg for f in files for arg in ("--zone", str(f))]
        server = dns_server(*files)
        return ["--nameserver", ns(server), "--timeout", "0.5"]

    return args


# --- sample messages ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dkim_keys():
    """DKIM keys made for this session, by selector: `sel` (RSA 2048), `ed` (ed25519)."""
    from mailfactory import ed25519_key, rsa_key

    return {key.selector: key for key in (rsa_key("sel"), ed25519_key("ed"))}


@pytest.fixture(scope="session")
def msg_zone_file(tmp_path_factory: pytest.TempPathFactory, dkim_keys) -> Path:
    """The zone file of `msg.example.` publishing the session's DKIM keys (see mailfactory)."""
    from mailfactory import msg_zone

    path = tmp_path_factory.mktemp("zones") / "msg.example.zone"
    path.write_text(msg_zone(dkim_keys.values()), encoding="utf-8")
    return path


@pytest.fixture
def message_json(run_cli):
    """Run `mailcheck message ... --format json`; returns (exit code, parsed report)."""
    import json

    def run(*args: str | Path) -> tuple[int, dict]:
        code, out, err = run_cli("message", *args, "--format", "json")
        assert out, f"no JSON on stdout; stderr: {err}"
        return code, json.loads(out)

    return run


@pytest.fixture(autouse=True)
def _registry_restored():
    """Tests add and remove rules; put the registry back whole and in its order afterwards
    (monkeypatch would re-insert removed rules at the end and change the report order)."""
    from mailcheck.rules import REGISTRY

    saved = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(saved)


@pytest.fixture
def tls_webhook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPSServer]:
    """A webhook receiver on 127.0.0.1 over HTTPS, its throwaway CA trusted by the run."""
    with HTTPSServer("127.0.0.1") as server:
        server.ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        yield server


def read_terminal(leader: int) -> bytes:
    """All a process wrote to the pseudo-terminal whose leader end is `leader`, until it closed."""
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    return shown


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this session (tests/pgserver.py); skipped where neither its
    binaries nor psycopg are installed (CI installs both: .ci/run)."""
    from pgserver import PostgresServer, binaries

    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[postgres]')")
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty PostgreSQL database (with its password)."""
    return postgres_server.database()


@pytest.fixture(params=["sqlite", "postgres"])
def store_at(request: pytest.FixtureRequest, tmp_path: Path):
    """Where a store is, both ways: a SQLite file and a PostgreSQL database (`--db` value)."""
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite")
    return request.getfixturevalue("postgres_url")
