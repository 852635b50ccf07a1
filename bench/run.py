"""The benchmark: one command, one run, every ratio measured in that run.

    .venv/bin/python bench/run.py          (or: make bench)

1. recreates the PostgreSQL database ``lms_bench`` (LMS_BENCH_DATABASE_URL), migrates it and
   syncs the real courses;
2. inserts a realistic data set (bench/dataset.py: 1 000 learners with enrollments and progress);
3. starts the platform and a bare Flask "hello" app (bench/bare.py) under the same gunicorn
   settings (2 sync workers) on free loopback ports, logs in eight benchmark learners;
4. loads the bare page, the lesson page and the dashboard in turn (wrk when it is installed,
   else a Python load generator), 8 connections, a warm-up then a fixed measuring time;
5. counts the SQL statements per page in-process (SQLAlchemy events, Flask test client);
6. runs bench/bench_certificates.py when it exists;
7. prints the report and writes it to docs/benchmarks.md (overwritten each run).

Both gunicorns are stopped whatever happens. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
CERT_SCRIPT = BENCH / "bench_certificates.py"
# Further scripts whose Markdown goes into the report: the 10 000-employee organization, and
# login cost with the 200-way seat race.
EXTRA_SCRIPTS = ("bench_organization.py", "bench_accounts.py")
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench"
SECRET = "bench-only-secret-key-never-used-in-production-7f3a9c2e"
TARGET_RATIO = 0.50       # design.md: the lesson page at >= half of the bare Flask page
TARGET_LESSON_QUERIES = 10

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- environment

def bench_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "LMS_DATABASE_URL": url,
        "LMS_SECRET_KEY": SECRET,
        "LMS_ENV": "development",  # production needs deployment secrets (Stripe...); DEBUG stays off
        "LMS_RATELIMIT_ENABLED": "0",
        "LMS_MAIL_BACKEND": "console",
        "LMS_BENCH_DATABASE_URL": url,
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("LMS_DEBUG", None)
    return env


def machine_info(url: str) -> dict[str, str]:
    info = {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "cpus": str(len(os.sched_getaffinity(0))), "python": platform.python_version(),
            "kernel": f"{platform.system()} {platform.release()}"}
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        info["cpu"] = re.sub(r"\s+", " ", model)
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "unknown CPU"
    try:
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        info["memory"] = "unknown"
    import psycopg

    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as conn:
        info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    from importlib.metadata import version

    info["gunicorn"] = version("gunicorn")
    info["flask"] = version("flask")
    info["sqlalchemy"] = version("sqlalchemy")
    return info


def _libpq_url(url: str, database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if database:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop database {name!r}: point LMS_BENCH_DATABASE_URL at a bench database")
    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def flask_cli(args: list[str], env: dict[str, str]) -> None:
    cmd = [str(VENV_BIN / "flask"), "--app", "lms", *args]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- servers

@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def gunicorn_command(app_spec: str, port: int, workers: int, chdir: Path) -> list[str]:
    """The same settings for both servers: only the app differs."""
    return [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning",
            "--timeout", "60", app_spec]


def start_server(name: str, app_spec: str, chdir: Path, workers: int, env: dict[str, str], logdir: Path) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    process = subprocess.Popen(gunicorn_command(app_spec, port, workers, chdir), cwd=chdir, env=env,
                               stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, port, process, log)


def wait_ready(server: Server, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn ({server.name}) exited with {server.process.returncode}:\n{server.tail()}")
        try:
            status, _ = fetch(server.port, path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn ({server.name}) did not answer on port {server.port} within {timeout:.0f} s:\n"
                     f"{server.tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)  # the gunicorn master stops its workers
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


# ---------------------------------------------------------------- load

@dataclass
class Target:
    path: str
    cookie: str = ""


@dataclass
class LoadResult:
    page: str
    requests: int
    seconds: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int          # connection errors and timeouts
    non_200: int
    # Share of the machine's CPU time used by processes other than the benchmark's own
    # (this script, wrk, both gunicorns, PostgreSQL) while measuring, and stolen by the hypervisor.
    others_cpu: float | None = None
    steal_cpu: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = r"""
