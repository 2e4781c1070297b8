#!/usr/bin/env python3
"""A kiosk driving qfpos's local API: Python standard library only.

Start a sale, show its QR, (here) pay it through the sandbox's control API,
see it paid, refund it. See docs/integration.md.

Environment:
  QFPOS_API         where qfpos serves the API: "unix:/path/to/api-….sock"
                    or "http://127.0.0.1:8767" (qfpos prints it at start)
  QFPOS_TOKEN_FILE  the bearer token's file (qfpos prints it at start)
  QFPOS_SANDBOX_URL the sandbox's URL, to pay as a customer would (demo only)
"""
import http.client
import json
import os
import socket
import sys
import urllib.parse
import urllib.request
import uuid

API = os.environ["QFPOS_API"]
TOKEN = open(os.environ["QFPOS_TOKEN_FILE"]).read().strip()


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("qfpos", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def connect(timeout=30):
    if API.startswith("unix:"):
        return UnixConnection(API[5:], timeout)
    u = urllib.parse.urlsplit(API)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def call(method, path, body=None, key=None):
    conn = connect()
    headers = {"Authorization": "Bearer " + TOKEN}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    if key:
        headers["Idempotency-Key"] = key
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = json.loads(resp.read() or b"null")
    conn.close()
    if resp.status >= 300:
        raise RuntimeError(f"{method} {path}: {resp.status} {data}")
    return data


def events(sale_id, last_id=None):
    """Yield (id, name, data) of a sale's Server-Sent Events."""
    conn = connect(timeout=120)
    headers = {"Authorization": "Bearer " + TOKEN, "Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = str(last_id)
    conn.request("GET", f"/v1/sales/{sale_id}/events", headers=headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"events: {resp.status} {resp.read()}")
    ev = {}
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line == "":
            if "event" in ev:
                yield int(ev.get("id", 0)), ev["event"], json.loads(ev.get("data", "{}"))
            ev = {}
        elif not line.startswith(":") and ":" in line:
            k, v = line.split(":", 1)
            ev[k] = v.lstrip(" ")


def sandbox_pay(out_trade_no):
    """The customer pays (sandbox only: its control API)."""
    data = urllib.parse.urlencode({"out_trade_no": out_trade_no}).encode()
    req = urllib.request.Request(os.environ["QFPOS_SANDBOX_URL"] + "/sandbox/control/pay", data=data)
    urllib.request.urlopen(req, timeout=10).read()


def main():
    print("health:", call("GET", "/v1/health")["status"])
    # One key per purchase: a retry after a timeout returns the same sale.
    purchase = "kiosk-py-" + uuid.uuid4().hex
    sale = call("POST", "/v1/sales", {"amount": "12.50", "goods_name": "Oolong tea", "timeout": "2m"}, key=purchase)
    print("sale", sale["id"], sale["amount"], sale["currency"])
    final = None
    for eid, name, data in events(sale["id"]):
        print(f"event {eid} {name}")
        if name == "qr":
            print("  show this QR:", data["qrcode"], "until", data["expires_at"])
            sandbox_pay(data["out_trade_no"])
        elif name in ("paid", "failed", "expired", "cancelled"):
            final = name
            break
        elif name == "unknown":
            # Never start a new sale for this purchase: wait for "resolved".
            print("  outcome unknown: waiting for it to be resolved")
        elif name == "resolved":
            final = data["state"]
            break
    if final != "paid":
        print("not paid:", final)
        return 1
    sale = call("GET", f"/v1/sales/{sale['id']}")
    print("paid, syssn", sale["syssn"])
    ref = call("POST", f"/v1/orders/{sale['out_trade_no']}/refunds", {"amount": "12.50"}, key=purchase + "-refund")
    print("refund", ref["out_trade_no"], ref["amount"], ref["state"])
    return 0 if ref["state"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
