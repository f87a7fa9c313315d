"""A loopback HTTPS server with an untrusted certificate (self-signed, or from a private CA).

Certificates are made with the ``cryptography`` package when it is installed, else with the
``openssl`` command line.
"""

from __future__ import annotations

import datetime
import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _make_with_cryptography(directory: Path, *, private_ca: bool) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
    )
    if private_ca:
        issuer_key = ec.generate_private_key(ec.SECP256R1())
        issuer = name("Example Corp Inspection CA")
    else:
        issuer_key, issuer = leaf_key, name("127.0.0.1")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(issuer)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(san, critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _make_with_openssl(directory: Path, *, private_ca: bool) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:  # pragma: no cover
        raise RuntimeError("neither cryptography nor openssl is available")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subj = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    if not private_ca:
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(key), "-out", str(cert), *subj],
            check=True, capture_output=True,
        )
        return cert, key
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout",
         str(ca_key), "-out", str(ca_cert), "-subj", "/CN=Example Corp Inspection CA"],
        check=True, capture_output=True,
    )
    csr = directory / "leaf.csr"
    subprocess.run(
        [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
         "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )
    subprocess.run(
        [openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
         "-CAcreateserial", "-days", "2", "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def make_cert(directory: Path, *, private_ca: bool = False) -> tuple[Path, Path]:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return _make_with_openssl(directory, private_ca=private_ca)
    return _make_with_cryptography(directory, private_ca=private_ca)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"result": {}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def https_server(directory: Path, *, private_ca: bool = False) -> Iterator[str]:
    """Yield ``https://127.0.0.1:PORT`` served with an untrusted certificate."""
    cert, key = make_cert(directory, private_ca=private_ca)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