local targets = {TARGETS}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  i = offset
  reqs = {}
  for k, t in ipairs(targets) do
    local headers = {}
    if t[2] ~= "" then headers["Cookie"] = t[2] end
    reqs[k] = wrk.format("GET", t[1], headers)
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_200": %d, ' ..
    '"mean_us": %.1f, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, b,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_load(page: str, port: int, targets: list[Target], connections: int, seconds: float,
             threads: int, workdir: Path) -> LoadResult:
    lua = "{" + ", ".join("{" + _lua_string(t.path) + ", " + _lua_string(t.cookie) + "}" for t in targets) + "}"
    script = workdir / f"wrk-{re.sub(r'[^a-z]+', '-', page.lower())}.lua"
    script.write_text(WRK_SCRIPT.replace("{TARGETS}", lua))
    cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}{targets[0].path}"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^WRKJSON (.*)$", result.stdout, re.M)
    if result.returncode != 0 or not match:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(match.group(1))
    return LoadResult(page, data["requests"], data["duration_us"] / 1e6, data["mean_us"] / 1000,
                      data["p50_us"] / 1000, data["p99_us"] / 1000, data["max_us"] / 1000,
                      data["errors"], data["non_200"])


def python_load(page: str, port: int, targets: list[Target], connections: int, seconds: float) -> LoadResult:
    """A fallback when wrk is missing: one thread per connection, keep-alive http.client.

    gunicorn's sync workers close the connection after each response, so http.client
    reconnects for each request, as wrk does. The generator shares the GIL and the cores with
    the servers: absolute figures come out lower than with wrk, the ratios less so.
    """
    start = time.perf_counter()
    deadline = start + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    bad = [0] * connections
    finished = [start] * connections

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        index = k
        mine = latencies[k]
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            target = targets[index % len(targets)]
            index += 1
            try:
                conn.request("GET", target.path, headers={"Cookie": target.cookie} if target.cookie else {})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - now)
            if response.status != 200:
                bad[k] += 1
        finished[k] = time.perf_counter()
        conn.close()

    workers = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(seconds + 30)
    every = sorted(x for mine in latencies for x in mine)
    if not every:
        raise SystemExit(f"no response at all from port {port} for {page}")
    elapsed = max(finished) - start

    def pct(p: float) -> float:
        return every[min(len(every) - 1, int(p / 100 * len(every)))] * 1000

    return LoadResult(page, len(every), elapsed, sum(every) / len(every) * 1000, pct(50), pct(99),
                      every[-1] * 1000, sum(errors), sum(bad))


class CpuMeter:
    """Who used the CPUs during a measurement: the benchmark's processes, or something else.

    The machine's busy time comes from /proc/stat; the benchmark's own share is this process
    (with wrk, a reaped child, in its children's times), the gunicorn masters and their workers,
    and every PostgreSQL process. The rest is other activity that skews the figures.
    """

    def __init__(self, servers: list[Server]):
        self.masters = [server.process.pid for server in servers]
        self.tick = os.sysconf("SC_CLK_TCK")
        self.cpus = os.cpu_count() or 1

    @staticmethod
    def _machine() -> tuple[int, int, int]:
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return user + nice + system + irq + softirq, steal, sum(fields[:8])

    def _ours(self) -> int:
        total = 0
        self_times = os.times()
        total += round((self_times.user + self_times.system + self_times.children_user
                        + self_times.children_system) * self.tick)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                raw = open(f"/proc/{entry.name}/stat").read()
            except OSError:
                continue
            comm = raw[raw.index("(") + 1:raw.rindex(")")]
            rest = raw[raw.rindex(")") + 2:].split()
            ppid, utime, stime = int(rest[1]), int(rest[11]), int(rest[12])
            if comm.startswith("postgres") or int(entry.name) in self.masters or ppid in self.masters:
                total += utime + stime
        return total

    def snapshot(self) -> tuple[int, int, int, int]:
        busy, steal, all_ticks = self._machine()
        return busy, steal, all_ticks, self._ours()

    @staticmethod
    def shares(before: tuple[int, int, int, int], after: tuple[int, int, int, int]) -> tuple[float, float]:
        busy, steal, all_ticks, ours = (b - a for a, b in zip(before, after))
        if all_ticks <= 0:
            return 0.0, 0.0
        return max(0.0, (busy - ours) / all_ticks), steal / all_ticks


