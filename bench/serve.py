"""Load benchmark of the production server against a static file of the same size.

    .venv/bin/python bench/serve.py                          # SQLite, demo content
    .venv/bin/python bench/serve.py --database postgres      # PostgreSQL + Redis
    .venv/bin/python bench/serve.py --entries 100000         # plus 100,000 synthetic entries

Builds a throwaway database, starts gunicorn (the `make serve` configuration, plain HTTP
on loopback), and drives it with wrk for each page and, in the same run, for a static file
of the term page's size served by WhiteNoise. Prints requests/s and p50/p99 latency per
URL, the term page / static file ratio, server RSS per worker, and checks that the stored
view count grew by exactly the number of term-page requests wrk completed.
"""

import argparse
import http.client
import importlib.util
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def prepare(args, env):
    """A fresh database with the demo content (and synthetic entries)."""
    if args.database == "sqlite":
        path = Path(tempfile.gettempdir()) / "kb-serve.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS kb_serve WITH (FORCE)")
            c.execute("CREATE DATABASE kb_serve")
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/kb_serve"
        env["REDIS_URL"] = "redis://127.0.0.1:6379/2"
        subprocess.run(["redis-cli", "-n", "2", "flushdb"], check=False, capture_output=True)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["load_demo_content", "-v0"],
                    ["collectstatic", "--noinput", "-v0"]):  # fmt: skip
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True)
    if args.entries:
        fill = [sys.executable, __file__, "--fill", str(args.entries)]
        subprocess.run(fill, cwd=ROOT, env=env, check=True)


