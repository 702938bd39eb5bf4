#!/usr/bin/env python3
"""tests/hostile/client.py: hostile HTTP clients for tests/hostile/run.sh.

Each mode is bounded in count and in time, talks only to 127.0.0.1 (in
the test's own network namespace) and prints one line of figures.

  half PORT N            N connections that each send half a request (the
                         request line and one header) and close at once
  idle PORT N SECONDS    N silent connections from 127.0.0.1: how many the
                         server kept 1 s after they opened, and after SECONDS
  crowd PORT N           N connections from 127.0.0.2, .3, ... (250 each)
                         that send a POST's headers and never its body:
                         how many the server holds (no answer yet), how
                         many it refused with 503, and its Retry-After
  streams PORT N TOKEN SECONDS
                         N event streams with a 4 KiB receive buffer, never
                         read, kept SECONDS: how many the server took (200)
  drip PORT N SECONDS    N connections that send a request's line, then
                         one byte of a header a second for SECONDS: how
                         many the server kept
  raw PORT HEX           one request given in hex: the status it gets
  flood PORT N TOKEN PATH BODY
                         N POSTs of BODY (JSON; - for none) to PATH with
                         TOKEN, one after another on kept-alive connections
                         from 127.0.0.8: the count of each status, and how
                         many were accepted (2xx) a second
"""
import http.client
import socket
import sys
import time

HALF = b"GET / HTTP/1.1\r\nHost: x\r\n"
PER_SOURCE = 250


def connect(port, source=None, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source:
        s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def still_open(s):
    """Whether the server has not closed s (no EOF, no reset)."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def status_of(s, timeout=5):
    """The status line's code and the Retry-After of the answer on s."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not head[0].startswith("HTTP/"):
        return "none", "none"
    retry = "none"
    for line in head[1:]:
        if line.lower().startswith("retry-after:"):
            retry = line.split(":", 1)[1].strip()
    return head[0].split(" ")[1], retry


def half(port, n):
    done = failed = 0
    t0 = time.monotonic()
    for _ in range(n):
        try:
            s = connect(port)
            s.sendall(HALF)
            s.close()
            done += 1
        except OSError:
            failed += 1
        if time.monotonic() - t0 > 60:
            break
    print(f"half-requests sent {done} refused {failed} in "
          f"{time.monotonic() - t0:.2f} s")


def idle(port, n, seconds):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port))
        except OSError:
            break
    time.sleep(1)
    first = sum(1 for s in socks if still_open(s))
    time.sleep(max(0, seconds - 1))
    kept = sum(1 for s in socks if still_open(s))
    print(f"idle opened {len(socks)} kept-1s {first} kept-{seconds:g}s {kept}")
    for s in socks:
        s.close()


def crowd(port, n):
    socks = []
    t0 = time.monotonic()
    head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 100\r\n\r\n")
    for i in range(n):
        try:
            s = connect(port, f"127.0.0.{2 + i // PER_SOURCE}")
            s.sendall(head)
            socks.append(s)
        except OSError:
            break
    # Each is answered when refused, or waits for its body. The server
    # accepts more slowly the more it holds (poll): give it 20 s at most.
    t1 = time.monotonic()
    while True:
        refused, retry, held = 0, "none", 0
        for s in socks:
            s.setblocking(False)
            try:
                data = s.recv(4096, socket.MSG_PEEK)
            except BlockingIOError:
                held += 1
                continue
            except OSError:
                continue
            if data.startswith(b"HTTP/1.1 503"):
                refused += 1
                for line in data.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("retry-after:"):
                        retry = line.split(":", 1)[1].strip()
        if refused >= len(socks) - 4096 or time.monotonic() - t1 > 20:
            break
        time.sleep(0.5)
    print(f"crowd opened {len(socks)} in {time.monotonic() - t0:.1f} s "
          f"held {held} refused {refused} retry {retry}")
    for s in socks:
        s.close()


def streams(port, n, token, seconds):
    socks, ok = [], 0
    req = (f"GET /api/v1/events?token={token} HTTP/1.1\r\nHost: x\r\n\r\n"
           ).encode()
    for _ in range(n):
        try:
            s = connect(port, rcvbuf=4096)
            s.sendall(req)
            socks.append(s)
        except OSError:
            break
    for s in socks:
        try:
            s.settimeout(2)
            ok += s.recv(12, socket.MSG_PEEK).startswith(b"HTTP/1.1 200")
        except OSError:
            pass
    print(f"streams opened {len(socks)} accepted {ok}", flush=True)
    time.sleep(seconds)
    for s in socks:
        s.close()


def drip(port, n, seconds):
    socks = []
    for _ in range(n):
        try:
            s = connect(port)
            s.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
            socks.append(s)
        except OSError:
            break
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1)
        for s in socks:
            try:
                s.send(b"x")
            except OSError:
                pass
    kept = sum(1 for s in socks if still_open(s))
    print(f"drip opened {len(socks)} kept {kept}")
    for s in socks:
        s.close()


def raw(port, hexreq):
    s = connect(port)
    s.sendall(bytes.fromhex(hexreq))
    print(status_of(s)[0])
    s.close()


def flood(port, n, token, path, body):
    headers = {"Authorization": "Bearer " + token}
    if body != "-":
        headers["Content-Type"] = "application/json"
    codes = {}
    conn = None
    start = time.monotonic()
    for _ in range(n):
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", port, timeout=5,
                        source_address=("127.0.0.8", 0))
                conn.request("POST", path, body=None if body == "-" else body,
                             headers=headers)
                answer = conn.getresponse()
                answer.read()
                codes[answer.status] = codes.get(answer.status, 0) + 1
                if answer.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                if attempt == 2:
                    codes[0] = codes.get(0, 0) + 1
    took = time.monotonic() - start
    accepted = sum(v for k, v in codes.items() if 200 <= k < 300)
    print(f"flood {n} in {took:.1f} s:",
          " ".join(f"{k} {codes[k]}" for k in sorted(codes)),
          f"accepted {accepted} ({accepted / took:.1f}/s)")


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "half":
        half(port, int(sys.argv[3]))
    elif mode == "idle":
        idle(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "crowd":
        crowd(port, int(sys.argv[3]))
    elif mode == "streams":
        streams(port, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif mode == "drip":
        drip(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "raw":
        raw(port, sys.argv[3])
    elif mode == "flood":
        flood(port, int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        sys.exit(f"client.py: unknown mode '{mode}'")


if __name__ == "__main__":
    main()