def load(page: str, port: int, targets: list[Target], args: argparse.Namespace, workdir: Path,
         warmup: bool = True, meter: CpuMeter | None = None) -> LoadResult:
    use_wrk = shutil.which("wrk") and not args.python_load
    run = ((lambda secs: wrk_load(page, port, targets, args.connections, secs, args.wrk_threads, workdir))
           if use_wrk else (lambda secs: python_load(page, port, targets, args.connections, secs)))
    if warmup and args.warmup > 0:
        run(args.warmup)
    before = meter.snapshot() if meter else None
    result = run(args.duration)
    if meter and before:
        result.others_cpu, result.steal_cpu = meter.shares(before, meter.snapshot())
    say(f"{page}: {result.rps:,.0f} req/s, mean {result.mean_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
        + (f", {result.non_200} non-200" if result.non_200 else "") + (f", {result.errors} errors" if result.errors else "")
        + (f"; other processes used {result.others_cpu * 100:.0f} % of the CPUs" if result.others_cpu is not None else ""))
    return result


def wrk_version() -> str:
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    match = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else "?"


# ---------------------------------------------------------------- logging in, SQL per page

def make_cookie(app, token: str) -> str:
    """The signed Flask session cookie a browser holds after logging in (with its CSRF secret)."""
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": token, "_fresh": True, "_permanent": True, "csrf_token": secrets.token_hex(20)})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def log_in(app, user_id: int) -> str:
    """A server-side session for the user (as at log-in); returns the session token."""
    from lms.accounts.models import User
    from lms.accounts.operations import start_session
    from lms.extensions import db

    token = start_session(db.session.get(User, user_id), "bench/run.py", "127.0.0.1")
    db.session.commit()
    return token


