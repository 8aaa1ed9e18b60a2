"""The load generator's own CPU per request (locust's FastHttpSession), with and without its cookie jar.

    .venv/bin/python scripts/bench_client.py [--requests 20000] [--rounds 3]

A canned server in the same process answers as the portal does: a signed-in page re-sends the CSRF cookie with
its expiry date (Django does on every page that uses the token), a POST answers 302 with the message cookie.
Each request carries its own Cookie header, as scripts/bench_locust.py sends them. The server's share is the
same in every column, so the differences are the client's. docs/PERFORMANCE.md, round 9.
"""

from __future__ import annotations

import argparse
import time

from gevent.server import StreamServer
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

CSRF_COOKIE = (
    b"Set-Cookie: csrftoken=JbTM1GcdtryP48yTk6GFdcijXNJwJfuL; expires=Wed, 24 Nov 2027 01:18:10 GMT; "
    b"Max-Age=31449600; Path=/; SameSite=Lax\r\n"
)
PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 2000\r\nVary: Cookie\r\n"
    + CSRF_COOKIE
    + b"\r\n"
    + b"x" * 2000
)
REDIRECT = (
    b"HTTP/1.1 302 Found\r\nLocation: /home/checkins/123/\r\nContent-Length: 0\r\nVary: Cookie\r\n"
    b"Set-Cookie: messages=W1siX19qc29uX21lc3NhZ2UiLDAsMjUsIllvdSBhcmUgY2hlY2tlZCBpbi4iLCIiXV0:1tXYZ:"
    b"abcdefghijklmnopqrstuvwxyz0123456; HttpOnly; Path=/; SameSite=Lax\r\n\r\n"
)
HEADERS = {
    "Accept-Language": "zh-hans",
    "User-Agent": "Mozilla/5.0 (Linux; Android 10) MicroMessenger",
    "Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345; csrftoken=" + "A" * 32,
}


def _serve(sock, _address) -> None:
    buffer = b""
    while data := sock.recv(65536):
        buffer += data
        while b"\r\n\r\n" in buffer:
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(rest) < length:
                break
            buffer = rest[length:]
            sock.sendall(REDIRECT if head.startswith(b"POST") else PAGE)


def cpu_per_request(host: str, method: str, jar: bool, n: int) -> float:
    """Microseconds of this process's CPU per request."""
    session = FastHttpSession(host, Environment().events.request, None, concurrency=1)
    if not jar:
        session.client.cookiejar = None
    started = time.process_time()
    for _ in range(n):
        if method == "GET":
            request = session.get("/events/", headers=HEADERS, allow_redirects=False, catch_response=True)
        else:
            headers = dict(HEADERS, Referer=host + "/home/s/abcdefgh/")
            request = session.post(
                "/home/s/abcdefgh/checkin/",
                data={"csrfmiddlewaretoken": "B" * 64},
                headers=headers,
                allow_redirects=False,
                catch_response=True,
            )
        with request as response:
            response.success()
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = StreamServer(("127.0.0.1", 0), _serve)
    server.start()
    host = f"http://127.0.0.1:{server.server_port}"
    print("µs of CPU per request (client and canned server):")
    for _ in range(args.rounds):
        print(
            "  ".join(
                f"{method} {'jar' if jar else 'no jar'} {cpu_per_request(host, method, jar, args.requests):4.0f}"
                for method in ("GET", "POST")
                for jar in (True, False)
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
