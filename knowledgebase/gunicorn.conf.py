"""gunicorn's configuration for this site: `gunicorn -c knowledgebase/gunicorn.conf.py`
(`make serve` runs it so; options given on the command line win). docs: README
"Deployment".

- The application is loaded once, in the master, and warmed there (warmup.py), before
  the workers are forked: a reload (SIGHUP) has new workers answering at once, while
  the old ones finish their requests. A reload does not load new code; a release is
  started with USR2 (a new master with the new code, whose workers serve beside the
  old ones), then TERM to the old master.
- A worker told to stop (TERM, or a reload) writes the views it holds before it exits
  (articles/delivery/view_buffer.py), waiting for a write in progress: all of that within the
  graceful timeout, counted from the signal.
"""

import atexit
import gc
import os
import signal
import sys
import time

wsgi_app = "knowledgebase.wsgi"
# One worker process per core plus one, four threads each (threads overlap the waits on
# the database; processes use the cores).
workers = (os.cpu_count() or 2) + 1
threads = 4
preload_app = True
# A stopping worker's time to finish its requests and write its views; the master kills
# it after that. Below the worker timeout (30 s), which also runs while a worker exits.
graceful_timeout = 25
EXIT_MARGIN = 2  # seconds kept back from the graceful timeout for the exit itself


def when_ready(server):
    if server.cfg.preload_app:
        from knowledgebase import warmup

        warmup.warm(server.app.wsgi())
        # The application's objects stay out of the collector's sight: the workers
        # share their memory pages with the master rather than copying them on the
        # first collection.
        gc.freeze()


def post_worker_init(worker):
    """Note when the worker is told to stop: its deadline runs from then."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        handler = signal.getsignal(sig)
        signal.signal(sig, _noting_the_time(worker, handler))
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: requests go on


def _noting_the_time(worker, handler):
    def handle(sig, frame):
        if not hasattr(worker, "told_to_stop_at"):
            worker.told_to_stop_at = time.monotonic()
        handler(sig, frame)

    return handle


def worker_exit(server, worker):
    counting = sys.modules.get("articles.delivery.counting")
    if counting is None:  # the application never loaded in this worker
        return
    told = getattr(worker, "told_to_stop_at", time.monotonic())
    remaining = server.cfg.graceful_timeout - (time.monotonic() - told) - EXIT_MARGIN
    counting.buffer.stop(max(remaining, 1))
    atexit.unregister(counting.buffer.stop)  # done: the deadline has been spent
    # Then readers' searches, with what time is left (they matter less than views).
    if searches := sys.modules.get("articles.insights.search_counts"):
        remaining = server.cfg.graceful_timeout - (time.monotonic() - told) - EXIT_MARGIN
        searches.buffer.stop(max(remaining, 1))
        atexit.unregister(searches.buffer.stop)
