"""Benchmark: mailcheck against checkdmarc and dnsperf, on synthetic domains served by NSD.

    python bench/run.py                      # both workloads, loopback and latency, 3 runs
    python bench/run.py --sizes 1000 --runs 1 --workloads small --modes loopback
    python bench/run.py --baseline ../other/src   # another checkout's mailcheck, run by turns

Needs root (a network namespace) and Debian's apt-get. It installs what is missing: `nsd` and
`dnsperf` with apt-get, checkdmarc (pinned) into bench/.venv, away from the project's own
dependencies. For each size it generates N sender domains, each a zone of its own: A and MX
(the MX host has its own A record), SPF `v=spf1 mx include:spf.esp.example -all` where
spf.esp.example includes two more records (a shared two-level tree), DMARC `p=reject`, and a
2048-bit DKIM key at `bench._domainkey` (one key made per run, its public part reused, so
generating stays fast). Every address is a loopback address (127.x): nothing a connection could
reach outside this machine.

NSD serves the zones on 127.0.0.1:53 inside a network namespace that has only `lo`, and every
measured command runs in that namespace (`ip netns exec`), so no query can leave the machine.
Each tool runs `--runs` times per size; the report gives medians: domains/s, queries per domain
(from NSD's own counters, `nsd-control stats_noreset`, against the distinct (name, type) pairs
the rules need), peak memory (the largest process's peak RSS, and the peak proportional set
size of the whole process tree, sampled every 0.2 s), and mailcheck's speed relative to
checkdmarc. dnsperf, asking exactly those pairs, shows the server's ceiling. Results are also
written to bench/work/results.json.

Two workloads: `shared` (above: every domain includes the provider's two-level SPF tree and has
an MX host of its own, 2048-bit RSA keys) and `small` (small zones: the MX is the domain itself,
SPF `v=spf1 mx -all` with no include, an ed25519 key: fewer questions for both tools). Two
modes: `loopback` (NSD answers at once) and `latency` (every tool asks `bench/udpproxy.py` in
front of NSD, which holds each answer `--delay` seconds and drops `--loss` of the questions, as
real resolvers far away do; the kernel has no netem here). In latency mode the report also
counts the findings that are `fail` there but not on loopback: a lost packet must end in
`error` after retries, never in `fail`. checkdmarc asks one question after another, so under
latency it is timed on the first `--checkdmarc-latency-max` domains only.

`--baseline SRC` times a second mailcheck (another checkout's `src`) in the same session, the
two taking turns run by run, so both see the same noise of a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
VENV = BENCH / ".venv"
CHECKDMARC = "checkdmarc==6.0.4"
NETNS = "mcbench"
SERVER = "127.0.0.1"  # inside the namespace: its own loopback, nothing else
PROXY = "127.0.0.2"  # the latency mode's proxy, on the namespace's loopback too
SELECTOR = "bench"
ESP = "esp.example"
TRANSPORT = ("TXT _mta-sts", "TXT _smtp._tls", "TXT default._bimi")  # mta-sts, tls-rpt, bimi
PER_DOMAIN_PAIRS = {
    "shared": ("MX", "A", "TXT", "TXT dkim", "TXT dmarc", "A mx", "AAAA mx", *TRANSPORT),
    "small": ("MX", "A", "TXT", "TXT dkim", "TXT dmarc", "AAAA", *TRANSPORT),
}
# once a run: TXT of spf.esp.example and of its two includes (shared only); the root's DNSKEY
# (dnssec.signed: where the chain of trust starts) and TXT _dmarc.example (the DMARC tree walk
# above the organisational domain), both refused by NSD, which serves neither
SHARED_PAIRS = {"shared": 3 + 2, "small": 2}
SAMPLE_EVERY = 0.2  # seconds between memory samples


# --- tools -------------------------------------------------------------------------------------


def ensure_tools() -> None:
    missing = [tool for tool in ("nsd", "nsd-control", "dnsperf") if not shutil.which(tool)]
    if missing:
        print(f"installing nsd and dnsperf (missing: {', '.join(missing)})", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nsd", "dnsperf"], check=True, env=env)
    checkdmarc = VENV / "bin" / "checkdmarc"
    if not checkdmarc.exists():
        print(f"installing {CHECKDMARC} into {VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "-q", CHECKDMARC]
        subprocess.run(pip, check=True)


# --- zones -------------------------------------------------------------------------------------


def dkim_public_key(workload: str) -> str:
    """One fresh key; its public part is published for every domain: 2048-bit RSA (base64 DER)
    for `shared`, ed25519 (the raw 32 bytes, RFC 8463) for `small`."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if workload == "small":
        raw = (
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return base64.b64encode(raw).decode("ascii")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def domain_names(count: int) -> list[str]:
    return [f"c{number:05d}.example" for number in range(count)]


def loopback(block: int, number: int) -> str:
    return f"127.{block}.{number // 250}.{number % 250 + 1}"


def txt(value: str) -> str:
    """A TXT value in character strings of at most 255 bytes (RFC 1035)."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def soa(origin: str) -> str:
    return (
        f"$ORIGIN {origin}.\n$TTL 3600\n"
        f"@ SOA ns.{ESP}. hostmaster.{origin}. 1 3600 600 86400 300\n@ NS ns.{ESP}.\n"
    )


def domain_zone(name: str, number: int, dkim: str, workload: str) -> str:
    if workload == "small":
        return soa(name) + textwrap.dedent(f"""\
            @ A {loopback(1, number)}
            @ MX 10 {name}.
            @ TXT "v=spf1 mx -all"
            _dmarc TXT "v=DMARC1; p=reject"
            {SELECTOR}._domainkey TXT "v=DKIM1; k=ed25519; p={dkim}"
            """)
    return soa(name) + textwrap.dedent(f"""\
        @ A {loopback(1, number)}
        @ MX 10 mx.{name}.
        mx A {loopback(2, number)}
        @ TXT "v=spf1 mx include:spf.{ESP} -all"
        _dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{name}"
        {SELECTOR}._domainkey TXT {txt(f"v=DKIM1; k=rsa; p={dkim}")}
        """)


def esp_zone() -> str:
    return soa(ESP) + textwrap.dedent(f"""\
        ns A 127.0.0.1
        spf TXT "v=spf1 include:a.spf.{ESP} include:b.spf.{ESP} -all"
        a.spf TXT "v=spf1 ip4:127.10.0.0/16 -all"
        b.spf TXT "v=spf1 ip4:127.11.0.0/16 -all"
        """)


def generate(count: int, workload: str, checkdmarc_latency_max: int) -> Path:
    """Zones, nsd.conf, the domain lists and dnsperf's queries for `count` domains."""
    folder = WORK / f"{workload}-{count}"
    zones = folder / "zones"
    if folder.exists():
        shutil.rmtree(folder)
    zones.mkdir(parents=True)
    dkim = dkim_public_key(workload)
    names = domain_names(count)
    (zones / f"{ESP}.zone").write_text(esp_zone())
    for number, name in enumerate(names):
        (zones / f"{name}.zone").write_text(domain_zone(name, number, dkim, workload))
    (folder / "domains.txt").write_text("".join(f"{name}\n" for name in names))
    first = names[:checkdmarc_latency_max]
    (folder / "domains-few.txt").write_text("".join(f"{name}\n" for name in first))
    queries = [f"spf.{ESP} TXT", f"a.spf.{ESP} TXT", f"b.spf.{ESP} TXT"]
    for name in names:
        queries += [f"{name} MX", f"{name} A", f"{name} TXT", f"{SELECTOR}._domainkey.{name} TXT"]
        queries += [f"_mta-sts.{name} TXT", f"_smtp._tls.{name} TXT", f"default._bimi.{name} TXT"]
        if workload == "small":
            queries += [f"_dmarc.{name} TXT", f"{name} AAAA"]
            continue
        queries += [f"_dmarc.{name} TXT", f"mx.{name} A", f"mx.{name} AAAA"]
    (folder / "queries.txt").write_text("\n".join(queries) + "\n")
    zone_list = "".join(
        f"zone:\n  name: {zone}\n  zonefile: {zones}/{zone}.zone\n" for zone in [ESP, *names]
    )
    (folder / "nsd.conf").write_text(
        textwrap.dedent(f"""\
            server:
              ip-address: {SERVER}
              port: 53
              username: ""
              chroot: ""
              zonesdir: "{zones}"
              database: ""
              zonelistfile: "{folder}/zone.list"
              xfrdfile: "{folder}/xfrd.state"
              pidfile: "{folder}/nsd.pid"
              logfile: "{folder}/nsd.log"
              server-count: 1
              verbosity: 0
              hide-version: yes
            remote-control:
              control-enable: yes
              control-interface: "{folder}/nsd.ctl"
            """)
        + zone_list
    )
    return folder


# --- the namespace and NSD ---------------------------------------------------------------------


def netns(*command: str) -> list[str]:
    return ["ip", "netns", "exec", NETNS, *command]


class Nsd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.conf = str(folder / "nsd.conf")
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nsd:
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
        subprocess.run(["ip", "netns", "add", NETNS], check=True)
        subprocess.run(["ip", "-n", NETNS, "link", "set", "lo", "up"], check=True)
        self.process = subprocess.Popen(netns("nsd", "-d", "-c", self.conf))
        for _ in range(600):  # 10,000 zones take a few seconds to load
            if self.counters().get("num.queries") is not None:
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"nsd exited: see {self.folder / 'nsd.log'}")
            time.sleep(0.1)
        raise RuntimeError("nsd did not come up")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)

    def counters(self) -> dict[str, float]:
        done = subprocess.run(
            ["nsd-control", "-c", self.conf, "stats_noreset"], capture_output=True, text=True
        )
        values = {}
        for line in done.stdout.splitlines():
            key, _, value = line.partition("=")
            try:
                values[key] = float(value)
            except ValueError:
                continue
        return values

    def queries(self) -> int:
        return int(self.counters().get("num.queries", 0))


