"""Load benchmark of the production server against a static file of the same size.

    .venv/bin/python bench/serve.py                          # SQLite, demo content
    .venv/bin/python bench/serve.py --database postgres      # PostgreSQL + Redis
    .venv/bin/python bench/serve.py --entries 100000         # plus 100,000 synthetic entries
    .venv/bin/python bench/serve.py --compare HEAD~1         # that commit beside the work tree

Builds a throwaway database, starts gunicorn (the `make serve` configuration: its
configuration file, workers and allocator settings; plain HTTP on loopback), and drives it
with wrk for each page and, in the same run, for a static file of the term page's size
served by WhiteNoise. Prints requests/s and p50/p99 latency per URL, the term page / static
file ratio, server RSS per worker, and checks that the stored view count grew by exactly
the number of term-page requests wrk completed.

With --compare REV, one run measures the commit REV and the working tree on this machine
alike, so that a regression shows apart from the machine's changes of speed: REV is
checked out in a temporary git worktree and runs from there (its own code, configuration
file, database, Redis database and port; this checkout's virtualenv). Both servers stay
up; each URL is read from one server at a time, once the other is idle, in the order
REV, current, current, REV (--rounds 2; more rounds go on alternating), each read for
its share of the duration, so that a drift of the machine's speed falls on both alike.
One table shows both and the ratio current / REV; the worktree and both databases are
removed at the end, also after a failure or Ctrl-C.
"""

import argparse
import http.client
import importlib.util
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
NAME, BASE_NAME = "kb_serve", "kb_serve_base"  # databases, apart from other runs
REDIS_DBS = {NAME: 2, BASE_NAME: 3}
STATIC_NAME = "bench-term-page.html"
TERM = "/terms/peer-support/"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