def fill(count):
    """Add `count` synthetic published entries (bench/search.py's corpus) and index them."""
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "bench" / "search.py")
    corpus_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus_module)
    import django

    django.setup()
    from django.utils import timezone

    from articles.index import initial, sort_key
    from articles.models import Article, Category
    from articles.search.indexing import rebuild

    category = Category.objects.create(name="Synthetic", slug="synthetic")
    now = timezone.now()
    Article.objects.bulk_create(
        (
            Article(
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


def wrk(url, args, paths=()):
    """wrk on `url`; with `paths`, each request asks for the next of them instead (the
    two wrk threads take alternate ones, so none is asked for twice while paths last)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT)
        if paths:
            script.write(CYCLE.replace("PATHS", ",\n".join(json.dumps(p) for p in paths)))
    result = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
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


def django_output(env, code):
    """The last line a snippet of Python prints with Django set up on the bench database."""
    code = "import django; django.setup(); from articles.models import Article;" + code
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return out.strip().splitlines()[-1]


def view_count(env, slug):
    return int(django_output(env, f"print(Article.objects.get(slug={slug!r}).view_count)"))


def sample_slugs(env, count):
    """Up to `count` public entries' slugs spread over the glossary (not the page the
    load above was on)."""
    code = (
        "slugs = list(Article.objects.published().exclude(slug='peer-support')"
        ".order_by('pk').values_list('slug', flat=True));"
        f"step = max(1, len(slugs) // {count}); print(' '.join(slugs[::step][:{count}]))"
    )
    return django_output(env, code).split()


def search_queries(env, count, seed=11):
    """`count` different queries a reader could type: a title, a title with a typo, the
    start of a title word, a title word with a word of the definition, an alias."""
    code = (
        "import json; rows = list(Article.objects.published().order_by('pk')"
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
    timings, static_timings = [], []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in paths:
        for target, times in ((path, timings), (yardstick, static_timings)):
            started = time.perf_counter()
            connection.request("GET", target, headers={"User-Agent": USER_AGENT})
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
    connection.close()
    result = []
    for times in (timings, static_timings):
        times.sort()
        result.append((times[len(times) // 2], times[int(len(times) * 0.99)]))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--entries", type=int, default=0, help="synthetic entries to add")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)  # internal: add entries
    args = parser.parse_args()
    if args.fill:
        return fill(args.fill)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "knowledgebase.settings",
        "DJANGO_SECRET_KEY": "bench-serve-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "KB_SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    env.pop("REDIS_URL", None)
    prepare(args, env)

    base = f"http://127.0.0.1:{port}"
    cores = os.cpu_count() or 2
    env.update(MALLOC_ARENA_MAX="2", MALLOC_MMAP_THRESHOLD_="131072")  # as `make serve`
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "knowledgebase.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(cores + 1), "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        term = "/terms/peer-support/"
        page = urllib.request.urlopen(base + term).read()
        static_name = "bench-term-page.html"
        # A file of the term page's size, served by WhiteNoise from the static root.
        static_root = ROOT / "staticfiles"
        (static_root / static_name).write_bytes(page)
        server.send_signal(1)  # HUP: workers restart and WhiteNoise sees the new file
        time.sleep(3)
        static_label = "static file (same size)"
        urls = {
            static_label: f"/static/{static_name}",
            "/": "/",
            "/terms/": "/terms/",
            term: term,
            "/categories/community-support/": "/categories/community-support/",
            "/search/?q=relapse": "/search/?q=relapse",
        }
        print(f"# {args.database}{' + Redis' if args.database == 'postgres' else ''}, "
              f"{args.entries or 'demo'} entries, {cores} cores, wrk {args.connections} "
              f"connections x {args.duration}s, {time.strftime('%Y-%m-%d')}")  # fmt: skip
        print("| URL | requests/s | p50 ms | p99 ms | errors |")
        print("|---|---|---|---|---|")
        results = {}
        for label, path in urls.items():
            result = results[label] = wrk(base + path, args)
            rps = result["requests"] / result["seconds"]
            print(f"| {label} | {rps:,.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
                  f"{result['errors'] + result['non2xx']} |")  # fmt: skip
        # Searches a reader makes: many different queries, none asked for twice (so
        # none answered from a copy), under the same load and then one at a time.
        queries = search_queries(env, 20_000)
        label = f"/search/ ({len(queries):,} different queries)"
        result = results[label] = wrk(base + "/search/", args, paths=queries[200:])
        rps = result["requests"] / result["seconds"]
        print(f"| {label} | {rps:,.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
              f"{result['errors'] + result['non2xx']} |")  # fmt: skip
        # Uncached: the first read of each of many term pages (no copy of any of them
        # kept yet), and of searches not made before, one at a time.
        slugs = sample_slugs(env, 200)
        rows = (
            (f"uncached term pages ({len(slugs)}, one by one)",
             [f"/terms/{slug}/" for slug in slugs]),
            ("searches not made before (200, one by one)", queries[:200]),
        )  # fmt: skip
        for label, paths in rows:
            (p50, p99), (static_p50, static_p99) = one_by_one(port, paths, urls[static_label])
            print(f"| {label} | | {p50:.1f} | {p99:.1f} | 0 |")
            print(f"| static file (read after each of those) | | {static_p50:.1f} | "
                  f"{static_p99:.1f} | 0 |")  # fmt: skip
        term_rps = results[term]["requests"] / results[term]["seconds"]
        static = results[static_label]
        ratio = term_rps / (static["requests"] / static["seconds"])
        print(f"\nterm page / static file throughput: {ratio:.2f}")
        # wrk stops with requests in flight, so the exact check uses a known number of
        # requests: the same concurrency, every response read.
        before = view_count(env, "peer-support")
        sent = args.connections * 125
        with ThreadPoolExecutor(args.connections) as pool:
            statuses = list(pool.map(lambda _: fetch(base + term), range(sent)))
        ok = statuses.count(200)
        # Views are written from memory every second (articles/counting.py): wait for
        # them, up to the minute a count may lag.
        finished = time.monotonic()
        while (counted := view_count(env, "peer-support") - before) < ok:
            if time.monotonic() - finished > 60:
                break
            time.sleep(0.2)
        print(
            f"views counted: {counted} for {ok} successful of {sent} concurrent requests "
            f"({'exact' if counted == ok == sent else 'MISMATCH'}), all written "
            f"{time.monotonic() - finished:.1f} s after the last response"
        )
        rss = worker_rss_mb(server.pid)
        print(f"worker RSS: {', '.join(f'{size:.0f} MB' for size in rss)}")
    finally:
        server.terminate()
        server.wait()
        (ROOT / "staticfiles" / "bench-term-page.html").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
