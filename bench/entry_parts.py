"""What reading a term page's entry costs: the entry and its parts (articles/pages/entry_parts.py:
published_entry(slug), then load(entry)), and the whole term page made afresh in-process
(Django's test client, the page caches emptied before each request).

    .venv/bin/python bench/entry_parts.py                                   # SQLite, demo
    .venv/bin/python bench/entry_parts.py --database postgres --entries 100000
    .venv/bin/python bench/entry_parts.py --compare bench/entry_parts_orm.py

Builds a throwaway database with the demo content (`--entries N` adds bench/serve.py's
synthetic entries), then reads every demo entry's page in turn, `--rounds` times. With
`--compare FILE`, a module of the same interface (published_entry, load) is measured in
the same run, the two taking turns entry by entry so that both see the same machine;
for the page, the views are given its functions. Prints the median and p95 per read in
ms and the queries each read makes.
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "kb_entry_parts"
SQLITE_PATH = Path(tempfile.gettempdir()) / "kb-entry-parts.sqlite3"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def environment(database):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "knowledgebase.settings",
        "DJANGO_SECRET_KEY": "bench-entry-parts-secret-key-not-for-production-0123456789",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "KB_SITE_URL": "http://testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    env.pop("REDIS_URL", None)  # the page caches in process memory, emptied at will
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        env["DATABASE_URL"] = f"{POSTGRES}/{NAME}"
    return env


def prepare(args, env):
    """A fresh database with the demo content (and synthetic entries)."""
    if args.database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {NAME}")
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["load_demo_content", "-v0"],
                    ["collectstatic", "--noinput", "-v0"]):  # fmt: skip
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True)
    if args.entries:
        fill = [sys.executable, str(ROOT / "bench" / "serve.py"), "--fill", str(args.entries)]
        subprocess.run(fill, cwd=ROOT, env=env, check=True)


def _module(path):
    spec = importlib.util.spec_from_file_location("compared_entry_parts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clear_page_caches():
    try:
        from articles.delivery import page_cache
    except ImportError:
        from articles import page_cache
    page_cache.clear()


def measure(args):
    """In a process of its own, Django set up on the bench database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from articles.models import Entry
    from articles.pages import entry_parts

    implementations = {"tree": (entry_parts.published_entry, entry_parts.load)}
    if args.compare:
        other = _module(args.compare)
        implementations["compared"] = (other.published_entry, other.load)
    slugs = list(
        Entry.objects.published().exclude(slug__startswith="syn-").values_list("slug", flat=True)
    )
    client = Client()

    def read(published_entry, load, slug):
        load(published_entry(slug))

    def page(published_entry, load, slug):
        entry_parts.published_entry, entry_parts.load = published_entry, load
        _clear_page_caches()
        response = client.get(f"/terms/{slug}/")
        assert response.status_code == 200, (slug, response.status_code)

    queries = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    for label, action in (("entry and parts", read), ("term page", page)):
        times = {name: ([], []) for name in implementations}
        for name, functions in implementations.items():  # warm up; count the queries
            queries.clear()
            with connection.execute_wrapper(counted):
                action(*functions, slugs[0])
            print(f"{label}, {name}: {len(queries)} queries")
            for slug in slugs * 5:
                action(*functions, slug)
        for _ in range(args.rounds):
            for slug in slugs:
                for name, functions in implementations.items():
                    started, cpu = time.perf_counter(), time.process_time()
                    action(*functions, slug)
                    times[name][0].append((time.perf_counter() - started) * 1000)
                    times[name][1].append((time.process_time() - cpu) * 1000)
        for name, (wall, cpu) in times.items():
            wall.sort()
            print(
                f"{label}, {name}: median {statistics.median(wall):.3f} ms, "
                f"p95 {wall[int(len(wall) * 0.95)]:.3f} ms, this process's CPU time "
                f"median {statistics.median(cpu):.3f} ms ({len(wall)} reads)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--entries", type=int, default=0, help="synthetic entries to add")
    parser.add_argument("--rounds", type=int, default=100, help="reads of each entry")
    parser.add_argument("--compare", help="a module with published_entry() and load()")
    parser.add_argument("--reuse", action="store_true", help="the database of the last run")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    env = environment(args.database)
    if not args.reuse:
        prepare(args, env)
    command = [sys.executable, __file__, "--measure", "--rounds", str(args.rounds)]
    if args.compare:
        command += ["--compare", str(Path(args.compare).resolve())]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