CYCLE = """
local paths = {PATHS}
local next_id = 0
setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
init = function(args)
  i = id
end
request = function()
  i = i + 2
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "knowledgebase.settings",
        "DJANGO_SECRET_KEY": "bench-serve-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "KB_SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    env.pop("REDIS_URL", None)
    return env


def sqlite_path(name):
    return Path(tempfile.gettempdir()) / f"{name.replace('_', '-')}.sqlite3"


def prepare(args, env, root=ROOT, name=NAME):
    """A fresh database `name` with the demo content (and synthetic entries), made by the
    code of the tree at `root`."""
    if args.database == "sqlite":
        path = sqlite_path(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{POSTGRES}/{name}"
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DBS[name]}"
        subprocess.run(["redis-cli", "-n", str(REDIS_DBS[name]), "flushdb"], check=False,
                       capture_output=True)  # fmt: skip
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["load_demo_content", "-v0"],
                    ["collectstatic", "--noinput", "-v0"]):  # fmt: skip
        subprocess.run(manage + command, cwd=root, env=env, check=True)
    if args.entries:
        fill = [sys.executable, str(Path(__file__).resolve()), "--fill", str(args.entries)]
        subprocess.run(fill, cwd=root, env=env, check=True)


def discard(args, name):
    """Database `name` and its Redis database removed."""
    if args.database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(name)}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    subprocess.run(["redis-cli", "-n", str(REDIS_DBS[name]), "flushdb"], check=False,
                   capture_output=True)  # fmt: skip


def fill(count):
    """Add `count` synthetic published entries (bench/search.py's corpus) and index them,
    with the code of the tree it runs in (the working directory)."""
    sys.path.insert(0, str(Path.cwd()))
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "bench" / "search.py")
    corpus_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus_module)
    import django

    django.setup()
    from django.utils import timezone

    from articles import models
    from articles.search.indexing import rebuild

    try:
        from articles.content.index import initial, sort_key
    except ImportError:  # a revision from before articles/content/ (--compare)
        from articles.index import initial, sort_key
    Category = models.Category
    Entry = getattr(models, "Entry", None) or models.Article  # (named Article before 0026)

    category = Category.objects.create(name="Synthetic", slug="synthetic")
    now = timezone.now()
    Entry.objects.bulk_create(
        (
            Entry(
                title=e["title"], slug=f"syn-{i}", category=category, aliases=e["aliases"],
                definition=e["definition"], tldr=e["tldr"], body="(synthetic)",
                body_html=e["body_html"], status="published", published_at=now,
                initial=initial(e["title"]), sort_title=sort_key(e["title"]),
            )
            for i, e in enumerate(corpus_module.build_corpus(count))
        ),
        batch_size=2000,
    )  # fmt: skip
    rebuild()
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does a little after a bulk load (visibility map, statistics),
        # done now so that it doesn't run during the measurements on the same two cores.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def wrk(url, args, paths=(), duration=None):
    """wrk on `url`; with `paths`, each request asks for the next of them instead (the
    two wrk threads take alternate ones, so none is asked for twice while paths last)."""
    duration = duration or args.duration
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT)
        if paths:
            script.write(CYCLE.replace("PATHS", ",\n".join(json.dumps(p) for p in paths)))
    result = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{duration}s", "--latency",
         "-s", script.name, "-H", f"User-Agent: {USER_AGENT}", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    os.unlink(script.name)
    return json.loads(result.stdout.strip().splitlines()[-1])


def worker_rss_mb(master_pid):
    sizes = []
    for status in Path("/proc").glob("*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sizes


def fetch(url):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def django_output(env, code, root=ROOT):
    """The last line a snippet of Python prints with Django set up on the bench database
    (the code of the tree at `root`)."""
    code = (
        "import django; django.setup(); from articles import models;"
        "Entry = getattr(models, 'Entry', None) or models.Article;" + code
    )  # (the model was named Article before migration 0026: --compare with older revisions)
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return out.strip().splitlines()[-1]


def view_count(env, slug, root=ROOT):
    code = f"print(Entry.objects.get(slug={slug!r}).view_count)"
    return int(django_output(env, code, root))


def sample_slugs(env, count):
    """Up to `count` public entries' slugs spread over the glossary (not the page the
    load above was on)."""
    code = (
        "slugs = list(Entry.objects.published().exclude(slug='peer-support')"
        ".order_by('pk').values_list('slug', flat=True));"
        f"step = max(1, len(slugs) // {count}); print(' '.join(slugs[::step][:{count}]))"
    )
    return django_output(env, code).split()


def search_queries(env, count, seed=11):
    """`count` different queries a reader could type: a title, a title with a typo, the
    start of a title word, a title word with a word of the definition, an alias."""
    code = (
        "import json; rows = list(Entry.objects.published().order_by('pk')"
        ".values_list('title', 'aliases', 'definition'));"
        "step = max(1, len(rows) // 3000); print(json.dumps(rows[::step]))"
    )
    rows = json.loads(django_output(env, code))
    rng = random.Random(seed)

    def typo(text):
        i = rng.randrange(len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :] if len(text) > 3 else text

    queries, attempts = set(), 0
    while len(queries) < count and attempts < count * 20:
        attempts += 1
        title, aliases, definition = rng.choice(rows)
        title_words = title.split()
        other_words = [w.strip(".,;:()") for w in definition.split() if len(w) > 4]
        kind = rng.randrange(5)
        if kind == 0:
            query = title
        elif kind == 1:
            query = typo(title)
        elif kind == 2:
            query = rng.choice(title_words)[: rng.randint(3, 6)]
        elif kind == 3 and other_words:
            query = f"{rng.choice(title_words)} {rng.choice(other_words)}"
        else:
            query = rng.choice(aliases.split("\n") or [title]) or typo(title)
        queries.add(query.lower())
    queries = sorted(queries)
    rng.shuffle(queries)
    return [f"/search/?q={urllib.parse.quote(q)}" for q in queries]


def one_by_one(port, paths, yardstick):
    """p50 and p99 of reading each path once, one at a time over a kept-alive connection,
    each read followed by one of `yardstick` (the static file) the same way: its time is
    what the machine and HTTP cost at that moment (this machine's speed varies)."""
    return [percentiles(times) for times in read_one_by_one(port, paths, yardstick)]


def read_one_by_one(port, paths, yardstick):
    """one_by_one's times in ms: the paths', the static file's."""
    timings, static_timings = [], []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in paths:
        for target, times in ((path, timings), (yardstick, static_timings)):
            started = time.perf_counter()
            connection.request("GET", target, headers={"User-Agent": USER_AGENT})
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return timings, static_timings


def percentiles(times):
    times = sorted(times)
    return times[len(times) // 2], times[int(len(times) * 0.99)]


def start_server(env, port, root=ROOT, name=NAME):
    """gunicorn as `make serve` runs it (bench/harness.py's Server: the tree's configuration
    file, one worker per core plus one, four threads each), from the tree at `root`."""
    from harness import CONFIG, Server  # here: harness.py loads this file for its helpers

    env = {**env, "MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}  # as `make serve`
    log = Path(tempfile.gettempdir()) / f"{name.replace('_', '-')}.log"
    server = Server(env, log, workers=(os.cpu_count() or 2) + 1, threads=4, port=port,
                    root=root, config=(root / CONFIG).exists())  # fmt: skip
    try:
        return server.start()
    except BaseException:
        if server.process is not None:
            server.stop()
            sys.stderr.write(server.log_text()[-3000:])
        raise


def stop_server(server):
    """Stopped; what it logged (warnings and worse) shown."""
    server.stop()
    log = server.log_text().strip()
    if log:
        print(f"server log ({server.log_path}):\n{log[-3000:]}", file=sys.stderr)


def serve_static_copy(server, root, page):
    """A file the size of the term page in the tree's static root, served by WhiteNoise;
    how it was made visible. WhiteNoise lists the files when the application loads: a
    reload (HUP) loads it again only where it isn't preloaded (gunicorn.conf.py preloads
    it in the master, whose forks keep its list), so if the file isn't served after one,
    the server starts again with the file in place."""
    (root / "staticfiles" / STATIC_NAME).write_bytes(page)
    server.signal(signal.SIGHUP)
    if static_served(server.port, len(page)):
        return "served after a reload (HUP)"
    server.stop()
    server.start()
    if static_served(server.port, len(page)):
        return "not served after a reload (HUP, application preloaded): served after a restart"
    raise RuntimeError(f"/static/{STATIC_NAME} is not served (with {len(page)} bytes)")


def static_served(port, size, patience=4.0):
    """Whether the static copy is answered 200 with its `size` bytes within `patience` s."""
    from harness import http_get

    deadline = time.monotonic() + patience
    while True:
        try:
            status, body = http_get(f"/static/{STATIC_NAME}", port=port)
            if status == 200 and len(body) == size:
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def views_check(env, port, args, root=ROOT):
    """The view count of the term page grows by exactly the number of its reads answered
    200: a line saying so (or not) and how long the writes took."""
    base = f"http://127.0.0.1:{port}"
    # wrk stops with requests in flight, so the exact check uses a known number of
    # requests: the same concurrency, every response read.
    before = view_count(env, "peer-support", root)
    sent = args.connections * 125
    with ThreadPoolExecutor(args.connections) as pool:
        statuses = list(pool.map(lambda _: fetch(base + TERM), range(sent)))
    ok = statuses.count(200)
    # Views are written from memory every second (the view buffer): wait for them, up
    # to the minute a count may lag.
    finished = time.monotonic()
    while (counted := view_count(env, "peer-support", root) - before) < ok:
        if time.monotonic() - finished > 60:
            break
        time.sleep(0.2)
    return (
        f"views counted: {counted} for {ok} successful of {sent} concurrent requests "
        f"({'exact' if counted == ok == sent else 'MISMATCH'}), all written "
        f"{time.monotonic() - finished:.1f} s after the last response"
    )


STATIC_LABEL = "static file (same size)"


def page_urls():
    """The addresses measured under load, by label: the static file first (the yardstick)."""
    return {
        STATIC_LABEL: f"/static/{STATIC_NAME}",
        "/": "/",
        "/terms/": "/terms/",
        TERM: TERM,
        "/categories/community-support/": "/categories/community-support/",
        "/search/?q=relapse": "/search/?q=relapse",
    }


def throughput(result):
    return result["requests"] / result["seconds"]


def single(args):
    """The working tree alone."""
    port = free_port()
    env = server_env(port)
    prepare(args, env)

    base = f"http://127.0.0.1:{port}"
    cores = os.cpu_count() or 2
    server = start_server(env, port)
    try:
        page = urllib.request.urlopen(base + TERM).read()
        note = serve_static_copy(server, ROOT, page)
        print(f"static file of the term page's size: {note}", file=sys.stderr)
        urls = page_urls()
        print(f"# {args.database}{' + Redis' if args.database == 'postgres' else ''}, "
              f"{args.entries or 'demo'} entries, {cores} cores, wrk {args.connections} "
              f"connections x {args.duration}s, {time.strftime('%Y-%m-%d')}")  # fmt: skip
        print("| URL | requests/s | p50 ms | p99 ms | errors |")
        print("|---|---|---|---|---|")
        results = {}
        for label, path in urls.items():
            result = results[label] = wrk(base + path, args)
            print(f"| {label} | {throughput(result):,.0f} | {result['p50']:.1f} | "
                  f"{result['p99']:.1f} | {result['errors'] + result['non2xx']} |")  # fmt: skip
        # Searches a reader makes: many different queries, none asked for twice (so
        # none answered from a copy), under the same load and then one at a time.
        queries = search_queries(env, 20_000)
        label = f"/search/ ({len(queries):,} different queries)"
        result = results[label] = wrk(base + "/search/", args, paths=queries[200:])
        print(f"| {label} | {throughput(result):,.0f} | {result['p50']:.1f} | "
              f"{result['p99']:.1f} | {result['errors'] + result['non2xx']} |")  # fmt: skip
        # Uncached: the first read of each of many term pages (no copy of any of them
        # kept yet), and of searches not made before, one at a time.
        for label, paths in uncached_rows(env, queries):
            (p50, p99), (static_p50, static_p99) = one_by_one(port, paths, urls[STATIC_LABEL])
            print(f"| {label} | | {p50:.1f} | {p99:.1f} | 0 |")
            print(f"| static file (read after each of those) | | {static_p50:.1f} | "
                  f"{static_p99:.1f} | 0 |")  # fmt: skip
        ratio = throughput(results[TERM]) / throughput(results[STATIC_LABEL])
        print(f"\nterm page / static file throughput: {ratio:.2f}")
        print(views_check(env, port, args))
        rss = worker_rss_mb(server.pid)
        print(f"worker RSS: {', '.join(f'{size:.0f} MB' for size in rss)}")
    finally:
        stop_server(server)
        (ROOT / "staticfiles" / STATIC_NAME).unlink(missing_ok=True)


def uncached_rows(env, queries):
    """Rows read one at a time: the first read of each of many term pages (no copy of any
    of them kept yet), and of searches not made before."""
    slugs = sample_slugs(env, 200)
    return (
        (f"uncached term pages ({len(slugs)}, one by one)", [f"/terms/{slug}/" for slug in slugs]),
        ("searches not made before (200, one by one)", queries[:200]),
    )


@dataclass
class Tree:
    """One of the two trees compared: where its code is, its database, its server."""

    label: str
    root: Path
    name: str  # of its database (and Redis database, and server log)
    port: int = field(default_factory=free_port)
    env: dict = field(default_factory=dict)
    server: object = None
    imports: str = ""  # where its server's Python finds `articles`

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def git(*command):
    return subprocess.run(["git", *command], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


@contextmanager
def worktree(commit):
    """`commit` checked out in a temporary directory (a detached git worktree), removed
    at the end. This checkout's index and files are left alone."""
    parent = Path(tempfile.mkdtemp(prefix="kb-serve-base-"))
    path = parent / "tree"
    try:
        git("worktree", "add", "--detach", "--quiet", str(path), commit)
        yield path
    finally:
        removed = subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT,
                                 capture_output=True).returncode == 0  # fmt: skip
        shutil.rmtree(parent, ignore_errors=True)
        if not removed:  # its record in .git outlives the directory otherwise
            subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def own_code(tree):
    """The tree's env set to import its own code first: the project is installed in
    editable mode, which points at this checkout; the server's Python is asked where
    `articles` and `knowledgebase` come from."""
    tree.env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tree.root), os.environ.get("PYTHONPATH")])
    )
    code = "import articles, knowledgebase; print(articles.__file__); print(knowledgebase.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tree.root, env=tree.env, check=True,
                         capture_output=True, text=True).stdout.split()  # fmt: skip
    for module in out:
        if not Path(module).resolve().is_relative_to(tree.root.resolve()):
            raise RuntimeError(f"{tree.label}: {module} imported, not from {tree.root}")
    tree.imports = out[0]