@dataclass
class QueryCount:
    page: str
    path: str
    statements: list[str] = field(default_factory=list)
    # How many statements came after the request's COMMIT (a second transaction).
    after_commit: int = 0

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def writes(self) -> int:
        return sum(1 for s in self.statements if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"))

    @property
    def reads(self) -> int:
        return self.total - self.writes


def count_queries(app, token: str, pages: list[tuple[str, str]]) -> list[QueryCount]:
    """SQL statements per page, for a logged-in learner, steady state (third request of each)."""
    from sqlalchemy import event

    from lms.extensions import db

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({"_user_id": token, "_fresh": True, "csrf_token": secrets.token_hex(20)})
        session.permanent = True
    seen: list[str] = []
    commits: list[int] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    def on_commit(conn):
        commits.append(len(seen))

    event.listen(engine, "before_cursor_execute", listener)
    event.listen(engine, "commit", on_commit)
    counts = []
    try:
        for page, path in pages:
            for _ in range(3):
                seen.clear()
                commits.clear()
                try:
                    response = client.get(path)
                except Exception as exc:  # the app is broken: say where, not a long traceback
                    raise SystemExit(f"query count: GET {path} raised {type(exc).__name__}: {exc}") from None
                if response.status_code != 200:
                    raise SystemExit(f"query count: GET {path} answered {response.status_code}, not 200")
            after = len(seen) - commits[0] if commits else 0
            counts.append(QueryCount(page, path, list(seen), after))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        event.remove(engine, "commit", on_commit)
    return counts


def in_process_timing(app, token: str, path: str, requests: int = 300) -> float:
    """Mean ms per request through the Flask test client (no HTTP server, no load generator)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({"_user_id": token, "_fresh": True, "csrf_token": secrets.token_hex(20)})
        session.permanent = True
    for _ in range(20):
        client.get(path)
    start = time.perf_counter()
    for _ in range(requests):
        client.get(path)
    return (time.perf_counter() - start) / requests * 1000


def in_process_bare(requests: int = 2000) -> float:
    import bare

    client = bare.create_app().test_client()
    for _ in range(50):
        client.get("/")
    start = time.perf_counter()
    for _ in range(requests):
        client.get("/")
    return (time.perf_counter() - start) / requests * 1000


def profile_page(app, token: str, path: str, requests: int = 300) -> str:
    """cProfile of a page through the test client: where the time of one request goes."""
    import cProfile
    import io
    import pstats

    client = app.test_client()
    with client.session_transaction() as session:
        session.update({"_user_id": token, "_fresh": True, "csrf_token": secrets.token_hex(20)})
        session.permanent = True
    for _ in range(20):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups = {
        "whole request (Flask.wsgi_app)": [("flask/app.py", "wsgi_app")],
        "template rendering (render_template)": [("flask/templating.py", "render_template")],
        "  of which Jinja Template.render": [("jinja2/environment.py", "render")],
        "SQLAlchemy Session.execute (ORM + SQL)": [("sqlalchemy/orm/session.py", "execute"),
                                                   ("sqlalchemy/orm/session.py", "scalar"),
                                                   ("sqlalchemy/orm/session.py", "scalars")],
        "psycopg Cursor.execute (driver + server round trip)": [("psycopg/cursor.py", "execute")],
        "pool checkout (incl. pre_ping SELECT 1)": [("sqlalchemy/pool/base.py", "_checkout")],
        "Session.commit": [("sqlalchemy/orm/session.py", "commit")],
        "user loader (load_session_user)": [("lms/accounts/operations.py", "load_session_user")],
        "CSRF token (generate_csrf)": [("flask_wtf/csrf.py", "generate_csrf")],
        "session cookie save": [("flask/sessions.py", "save_session")],
        "flask-babel get_locale": [("flask_babel/__init__.py", "get_locale")],
        "flask-babel gettext": [("flask_babel/__init__.py", "gettext")],
        "url_for": [("flask/helpers.py", "url_for")],
    }
    out = io.StringIO()
    out.write(f"cProfile of GET {path}, {requests} requests through the test client "
              f"(profiler overhead inflates pure-Python parts):\n")
    for label, keys in groups.items():
        cum, calls = 0.0, 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
            if any(filename.endswith(suffix) and name == fn for suffix, fn in keys):
                # Nested calls of the same function are counted once by cProfile's cumulative time.
                cum += ct
                calls += nc
        out.write(f"  {label:<55} {cum / requests * 1000:7.2f} ms/request  {calls / requests:6.1f} calls/request\n")
    out.write("\nTop 25 by cumulative time:\n")
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("cumulative").print_stats(25)
    out.write("\n".join(line for line in top.getvalue().splitlines() if line.strip())[:8000])
    out.write("\n\nTop 25 by own time:\n")
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(25)
    out.write("\n".join(line for line in top.getvalue().splitlines() if line.strip())[:8000])
    return out.getvalue()


# ---------------------------------------------------------------- certificates (another script)

def run_certificates(env: dict[str, str], timeout: float) -> tuple[str | None, str | None]:
    """(markdown, problem): the output of bench/bench_certificates.py when it exists."""
    if not CERT_SCRIPT.exists():
        return None, None
    say("running bench/bench_certificates.py")
    try:
        result = subprocess.run([sys.executable, str(CERT_SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"bench/bench_certificates.py did not finish within {timeout:.0f} s"
    if result.returncode != 0:
        return None, (f"bench/bench_certificates.py exited with {result.returncode}:\n"
                      + "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:]))
    return result.stdout.strip(), None


def with_sections(text: str, sections: list[str]) -> str:
    """The report with more sections before its closing "How to run"."""
    head, separator, tail = text.partition("\n## How to run")
    return head.rstrip("\n") + "".join("\n\n" + section for section in sections) + "\n" + separator + tail


def run_script(path: Path, env: dict[str, str], timeout: float) -> tuple[str | None, str | None, str]:
    """(markdown, problem, name) of another benchmark script, run on its own scratch database."""
    say(f"running bench/{path.name}")
    scratch = {k: v for k, v in env.items() if k != "LMS_BENCH_DATABASE_URL"}
    try:
        result = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=scratch, capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"did not finish within {timeout:.0f} s", path.name
    if result.returncode != 0:
        return None, "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:]), path.name
    return result.stdout.strip(), None, path.name


# ---------------------------------------------------------------- report

def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def report(info: dict[str, str], data_line: str, loads: dict[str, LoadResult], queries: list[QueryCount],
           args: argparse.Namespace, load_tool: str, lesson_targets: int, learners: int,
           in_process: dict[str, float], certificates: str | None, cert_problem: str | None) -> str:
    bare, lesson, dashboard = loads["bare"], loads["lesson"], loads["dashboard"]
    ratio = lesson.rps / bare.rps if bare.rps else 0.0
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py`) on {info['date']}; every figure on this page comes from "
        "that one run, and the file is overwritten by the next. Absolute figures drift between machines: "
        "compare the ratios, which are measured side by side in the same run.",
        "",
        f"- Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['kernel']}",
        f"- Software: Python {info['python']}, PostgreSQL {info['postgresql']}, gunicorn {info['gunicorn']}, "
        f"Flask {info['flask']}, SQLAlchemy {info['sqlalchemy']}",
        f"- Data set: {data_line}",
        f"- Load: {load_tool} on the same machine, {args.connections} connections, "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured per page"
        + (f", {args.rounds} alternating rounds (median round shown)" if args.rounds > 1 else "")
        + ", loopback",
        f"- Other activity: 1-minute load average {info['loadavg']} when the run started (it lags by a minute; the "
        "last column of the table below says what other processes used while each page was measured)",
        f"- Servers: `gunicorn --workers {args.workers} --worker-class sync` for both the platform "
        "(`lms:create_app()`, LMS_ENV=development with debug off, PostgreSQL) and a bare Flask \"hello\" (`bench/bare.py`)",
        "",
        "## Pages under load",
        "",
        "| page | req/s | mean latency | p50 | p99 | vs bare Flask | CPU used by other processes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, result in (("bare Flask \"hello\"", bare), ("lesson page, logged in", lesson),
                          ("dashboard `/learn/`, logged in", dashboard)):
        share = result.rps / bare.rps * 100 if bare.rps else 0
        others = "" if result.others_cpu is None else f"{result.others_cpu * 100:.0f} %" + (
            f" (+{result.steal_cpu * 100:.0f} % stolen)" if result.steal_cpu and result.steal_cpu >= 0.01 else "")
        lines.append(f"| {label} | {result.rps:,.0f} | {_ms(result.mean_ms)} | {_ms(result.p50_ms)} | "
                     f"{_ms(result.p99_ms)} | {share:.0f} % | {others} |")
    busy = [r for r in (bare, lesson, dashboard) if (r.others_cpu or 0) + (r.steal_cpu or 0) > 0.10]
    lines += [
        "",
        "The last column is the share of the machine's CPU time that went to anything but the benchmark "
        "(this script, wrk, the two gunicorns, PostgreSQL) while the page was measured, plus what the "
        "hypervisor stole. " + (
            f"**Above 10 % for {', '.join(r.page for r in busy)}: something else was running, the ratios of "
            "this run are skewed; run again on a quiet machine.**" if busy else
            "It stayed under 10 %: the ratios are comparable."),
        "",
        f"**Target** (design.md, \"Speed: where the bar is\"): the lesson page at ≥ {TARGET_RATIO * 100:.0f} % of the bare "
        f"Flask page's req/s. This run: **{ratio * 100:.1f} %**, " + ("**met**." if ratio >= TARGET_RATIO else "**not met**."),
        "",
        f"The lesson page rotates over {lesson_targets} (learner, lesson) pairs of {learners} logged-in learners "
        "(each on the lesson they are at in each course they have not finished); every view records seat time "
        "(a write and a commit), as in real use. The dashboard rotates over the same "
        "learners, each enrolled in every course. Every response was checked to be 200."
    ]
    problems = [r for r in loads.values() if r.non_200 or r.errors]
    if problems:
        lines += ["", "Problems during the load: " + "; ".join(
            f"{r.page}: {r.non_200} non-200 responses, {r.errors} connection errors" for r in problems) + "."]
    if in_process:
        base = in_process.get("bare Flask")
        lines += ["", "In-process time per request (Flask test client, no server, no load generator, one request at a "
                  "time): " + ", ".join(f"{page} {ms:.2f} ms" + (f" ({ms / base:.0f}× bare)" if base and page != "bare Flask"
                                                               else "") for page, ms in in_process.items()) + "."]
    lesson_q = next((q for q in queries if q.page == "lesson page"), None)
    lines += [
        "",
        "## SQL statements per page",
        "",
        "Counted in-process with a SQLAlchemy `before_cursor_execute` listener, Flask test client, same database, "
        "logged in as a learner enrolled in every course; the third request of each page (steady state). "
        "The count includes loading the user's session.",
        "",
        "| page | statements | reads | writes | after the commit |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in queries:
        lines.append(f"| {q.page} (`{q.path}`) | {q.total} | {q.reads} | {q.writes} | {q.after_commit} |")
    lines += ["", "\"After the commit\": statements run once the request's transaction has committed (a second "
              "transaction, with its own connection checkout); they are included in the other columns."]
    if lesson_q:
        met = lesson_q.total <= TARGET_LESSON_QUERIES
        lines += ["", f"**Target**: at most {TARGET_LESSON_QUERIES} statements for the lesson page. This run: "
                  f"**{lesson_q.total}**, " + ("**met**." if met else "**not met**.")]
    for q in queries[:2]:
        lines += ["", f"Statements of the {q.page}, in order:", ""]
        first_after = q.total - q.after_commit
        for n, statement in enumerate(q.statements, 1):
            short = statement if len(statement) <= 150 else statement[:147] + "..."
            lines.append(f"{n}. `{short}`" + (" (after the commit)" if n > first_after else ""))
    lines += ["", "## Certificates", ""]
    if certificates:
        lines.append(_demote_headings(certificates))
    elif cert_problem:
        lines += ["The certificate benchmark did not complete in this run:", "", "```", cert_problem, "```"]
    else:
        lines.append("`bench/bench_certificates.py` is not there yet: no certificate figures in this run.")
    lines += ["", "## How to run", "", "`make bench` (or `.venv/bin/python bench/run.py --help` for the options); "
              "prerequisites and what is measured: `bench/README.md`.", ""]
    return "\n".join(lines)


def _demote_headings(markdown: str) -> str:
    """The certificate script's own headings go one level below this section's."""
    out = []
    for line in markdown.splitlines():
        match = re.match(r"^(#{1,5}) ", line)
        if match:
            level = len(match.group(1))
            line = "#" * max(3, level + 2) + line[level:]
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the platform against a bare Flask app (see bench/README.md).")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per page (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the pages this many times and keep each page's median round (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for both servers (default 2)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--learners", type=int, default=1000, help="learners in the data set (default 1000)")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk is there")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the lesson page")
    parser.add_argument("--no-write", action="store_true", help="print the report but leave docs/benchmarks.md alone")
    parser.add_argument("--cert-timeout", type=float, default=900, help="seconds allowed for bench_certificates.py")
    return parser.parse_args(argv)


def single_run_lock(url: str):
    """One run per bench database at a time: a second one would drop the database under the first."""
    import fcntl
    from sqlalchemy.engine import make_url

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{make_url(url).host}-{make_url(url).port}-{make_url(url).database}")
    handle = open(Path(tempfile.gettempdir()) / f"lms-bench-{name}.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("another bench/run.py is using this bench database right now: wait for it to finish") from None
    return handle


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or DEFAULT_URL
    lock = single_run_lock(url)  # noqa: F841  (held until the process ends)
    env = bench_env(url)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LMS_")})
    loadavg = os.getloadavg()[0]
    info = machine_info(url)
    info["loadavg"] = f"{loadavg:.2f}"
    if loadavg > 0.5 * int(info["cpus"]):
        say(f"warning: the load average is {loadavg:.2f} on {info['cpus']} CPUs: something else may be running "
            "(the report measures what other processes use during each page)")
    use_wrk = bool(shutil.which("wrk")) and not args.python_load
    load_tool = (f"wrk {wrk_version()} ({min(args.wrk_threads, args.connections)} threads)" if use_wrk
                 else "the Python load generator of bench/run.py (threads, http.client; "
                 + ("--python-load)" if shutil.which("wrk") else "wrk was not found)"))
    servers: list[Server] = []
    app = None
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        say(f"recreating database {url.rsplit('/', 1)[-1]}")
        recreate_database(url)
        say("migrating and syncing the courses")
        flask_cli(["db", "upgrade"], env)
        flask_cli(["courses", "sync"], env)

        import dataset
        from lms import create_app
        from lms.extensions import db

        app = create_app({"SESSION_COOKIE_SECURE": False})  # same settings as the servers, but the
        # test client sends its cookie over plain http
        app.logger.setLevel("WARNING")
        with app.app_context():
            say(f"building the data set ({args.learners} learners)")
            summary = dataset.build(app, learners=args.learners)
            say(f"data set: {summary.line()} in {summary.seconds:.1f} s")
            learners = dataset.bench_learners(8)
            if not learners:
                raise SystemExit("no benchmark learner with a lesson in progress: check bench/dataset.py")
            tokens = [log_in(app, learner.user_id) for learner in learners]
            cookies = [make_cookie(app, token) for token in tokens]
            query_token = log_in(app, learners[0].user_id)
        first = learners[0]
        lesson_path = "/learn/{}/{}/{}".format(*first.lessons[0])
        lesson_targets = [Target("/learn/{}/{}/{}".format(*lesson), cookie)
                          for learner, cookie in zip(learners, cookies) for lesson in learner.lessons]
        dashboard_targets = [Target("/learn/", cookie) for cookie in cookies]

        say("counting SQL statements per page")
        queries = count_queries(app, query_token, [
            ("lesson page", lesson_path), ("dashboard", "/learn/"), ("course catalog", "/courses"),
            ("course page", f"/courses/{first.lessons[0][0]}")])
        for q in queries:
            say(f"  {q.page}: {q.total} statements ({q.reads} reads, {q.writes} writes, "
            f"{q.after_commit} after the commit)")
        in_process = {"bare Flask": in_process_bare(),
                      "lesson page": in_process_timing(app, query_token, lesson_path),
                      "dashboard": in_process_timing(app, query_token, "/learn/")}

        say(f"starting gunicorn x2 ({args.workers} sync workers each)")
        servers.append(start_server("bare", "bare:create_app()", BENCH, args.workers, env, workdir))
        servers.append(start_server("lms", "lms:create_app()", ROOT, args.workers, env, workdir))
        bare_server, lms_server = servers
        wait_ready(bare_server, "/")
        wait_ready(lms_server, "/courses")
        for target in lesson_targets + dashboard_targets:
            status, body = fetch(lms_server.port, target.path, target.cookie)
            if status != 200 or 'action="/logout"' not in body:
                raise SystemExit(f"GET {target.path} with a learner's cookie answered {status} without a logged-in "
                                 f"page: the log-in did not take.\n{lms_server.tail()}")

        say(f"load: {load_tool}, {args.connections} connections, {args.warmup:g}+{args.duration:g} s per page"
            + (f", {args.rounds} rounds" if args.rounds > 1 else ""))
        plan = [("bare", bare_server.port, [Target("/")]), ("lesson", lms_server.port, lesson_targets),
                ("dashboard", lms_server.port, dashboard_targets)]
        rounds: dict[str, list[LoadResult]] = {page: [] for page, _, _ in plan}
        meter = CpuMeter(servers)
        for number in range(args.rounds):
            for page, port, targets in plan:
                rounds[page].append(load(page, port, targets, args, workdir, warmup=number == 0, meter=meter))
        # With several rounds, each page's median round (by req/s) stands for it.
        loads = {page: sorted(results, key=lambda r: r.rps)[len(results) // 2] for page, results in rounds.items()}
        for server in servers:
            if server.process.poll() is not None:
                raise SystemExit(f"gunicorn ({server.name}) died during the load:\n{server.tail()}")
        status, _ = fetch(lms_server.port, lesson_targets[0].path, lesson_targets[0].cookie)
        if status != 200:
            raise SystemExit(f"after the load, the lesson page answered {status}")

        profile = profile_page(app, query_token, lesson_path) if args.profile else None
    finally:
        for server in servers:
            stop_server(server)
        if app is not None:
            from lms.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    certificates, cert_problem = run_certificates(env, args.cert_timeout)
    extras = [run_script(BENCH / name, env, args.cert_timeout) for name in EXTRA_SCRIPTS]
    text = report(info, summary.line(), loads, queries, args, load_tool, len(lesson_targets), len(learners),
                  in_process, certificates, cert_problem)
    text = with_sections(text, [markdown or f"## bench/{name}\n\nDid not complete:\n\n```\n{problem}\n```"
                                for markdown, problem, name in extras])
    print(text)
    if profile:
        print("\n" + profile)
    if not args.no_write:
        DOC.write_text(text)
        say(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
