"""A published ledger served over loopback HTTP, for the remote benchmarks
(scripts/bench_remote.py, scripts/bench_tui_remote.py): a native ledger of
N descriptors (made as scripts/bench_publish.py makes it), checkpointed,
published to a directory, and served by `python3 -m http.server` on
127.0.0.1 (a free port), its request log kept to count GETs.

    with PublishedSite(iss, records, "bench-remote-") as s:
        s.url, s.ledger, s.site, s.work, s.gets(), s.server.pid

With `keep=DIR` the ledger and its publication are made in DIR (if not
there already) and kept, for profiling the same input again; `protocol`
is the server's HTTP version (`HTTP/1.0`, http.server's own: one
connection per request; `HTTP/1.1`: kept-alive connections), or `nginx`
(nginx with 2 workers instead of http.server: `apt-get install
nginx-light`).

Every `iss` these scripts start neither reads nor writes the user's
remembered checkpoints (`ISS_NO_STATE=1` is set for the whole process).
The server, and the work folder unless kept, are removed on leaving the
block.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_publish import append_descriptors  # noqa: E402

ORIGIN = "bench.example/remote"


class PublishedSite:
    """See the module's doc. Attributes once entered: `work` (the
    temporary folder), `ledger`, `key`, `site` (the published directory),
    `url` (`http://127.0.0.1:PORT/`), `log_path` (the server's log)."""

    def __init__(self, iss, records, prefix, keep=None, protocol="HTTP/1.0"):
        self.iss, self.records, self.prefix = iss, records, prefix
        self.keep, self.protocol = keep, protocol
        self.server = None

    def __enter__(self):
        os.environ["ISS_NO_STATE"] = "1"
        if self.keep:
            os.makedirs(self.keep, exist_ok=True)
            self.work = self.keep
        else:
            self.work = tempfile.mkdtemp(prefix=self.prefix)
        try:
            self._publish_and_serve()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _publish_and_serve(self):
        iss = self.iss
        self.ledger, self.key, self.site = (
            os.path.join(self.work, n) for n in ("ledger", "ledger.key", "site"))
        if not os.path.exists(os.path.join(self.site, "iss-ledger.json")):
            subprocess.run([iss, "init", self.ledger, "--origin", ORIGIN, "--key", self.key],
                           check=True, stdout=subprocess.DEVNULL)
            append_descriptors(self.ledger, 0, self.records)
            subprocess.run([iss, "checkpoint", self.ledger, "--key", self.key],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run([iss, "publish", self.ledger, self.site],
                           check=True, stdout=subprocess.DEVNULL)
        self.log_path = os.path.join(self.work, "http.log")
        if self.protocol == "nginx":
            self._serve_with_nginx()
            return
        log = open(self.log_path, "w")
        self.server = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
             "--protocol", self.protocol, "0"],
            cwd=self.site, stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()  # the server holds its own copy of the descriptor
        line = self.server.stdout.readline()
        port = line.split(" port ")[1].split(" ")[0]
        self.url = f"http://127.0.0.1:{port}/"

    def _serve_with_nginx(self):
        """nginx (2 workers, kept-alive connections, sendfile) on a free
        port: a static server that is not the bottleneck, as an object
        store or a CDN would not be."""
        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        open(self.log_path, "w").close()
        conf = os.path.join(self.work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 2;
pid {self.work}/nginx.pid;
error_log {self.work}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log {self.log_path};
  sendfile on;
  keepalive_requests 100000;
  types {{ }}
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {self.site};
  }}
}}
""")
        self.server = subprocess.Popen(["nginx", "-c", conf, "-p", self.work, "-g", "daemon off;"])
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                import time
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}/"

    def gets(self):
        """The GET requests the server has logged so far."""
        with open(self.log_path) as f:
            return sum(1 for line in f if '"GET ' in line)

    def __exit__(self, *_):
        if self.server:
            # SIGTERM, not SIGKILL: nginx's master then stops its workers
            # (a killed master leaves them serving the port).
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return False