def settle(server, patience=10.0):
    """Wait until the server's workers are idle: wrk stops with requests in flight, which
    the workers still answer (up to a second of work for searches), and that must not
    fall on the other server's measurement."""
    window, deadline = 0.25, time.monotonic() + patience
    last = cpu_seconds(server.workers())
    while time.monotonic() < deadline:
        time.sleep(window)
        used = cpu_seconds(server.workers())
        if used - last <= 0.01:  # a clock tick: a heartbeat, a write of the views
            return
        last = used


def cpu_seconds(pids):
    """User and system CPU time the processes used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def alternately(trees, rounds):
    """Each round's order: REV, current, then current, REV, and so on (a drift of the
    machine's speed falls on both alike)."""
    return [trees if i % 2 == 0 else trees[::-1] for i in range(rounds)]


def parts(items, count):
    """`items` in `count` consecutive parts."""
    size = math.ceil(len(items) / count)
    return [items[i * size : (i + 1) * size] for i in range(count)]


def wrk_alternately(trees, path, args, paths=()):
    """wrk on `path` of each tree in args.rounds rounds (alternately()), each for the
    duration divided among them; with `paths`, each round cycles through its own part of
    them, so that no server is asked for one twice. Per tree, each round's result, with
    the CPU time its workers used meanwhile ("cpu", seconds)."""
    seconds = math.ceil(args.duration / args.rounds)
    runs = {tree.name: [] for tree in trees}
    pieces = parts(paths, args.rounds) if paths else [()] * args.rounds
    for order, piece in zip(alternately(trees, args.rounds), pieces, strict=True):
        for tree in order:
            for each in trees:
                settle(each.server)
            used = cpu_seconds(tree.server.workers())
            result = wrk(tree.url(path), args, paths=piece, duration=seconds)
            result["cpu"] = cpu_seconds(tree.server.workers()) - used
            runs[tree.name].append(result)
    return runs


