"""The faults bench/faults.py injects that need a program of their own: a TCP proxy that
cuts PostgreSQL off, a private Redis to kill, and an editor saving in the admin. (A lock
held and a read-only database are harness.Database's.) Loopback only: the shared
PostgreSQL and Redis are never stopped.
"""

import html.parser
import http.cookiejar
import selectors
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

from harness import EDITOR, EDITOR_PASSWORD, REDIS_PORT, SERVER_PORT, USER_AGENT, wait_for_port


class Proxy:
    """A TCP proxy on loopback in a process of its own (`harness.py proxy LISTEN TARGET`):
    cut() closes every connection and stops listening (connections are refused, as from
    a stopped server), restore() listens again."""

    def __init__(self, listen_port, target_port):
        self.process = subprocess.Popen([sys.executable, __file__, "proxy", str(listen_port),
                                         str(target_port)])  # fmt: skip
        wait_for_port(listen_port)

    def cut(self):
        self.process.send_signal(signal.SIGUSR1)

    def restore(self):
        self.process.send_signal(signal.SIGUSR2)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def run_proxy(listen_port, target_port):
    """The proxy's process: one selector loop, no threads."""
    selector = selectors.DefaultSelector()
    peers = {}  # socket → the socket it forwards to
    listener = None
    requests = []  # "cut" / "restore", from the signal handlers

    def listen():
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", listen_port))
        sock.listen(128)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        return sock

    def close(sock):
        for s in (sock, peers.pop(sock, None)):
            if s is not None:
                peers.pop(s, None)
                try:
                    selector.unregister(s)
                except (KeyError, ValueError):
                    pass
                s.close()

    signal.signal(signal.SIGUSR1, lambda *_: requests.append("cut"))
    signal.signal(signal.SIGUSR2, lambda *_: requests.append("restore"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = listen()
    while True:
        while requests:
            if requests.pop(0) == "cut" and listener is not None:
                selector.unregister(listener)
                listener.close()
                listener = None
                for sock in list(peers):
                    close(sock)
            elif listener is None:
                listener = listen()
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            if sock is listener:
                client, _ = listener.accept()
                try:
                    upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
                except OSError:
                    client.close()
                    continue
                for s in (client, upstream):
                    s.setblocking(False)
                    selector.register(s, selectors.EVENT_READ)
                peers[client], peers[upstream] = upstream, client
                continue
            if sock not in peers:
                continue
            try:
                data = sock.recv(65536)
                if data:
                    peers[sock].setblocking(True)
                    peers[sock].sendall(data)
                    peers[sock].setblocking(False)
                    continue
            except OSError:
                pass
            close(sock)


class PrivateRedis:
    """A Redis of the suite's own (never the shared one), killed and started by its PID."""

    def __init__(self, port=REDIS_PORT):
        self.port, self.process = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
        wait_for_port(self.port)
        return self

    def kill(self):
        self.process.kill()
        self.process.wait()


class _FormFields(html.parser.HTMLParser):
    """The fields a browser would post from the form with the given id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag not in ("option",):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append([self._select, a.get("value", "")])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append([name, text[1:] if text.startswith("\n") else text])
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Editor:
    """An editor in the admin, through the server: signs in, then saves an entry's
    change form as a browser posts it, with its definition changed."""

    def __init__(self):
        self.base = f"http://127.0.0.1:{SERVER_PORT}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects
        )

    def _open(self, path, data=None):
        request = urllib.request.Request(self.base + path, headers={"User-Agent": USER_AGENT})
        if data is not None:
            pairs = data.items() if isinstance(data, dict) else data
            request.data = urllib.parse.urlencode([tuple(pair) for pair in pairs]).encode()
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def _form(self, path, form_id):
        status, page = self._open(path)
        parser = _FormFields(form_id)
        parser.feed(page)
        return status, parser.fields

    def sign_in(self):
        _, fields = self._form("/admin/login/", "login-form")
        data = dict(fields) | {"username": EDITOR, "password": EDITOR_PASSWORD}
        status, _ = self._open("/admin/login/?next=/admin/", data)
        if status != 302:
            raise RuntimeError(f"sign-in answered {status}")
        return self

    def save(self, entry_id, note):
        """Post the change form with a changed definition: 302 when it was saved."""
        path = f"/admin/articles/entry/{entry_id}/change/"
        status, fields = self._form(path, "article_form")
        if status != 200:
            return status
        for pair in fields:
            if pair[0] == "definition":
                pair[1] = pair[1].split(" [")[0] + f" [{note}]"
        return self._open(path, [*fields, ("_save", "Save")])[0]


if __name__ == "__main__" and sys.argv[1:2] == ["proxy"]:
    run_proxy(int(sys.argv[2]), int(sys.argv[3]))
