#!/usr/bin/env python3
"""A real RFC 3161 Time-Stamp Authority for the tests: OpenSSL's own
`openssl ts -reply` behind a minimal HTTP wrapper (standard library only).

    tsa_server.py DIR [PORT]

makes in DIR (when absent) a P-256 CA and a TSA certificate it issued with
extendedKeyUsage critical timeStamping, and serves POST /
(application/timestamp-query) on 127.0.0.1 at PORT (default: a free one), printing
"PORT <n>" on one line once it listens. It answers each query with the
reply `openssl ts -reply` makes, as application/timestamp-reply, and stops
on SIGTERM or when its standard input closes. TSA_ESS_ALG=sha256 makes
it bind its certificate with ESS signing-certificate-v2 (default sha1:
signing-certificate, OpenSSL's default). TSA_KEY=rsa gives the TSA a
2048-bit RSA key (default: P-256); TSA_DIGEST names its signing digest
(default sha256). Files: DIR/ca.pem, tsa.pem,
tsa.key, tsa.cnf.
"""

import http.server
import os
import subprocess
import sys
import tempfile
import threading


def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_pki(d):
    if os.path.exists(os.path.join(d, "tsa.pem")):
        return
    run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=d)
    run("openssl", "req", "-new", "-x509", "-key", "ca.key", "-out", "ca.pem", "-days", "3650",
        "-subj", "/CN=iss test TSA CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    if os.environ.get("TSA_KEY") == "rsa":
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", "tsa.key", cwd=d)
    else:
        run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tsa.key", cwd=d)
    run("openssl", "req", "-new", "-key", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=iss test TSA", cwd=d)
    with open(os.path.join(d, "tsa.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=critical,timeStamping\n"
                "subjectKeyIdentifier=hash\n")
    run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", "tsa.ext", cwd=d)
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(f"""[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {d}
serial = {d}/serial
crypto_device = builtin
signer_cert = {d}/tsa.pem
certs = {d}/ca.pem
signer_key = {d}/tsa.key
signer_digest = {os.environ.get('TSA_DIGEST', 'sha256')}
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {os.environ.get('TSA_ESS_ALG', 'sha1')}
""")


class Handler(http.server.BaseHTTPRequestHandler):
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(n)
        d = self.server.pki
        with self.lock, tempfile.TemporaryDirectory() as t:
            q = os.path.join(t, "q.tsq")
            r = os.path.join(t, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"),
                                "-queryfile", q, "-out", r],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if p.returncode != 0 or not os.path.exists(r):
                self.send_response(500)
                self.end_headers()
                self.wfile.write(p.stderr)
                return
            with open(r, "rb") as f:
                body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    d = os.path.abspath(sys.argv[1])
    os.makedirs(d, exist_ok=True)
    make_pki(d)
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.pki = d
    print(f"PORT {srv.server_address[1]}", flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    # Stop when the test closes our standard input (or kills us).
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