def combined(runs):
    """Rounds' results as one: requests, seconds, errors and CPU time added up, p50 and
    p99 averaged."""
    return {
        **{
            key: sum(r[key] for r in runs)
            for key in ("requests", "seconds", "errors", "non2xx", "cpu")
        },
        **{key: sum(r[key] for r in runs) / len(runs) for key in ("p50", "p99")},
    }


def one_by_one_alternately(trees, paths, yardstick, rounds):
    """one_by_one on each tree, a part of the paths in each round (alternately()): each
    path read once from each server."""
    times = {tree.name: ([], []) for tree in trees}
    for order, part in zip(alternately(trees, rounds), parts(paths, rounds), strict=True):
        for tree in order:
            read = read_one_by_one(tree.port, part, yardstick)
            for kept, new in zip(times[tree.name], read, strict=True):
                kept.extend(new)
    return {name: [percentiles(t) for t in pair] for name, pair in times.items()}


def ratio(before, after):
    return f"{after / before:.2f}" if before else "–"


def compare_row(label, before, after):
    """A table row: REV's and the current tree's requests/s (if measured: lists of
    rounds), p50 and p99, and the workers' CPU time per request, each with current /
    REV, and the errors. The requests/s ratio comes with the lowest and highest of the
    rounds' own (REV's and current's reads of a round follow each other: how far the
    machine's noise reaches)."""
    cells = [label]
    cpu = ["", "", ""]
    if isinstance(before, list):
        paired = [throughput(a) / throughput(b) for a, b in zip(after, before, strict=True)]
        before, after = combined(before), combined(after)
        cells += [f"{throughput(before):,.0f}", f"{throughput(after):,.0f}",
                  f"{ratio(throughput(before), throughput(after))} "
                  f"({min(paired):.2f}–{max(paired):.2f})"]  # fmt: skip
        per_request = [r["cpu"] * 1000 / max(r["requests"], 1) for r in (before, after)]
        cpu = [f"{per_request[0]:.2f}", f"{per_request[1]:.2f}", ratio(*per_request)]
    else:
        cells += ["", "", ""]
    for key in ("p50", "p99"):
        cells += [f"{before[key]:.1f}", f"{after[key]:.1f}", ratio(before[key], after[key])]
    cells += cpu
    errors = [r.get("errors", 0) + r.get("non2xx", 0) for r in (before, after)]
    cells.append(f"{errors[0]} / {errors[1]}")
    print(f"| {' | '.join(cells)} |")