class Proxy:
    """bench/udpproxy.py in the namespace, in front of NSD: each answer late, some lost."""

    def __init__(self, delay: float, loss: float) -> None:
        self.delay, self.loss = delay, loss
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Proxy:
        command = [
            sys.executable, str(BENCH / "udpproxy.py"), "--listen", f"{PROXY}:53",
            "--upstream", f"{SERVER}:53", "--delay", str(self.delay), "--drop", str(self.loss),
        ]  # fmt: skip
        self.process = subprocess.Popen(netns(*command))
        time.sleep(1.0)  # it binds at once; a second is plenty even on a busy machine
        if self.process.poll() is not None:
            raise RuntimeError("the proxy exited")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    queries: int
    max_rss_mb: float  # the largest peak RSS of one process (VmHWM, ru_maxrss)
    tree_pss_mb: float  # the whole process tree at its peak (PSS, sampled)
    exit_code: int


def _tree(root: int) -> list[int]:
    pids, pending = [], [root]
    while pending:
        pid = pending.pop()
        pids.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def _field_kb(path: str, name: str) -> int:
    try:
        text = Path(path).read_text()
    except OSError:
        return 0
    return next((int(x.split()[1]) for x in text.splitlines() if x.startswith(name)), 0)


def _memory_kb(root: int) -> tuple[int, int]:
    """(the largest peak RSS of a process in the tree, the tree's proportional set size).

    PSS splits shared pages among their users: forked workers share the pages of the process
    they were forked from, which a sum of RSS would count several times."""
    pids = _tree(root)
    hwm = max((_field_kb(f"/proc/{pid}/status", "VmHWM:") for pid in pids), default=0)
    pss = sum(_field_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return hwm, pss


def measure(command: list[str], nsd: Nsd, env: dict[str, str] | None = None) -> Sample:
    before = nsd.queries()
    start = time.perf_counter()
    process = subprocess.Popen(
        netns(*command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peaks = [0, 0]
    stop = threading.Event()

    def sample() -> None:  # sparingly: reading smaps costs the measured processes too
        while not stop.wait(SAMPLE_EVERY):
            hwm, pss = _memory_kb(process.pid)
            peaks[:] = [max(peaks[0], hwm), max(peaks[1], pss)]

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1, 3):
        raise RuntimeError(f"{command[0]} exited {process.returncode}: {stderr[-2000:]}")
    return Sample(
        seconds,
        nsd.queries() - before,
        max(peaks[0], usage.ru_maxrss) / 1024,
        peaks[1] / 1024,
        process.returncode,
    )


def mailcheck_command(folder: Path, extra: list[str], server: str, out: str) -> list[str]:
    return [
        sys.executable, "-m", "mailcheck", "domain", "--from-file", str(folder / "domains.txt"),
        "--selector", SELECTOR, "--nameserver", server, "--format", "jsonl",
        "-o", str(folder / out), *extra,
    ]  # fmt: skip


def checkdmarc_command(folder: Path, server: str, domains: str = "domains.txt") -> list[str]:
    out = str(folder / "checkdmarc.json")
    return [str(VENV / "bin" / "checkdmarc"), str(folder / domains), "-n", server, "-o", out]


def failing(path: Path) -> set[tuple[str, str]]:
    """The (rule, subject) pairs a mailcheck JSON Lines report has as `fail`."""
    found = set()
    with path.open() as lines:
        for line in lines:
            finding = json.loads(line)
            if finding.get("status") == "fail":
                found.add((finding["rule"], finding["subject"]))
    return found


def dnsperf_qps(folder: Path, server: str = SERVER, outstanding: int = 100) -> float:
    """Queries per second dnsperf gets answered (`outstanding`: its questions in flight)."""
    queries = str(folder / "queries.txt")
    done = subprocess.run(
        netns("dnsperf", "-s", server, "-d", queries, "-l", "5", "-c", "4", "-q", str(outstanding)),
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if "Queries per second" in x)
    return float(line.split(":")[1])


def help_seconds(env: dict[str, str]) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mailcheck", "--help"], env=env, capture_output=True, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_sample(samples: list[Sample]) -> dict[str, object]:
    medians: dict[str, object] = {
        key: statistics.median(getattr(s, key) for s in samples) for key in asdict(samples[0])
    }
    medians["runs"] = [asdict(sample) for sample in samples]
    return medians


def bench_size(count: int, args: argparse.Namespace, env: Env, workload: str) -> dict:
    print(f"\n== {workload} workload, {count:,} domains: generating zones", flush=True)
    folder = generate(count, workload, args.checkdmarc_latency_max)
    expected = count * len(PER_DOMAIN_PAIRS[workload]) + SHARED_PAIRS[workload]
    result: dict = {
        "workload": workload,
        "domains": count,
        "expected_queries_per_domain": expected / count,
    }
    with Nsd(folder) as nsd:
        result["dnsperf_qps"] = dnsperf_qps(folder)
        print(f"dnsperf: {result['dnsperf_qps']:,.0f} queries/s", flush=True)
        for mode in args.modes.split(","):
            print(f"-- {mode}", flush=True)
            if mode == "latency":
                with Proxy(args.delay, args.loss):
                    # the proxy's own ceiling: a Python process, on the same cores
                    result["proxy_qps"] = dnsperf_qps(folder, PROXY, outstanding=2000)
                    print(f"dnsperf through the proxy: {result['proxy_qps']:,.0f} queries/s")
                    result[mode] = bench_mode(folder, count, args, env, PROXY, mode, nsd)
            else:
                result[mode] = bench_mode(folder, count, args, env, SERVER, mode, nsd)
        if "loopback" in result and "latency" in result:
            lossy = failing(folder / "latency-mailcheck.jsonl")
            lossless = failing(folder / "loopback-mailcheck.jsonl")
            result["fail_only_under_latency"] = sorted(map(list, lossy - lossless))
            print(
                "findings failing only under latency and loss: "
                f"{len(result['fail_only_under_latency'])}",
                flush=True,
            )
    return result


Env = dict[str, str]


def bench_mode(
    folder: Path,
    count: int,
    args: argparse.Namespace,
    env: Env,
    server: str,
    mode: str,
    nsd: Nsd,
) -> dict:
    """Each mailcheck variant and checkdmarc, `--runs` times, the variants taking turns."""
    out = f"{mode}-mailcheck.jsonl"
    given = shlex.split(args.mailcheck_args)
    variants: dict[str, tuple[list[str], Env]] = {"mailcheck": (given, env)}
    if mode == "loopback":
        variants["mailcheck_1_process"] = ([*given, "--workers", "1"], env)
    if args.baseline:
        baseline = {**env, "PYTHONPATH": str(Path(args.baseline).resolve())}
        variants["baseline"] = (given, baseline)
    samples: dict[str, list[Sample]] = {name: [] for name in variants}
    for _ in range(args.runs):  # by turns: a burst of load on the machine hits them alike
        for name, (extra, variant_env) in variants.items():
            written = out if name == "mailcheck" else f"{mode}-{name}.jsonl"
            command = mailcheck_command(folder, extra, server, written)
            samples[name].append(measure(command, nsd, variant_env))
    result: dict = {}
    for name in variants:
        result[name] = median_sample(samples[name])
        _print(name, count, result[name])
    few = min(count, args.checkdmarc_latency_max) if mode == "latency" else count
    if count <= args.checkdmarc_max:
        domains = "domains-few.txt" if few < count else "domains.txt"
        runs = [measure(checkdmarc_command(folder, server, domains), nsd) for _ in range(args.runs)]
        result["checkdmarc"] = median_sample(runs)
        result["checkdmarc"]["domains"] = few
        _print("checkdmarc", few, result["checkdmarc"])
        mailcheck_rate = count / result["mailcheck"]["seconds"]
        checkdmarc_rate = few / result["checkdmarc"]["seconds"]
        result["speedup"] = mailcheck_rate / checkdmarc_rate
        print(f"mailcheck is {result['speedup']:.1f}x checkdmarc", flush=True)
    return result


def _print(name: str, count: int, sample: dict) -> None:
    each = ", ".join(f"{count / run['seconds']:.0f}" for run in sample["runs"])
    print(
        f"{name:<20} {count / sample['seconds']:>8.0f} domains/s ({each})  "
        f"{sample['queries'] / count:>5.2f} queries/domain  "
        f"peak RSS {sample['max_rss_mb']:.0f} MB, process tree PSS {sample['tree_pss_mb']:.0f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="domain counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and size (median)")
    parser.add_argument(
        "--checkdmarc-max", type=int, default=1000, help="largest size checkdmarc is timed at"
    )
    parser.add_argument("--workloads", default="shared,small", help="shared, small or both")
    parser.add_argument("--modes", default="loopback,latency", help="loopback, latency or both")
    parser.add_argument("--delay", type=float, default=0.05, help="latency mode: seconds")
    parser.add_argument("--loss", type=float, default=0.01, help="latency mode: share lost")
    parser.add_argument(
        "--checkdmarc-latency-max",
        type=int,
        default=100,
        help="domains checkdmarc is timed on in latency mode",
    )
    parser.add_argument("--baseline", help="another checkout's src folder, timed by turns")
    parser.add_argument(
        "--mailcheck-args", default="", help="extra arguments for mailcheck (e.g. --concurrency)"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/run.py needs root for its network namespace", file=sys.stderr)
        return 2
    ensure_tools()
    # as `pip install` does: compiled once, not at every start (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    results = {"help_seconds": help_seconds(env), "cpus": os.cpu_count(), "sizes": []}
    print(f"mailcheck --help: {results['help_seconds']:.3f} s", flush=True)
    results["conditions"] = {
        "load_average": os.getloadavg(),
        "delay": args.delay,
        "loss": args.loss,
        "baseline": args.baseline,
    }
    for workload in args.workloads.split(","):
        for count in (int(size) for size in args.sizes.split(",")):
            results["sizes"].append(bench_size(count, args, env, workload))
    (WORK / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {WORK / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