def compare(args, commit):
    """Commit `commit` (args.compare) and the working tree, measured alike in one run."""
    cores = os.cpu_count() or 2
    rev = args.compare
    with ExitStack() as stack:
        base = Tree(rev, stack.enter_context(worktree(commit)), BASE_NAME)
        current = Tree("current", ROOT, NAME)
        trees = [base, current]
        for tree in trees:
            tree.env = server_env(tree.port)
            own_code(tree)
            stack.callback(discard, args, tree.name)
            prepare(args, tree.env, tree.root, tree.name)
        for tree in trees:
            tree.server = start_server(tree.env, tree.port, tree.root, tree.name)
            stack.callback(stop_server, tree.server)
            stack.callback((tree.root / "staticfiles" / STATIC_NAME).unlink, missing_ok=True)
            page = urllib.request.urlopen(tree.url(TERM)).read()
            note = serve_static_copy(tree.server, tree.root, page)
            print(f"{tree.label}: static file of the term page's size: {note}", file=sys.stderr)

        urls = page_urls()
        seconds = math.ceil(args.duration / args.rounds)
        order = ", ".join(tree.label for tree in sum(alternately(trees, args.rounds), []))
        subject = git("log", "-1", "--format=%h %s", commit)
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
        print(f"# {args.database}{' + Redis' if args.database == 'postgres' else ''}, "
              f"{args.entries or 'demo'} entries, {cores} cores, wrk {args.connections} "
              f"connections x {args.rounds} x {seconds}s per server and URL (in the order "
              f"{order}), {time.strftime('%Y-%m-%d')}")  # fmt: skip
        subject = subject if len(subject) <= 80 else subject[:79] + "…"
        print(f"# {rev}: {subject}; its code from {base.imports}")
        print(f"# current: the working tree at {ROOT} (HEAD {head}"
              f"{', with uncommitted changes' if changed else ''}); its code from "
              f"{current.imports}")  # fmt: skip
        print(f"| URL | requests/s {rev} | requests/s current | current/{rev} | p50 ms {rev} | "
              f"p50 ms current | current/{rev} | p99 ms {rev} | p99 ms current | "
              f"current/{rev} | CPU ms/request {rev} | CPU ms/request current | current/{rev} | "
              f"errors {rev} / current |")  # fmt: skip
        print("|" + "---|" * 14)
        results = {}
        for label, path in urls.items():
            results[label] = wrk_alternately(trees, path, args)
            compare_row(label, results[label][base.name], results[label][current.name])
        # Searches a reader makes, none asked for twice of the same server (each keeps
        # its own copies): each round its own part of the queries.
        queries = search_queries(current.env, 20_000)
        label = f"/search/ ({len(queries):,} different queries)"
        result = wrk_alternately(trees, "/search/", args, paths=queries[200:])
        compare_row(label, result[base.name], result[current.name])
        for label, paths in uncached_rows(current.env, queries):
            timed = one_by_one_alternately(trees, paths, urls[STATIC_LABEL], args.rounds)
            (b50, b99), (bs50, bs99) = timed[base.name]
            (c50, c99), (cs50, cs99) = timed[current.name]
            compare_row(label, {"p50": b50, "p99": b99}, {"p50": c50, "p99": c99})
            compare_row("static file (read after each of those)", {"p50": bs50, "p99": bs99},
                        {"p50": cs50, "p99": cs99})  # fmt: skip
        print(f"\ncurrent/{rev}: above 1 is faster for requests/s, slower for p50, p99 and "
              "CPU; in brackets the lowest and highest of the rounds' own. CPU ms/request: "
              "the server's workers' CPU time over the requests wrk completed, less moved "
              "than requests/s by other programs' load, though not unmoved")  # fmt: skip
        for tree in trees:
            own = {label: combined(result[tree.name]) for label, result in results.items()}
            print(f"\n{tree.label}: term page / static file throughput: "
                  f"{throughput(own[TERM]) / throughput(own[STATIC_LABEL]):.2f}")  # fmt: skip
            print(f"{tree.label}: {views_check(tree.env, tree.port, args, tree.root)}")
            rss = worker_rss_mb(tree.server.pid)
            print(f"{tree.label}: worker RSS: {', '.join(f'{size:.0f} MB' for size in rss)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--entries", type=int, default=0, help="synthetic entries to add")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--compare", metavar="REV", help="also measure this git revision, alternately with "
        "the working tree, and show both side by side (e.g. HEAD~1, main)",
    )  # fmt: skip
    parser.add_argument(
        "--rounds", type=int, default=2, help="with --compare: reads of each server per URL, "
        "alternating which comes first, the duration divided among them (default 2)",
    )  # fmt: skip
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)  # internal: add entries
    args = parser.parse_args()
    if args.fill:
        return fill(args.fill)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    # A stop (TERM) unwinds as Ctrl-C does: servers stopped, files and databases removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if args.compare is None:
        return single(args)
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    try:
        commit = git("rev-parse", "--verify", "--quiet", f"{args.compare}^{{commit}}")
    except subprocess.CalledProcessError:
        parser.error(f"--compare {args.compare}: not a git revision")
    compare(args, commit)


if __name__ == "__main__":
    main()
