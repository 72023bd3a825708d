#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every harness: tests/fuzz/corpus/<harness>/seed-<name>.

The seeds are the valid requests of the contract and the hostile cases of ../shared/API.md
"Conventions" (lone surrogates, deep nesting, money with three decimals, leading zeros, comments,
raw control characters, a NUL followed by garbage, invalid UTF-8 in an Idempotency-Key, t near
INT64_MIN in the webhook signature...). Files named seed-* are never removed by
`make fuzz-minimize`; the fuzzer's own finds are named by their SHA-1. Run from the repository
root after changing this file: python3 tests/fuzz/make_seeds.py
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(harness, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


EURO100 = "€" * 100
NESTED32 = '{"a":' + "[" * 31 + "1" + "]" * 31 + "}"
NESTED33 = '{"a":' + "[" * 32 + "1" + "]" * 32 + "}"
NESTED64 = '{"a":' + "[" * 63 + "1" + "]" * 63 + "}"
NESTED_OBJ64 = '{"a":' * 64 + "1" + "}" * 64
NESTED1000 = "[" * 1000 + "]" * 1000

# --- Bodies: shared by json_reader and request_body -------------------------------------------

VALID_BODIES = {
    "holds": '{"product_id":1,"quantity":2}',
    "holds-spaces": '{ "product_id" : 1 ,\n\t"quantity" : 2 }\r\n',
    "holds-buyer": '{"product_id":1,"quantity":2,"buyer_id":"cust-8812"}',
    "orders": '{"hold_id":1}',
    "webhook": '{"idempotency_key":"pay-1","order_id":1,"status":"success"}',
    "webhook-failed": '{"idempotency_key":"k","order_id":9223372036854775807,"status":"failed"}',
    "admin-post": '{"name":"Sneaker","price":59.90,"stock":10}',
    "admin-post-max-per-buyer": '{"name":"Sneaker","price":59.90,"stock":10,"max_per_buyer":2}',
    "admin-patch-stock": '{"stock":25}',
    "admin-patch-all": '{"name":"Caf\\u00e9 \\ud83d\\ude00","price":1e2,"stock":0}',
    "escapes": '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u20ac\\ud83d\\ude00"}',
    "literals": '{"t":true,"f":false,"n":null,"a":[],"o":{},"s":""}',
    "numbers": '{"a":0,"b":-0,"c":1e2,"d":1.5E1,"e":1234e-2,"f":-0.0,"g":1E+2,"h":0.5e-1}',
    "int-limits": '{"a":18446744073709551615,"b":18446744073709551616,'
                  '"c":-9223372036854775808,"d":-9223372036854775809,"e":9223372036854775807}',
    "array-root": '[1,"x",null,{"a":[true]}]',
    "string-root": '"just a string"',
    "nested-32": NESTED32,
    "euro-100": '{"name":"%s","price":1,"stock":1}' % EURO100,
    "euro-255": '{"name":"%s","price":1,"stock":1}' % ("€" * 255),
    "raw-utf8": '{"name":"Grüße 😀 \u2028","price":0.01,"stock":1}',
    "del-char": '{"name":"a\x7fb","price":1,"stock":1}',
}

HOSTILE_BODIES = {
    "lone-low-surrogate": '{"idempotency_key":"\\udc00","order_id":1,"status":"success"}',
    "lone-high-surrogate": '{"a":"\\ud83d"}',
    "high-surrogate-then-x": '{"a":"\\ud83dx"}',
    "high-surrogate-then-bmp": '{"a":"\\ud83d\\u0041"}',
    "encoded-surrogate": b'{"a":"\xed\xb0\x80"}',
    "nested-33": NESTED33,
    "nested-64": NESTED64,
    "nested-objects-64": NESTED_OBJ64,
    "nested-1000": NESTED1000,
    "money-1000.001": '{"name":"x","price":1000.001,"stock":1}',
    "money-999999.995": '{"name":"x","price":999999.995,"stock":1}',
    "money-1e-400": '{"name":"x","price":1e-400,"stock":1}',
    "money-1e400": '{"name":"x","price":1e400,"stock":1}',
    "money-59.999": '{"name":"x","price":59.999,"stock":1}',
    "money-59.900": '{"name":"x","price":59.900,"stock":1}',
    "money-max": '{"name":"x","price":1000000.00,"stock":1}',
    "money-over-max": '{"name":"x","price":1000000.01,"stock":1}',
    "money-negative-zero": '{"name":"x","price":-0.00,"stock":1}',
    "money-negative": '{"name":"x","price":-0.01,"stock":1}',
    "money-string": '{"name":"x","price":"59.90","stock":1}',
    "leading-zero": '{"product_id":01,"quantity":2}',
    "trailing-dot": '{"product_id":1.,"quantity":2}',
    "plus-sign": '{"product_id":+1,"quantity":2}',
    "minus-only": '{"product_id":-,"quantity":2}',
    "leading-dot": '{"product_id":.5,"quantity":2}',
    "line-comment": '{"product_id":1,"quantity":2} // comment',
    "block-comment": '{/* c */"product_id":1,"quantity":2}',
    "raw-tab": '{"name":"x\ty","price":1,"stock":1}',
    "raw-newline": '{"name":"x\ny","price":1,"stock":1}',
    "raw-control": '{"name":"x\x01y","price":1,"stock":1}',
    "nul-then-garbage": '{"product_id":1,"quantity":2}\x00{"quantity":999999999}',
    "nul-trailing": '{"hold_id":1}\x00',
    "nul-in-string": '{"name":"a\x00b","price":1,"stock":1}',
    "bom": '\ufeff{"hold_id":1}',
    "invalid-utf8": b'{"idempotency_key":"caf\xe9","order_id":1,"status":"success"}',
    "overlong-utf8": b'{"name":"\xc0\xaf","price":1,"stock":1}',
    "above-10ffff": b'{"name":"\xf4\x90\x80\x80","price":1,"stock":1}',
    "truncated-utf8": b'{"name":"\xe2\x82","price":1,"stock":1}',
    "duplicate-key": '{"hold_id":1,"hold_id":2}',
    "trailing-garbage": '{"hold_id":1}}',
    "trailing-comma": '{"hold_id":1,}',
    "single-quotes": "{'hold_id':1}",
    "nan": '{"a":NaN}',
    "infinity": '{"a":Infinity}',
    "true-typo": '{"a":tru}',
    "missing-colon": '{"a" 1}',
    "empty": "",
    "whitespace": " \t\r\n",
    "quantity-string": '{"product_id":1,"quantity":"2"}',
    "quantity-real": '{"product_id":1,"quantity":2.5}',
    "quantity-2.0": '{"product_id":1,"quantity":2.0}',
    "quantity-bool": '{"product_id":1,"quantity":true}',
    "quantity-null": '{"product_id":1,"quantity":null}',
    "quantity-zero": '{"product_id":1,"quantity":0}',
    "quantity-over": '{"product_id":1,"quantity":1000001}',
    "quantity-exp": '{"product_id":1,"quantity":1e2}',
    "id-overflow": '{"product_id":9223372036854775808,"quantity":1}',
    "id-negative": '{"product_id":-1,"quantity":1}',
    "id-negative-zero": '{"hold_id":-0}',
    "name-256-euros": '{"name":"%s","price":1,"stock":1}' % ("€" * 256),
    "name-empty": '{"name":"","price":1,"stock":1}',
    "name-number": '{"name":5,"price":1,"stock":1}',
    "key-256": '{"idempotency_key":"%s","order_id":1,"status":"success"}' % ("k" * 256),
    "status-upper": '{"idempotency_key":"k","order_id":1,"status":"SUCCESS"}',
    "status-padded": '{"idempotency_key":"k","order_id":1,"status":"success "}',
    "patch-empty": "{}",
    "patch-null-stock": '{"stock":null}',
    "patch-null-name": '{"name":null}',
    "patch-unknown-only": '{"colour":"red"}',
    "stock-over": '{"name":"x","price":1,"stock":1000000001}',
    "buyer-null": '{"product_id":1,"quantity":2,"buyer_id":null}',
    "buyer-empty": '{"product_id":1,"quantity":2,"buyer_id":""}',
    "buyer-number": '{"product_id":1,"quantity":2,"buyer_id":8812}',
    "buyer-256-euros": '{"product_id":1,"quantity":2,"buyer_id":"%s"}' % ("€" * 256),
    "buyer-lone-surrogate": '{"product_id":1,"quantity":2,"buyer_id":"\\udc00"}',
    "max-per-buyer-null": '{"name":"x","price":1,"stock":1,"max_per_buyer":null}',
    "max-per-buyer-zero": '{"name":"x","price":1,"stock":1,"max_per_buyer":0}',
    "max-per-buyer-over": '{"name":"x","price":1,"stock":1,"max_per_buyer":1000000001}',
    "max-per-buyer-real": '{"name":"x","price":1,"stock":1,"max_per_buyer":2.0}',
    "max-per-buyer-string": '{"name":"x","price":1,"stock":1,"max_per_buyer":"2"}',
    "patch-max-per-buyer-only": '{"max_per_buyer":3}',
    "patch-max-per-buyer-null": '{"max_per_buyer":null}',
}

ENDPOINT_OF = {
    "holds": "holds", "holds-spaces": "holds", "holds-buyer": "holds", "orders": "orders",
    "webhook": "webhook", "webhook-failed": "webhook", "admin-post": "admin_post",
    "admin-post-max-per-buyer": "admin_post", "admin-patch-stock": "admin_patch",
    "admin-patch-all": "admin_patch", "euro-100": "admin_post", "euro-255": "admin_post",
    "raw-utf8": "admin_post", "del-char": "admin_post",
}


def as_bytes(s):
    return s if isinstance(s, bytes) else s.encode("utf-8", "surrogatepass")


def body_seeds():
    for name, body in list(VALID_BODIES.items()) + list(HOSTILE_BODIES.items()):
        write("json_reader", name, body)
        b = as_bytes(body)
        if name in ENDPOINT_OF:
            write("request_body", name, ENDPOINT_OF[name].encode() + b"\n" + b)
        elif b.startswith(b'{"product_id"'):
            write("request_body", name, b"holds\n" + b)
        elif b.startswith(b'{"hold_id"'):
            write("request_body", name, b"orders\n" + b)
        elif b.startswith(b'{"idempotency_key"'):
            write("request_body", name, b"webhook\n" + b)
        elif b.startswith(b'{"product_id"') or name.startswith("buyer-"):
            write("request_body", name, b"holds\n" + b)
        elif name.startswith("patch-") or name.startswith("admin-patch"):
            write("request_body", name, b"admin_patch\n" + b)
        elif b.startswith(b'{"name"'):
            write("request_body", name, b"admin_post\n" + b)
            write("request_body", name + "-patch", b"admin_patch\n" + b)
        else:
            write("request_body", name, b)  # no endpoint line: every endpoint


# --- Routing --------------------------------------------------------------------------------

ROUTES = [
    "GET /api/health", "GET /api/products/1", "GET /api/products/0", "GET /api/products/01",
    "GET /api/products/9223372036854775807", "GET /api/products/9223372036854775808",
    "GET /api/products/-1", "GET /api/products/+1", "GET /api/products/1e3",
    "GET /api/products/1/", "GET /api//products/1", "GET /api/products/1%00",
    "GET /api/products/ 1", "GET /api/products/1?x=1", "POST /api/products/1",
    "POST /api/holds", "GET /api/holds/5", "DELETE /api/holds/5", "PUT /api/holds/5",
    "POST /api/orders", "GET /api/orders/18446744073709551616", "POST /api/payments/webhook",
    "GET /api/payments/webhook", "GET /api/logs", "OPTIONS /api/logs",
    "POST /api/admin/products", "PATCH /api/admin/products/3", "PATCH /api/admin/products/x",
    "GET /api/admin/products/3", "HEAD /api/products/1", "get /api/health", "GET api/health",
    "GET /", "GET ", "GET //", "GET /api/holds/1/extra", "DELETE /api/holds/00",
]


def route_seeds():
    for i, r in enumerate(ROUTES):
        write("router", "%02d-%s" % (i, r.split(" ")[0].lower()), r)


# --- Query strings --------------------------------------------------------------------------

QUERIES = {
    "contract-example": "limit=100&after_id=0&type=hold_created",
    "limit-0": "limit=0", "limit-1001": "limit=1001", "limit-01": "limit=01",
    "limit-plus": "limit=+1", "limit-minus": "limit=-1", "limit-space": "limit= 1",
    "limit-exp": "limit=1e2", "limit-encoded": "limit=%31%30", "limit-no-value": "limit",
    "limit-empty": "limit=", "limit-twice": "limit=1&limit=abc",
    "limit-arabic-digit": "limit=\u0661",
    "after-negative-zero": "after_id=-0", "after-max": "after_id=9223372036854775807",
    "after-overflow": "after_id=9223372036854775808", "after-20-digits": "after_id=00000000000000000001",
    "type-empty": "type=", "type-65": "type=" + "a" * 65, "type-64": "type=" + "a" * 64,
    "type-22-euros-encoded": "type=" + "%E2%82%AC" * 22,
    "type-22-euros-raw": "type=" + "€" * 22,
    "type-invalid-utf8": "type=caf%E9", "type-plus": "type=hold+created",
    "type-nul": "type=a%00b", "ampersands": "&&&", "percent-alone": "a=%",
    "percent-one-hex": "a=%4", "percent-bad-hex": "a=%zz", "encoded-name": "%6cimit=5",
    "equals-in-value": "type=a=b", "everything": "limit=1000&after_id=5&type=order_paid&x=%FF",
}


def query_seeds():
    for name, q in QUERIES.items():
        write("query", name, q)


# --- Webhook signatures -----------------------------------------------------------------------

BODY = '{"idempotency_key":"pay-1","order_id":1,"status":"success"}'
SIGNATURES = {
    "valid": "t=1800000000,v1=@cur",
    "previous-secret": "t=1800000000,v1=@prev",
    "edge-plus-300": "t=1800000300,v1=@cur",
    "edge-plus-301": "t=1800000301,v1=@cur",
    "edge-minus-300": "t=1799999700,v1=@cur",
    "edge-minus-301": "t=1799999699,v1=@cur",
    "t-int64-min": "t=-9223372036854775808,v1=@cur",
    "t-int64-max": "t=9223372036854775807,v1=@cur",
    "t-near-int64-min": "t=-9223372036854775507,v1=@cur",
    "t-overflow": "t=99999999999999999999,v1=@cur",
    "t-empty": "t=,v1=",
    "t-twice": "t=1800000000,t=1800000000,v1=@cur",
    "t-missing": "v1=@cur",
    "v1-missing": "t=1800000000",
    "spaces": " t=1800000000,  v1=0000, v1=@cur",
    "t-plus-sign": "t=+1800000000,v1=@cur",
    "t-leading-zeros": "t=01800000000,v1=@cur",
    "t-trailing-space": "t=1800000000 ,v1=@cur",
    "t-negative-zero": "t=-0,v1=@cur",
    "v0-scheme": "t=1800000000,v0=@cur",
    "empty-header": "",
    "commas": ",,,t=1800000000,,v1=@cur,",
    "uppercase-prefix": "T=1800000000,V1=@cur",
}


def signature_seeds():
    for name, header in SIGNATURES.items():
        write("webhook_signature", name, header + "\n" + BODY)
    write("webhook_signature", "empty-body", "t=1800000000,v1=@cur\n")
    write("webhook_signature", "body-with-newline", "t=1800000000,v1=@cur\n{\n}\n")
    write("webhook_signature", "invalid-utf8-body", b"t=1800000000,v1=@cur\n{\"a\":\"caf\xe9\"}")


# --- Config -----------------------------------------------------------------------------------

def config_seeds():
    conf = os.path.join(os.path.dirname(ROOT), "..", "..", "conf", "flashsale.conf")
    with open(conf, "rb") as f:
        write("config", "flashsale-conf", f.read())
    seeds = {
        "env-overrides": "hold_ttl_seconds = 30   # trailing comment\nwebhook_secret = s3cret\n"
                         "\ndb_socket =\n--- env ---\nFLASHSALE_HOLD_TTL_SECONDS=7\n"
                         "FLASHSALE_ADMIN_TOKEN=tok\nFLASHSALE_HTTP_PORT= 9090 \nFLASHSALE_UNRELATED=x\n",
        "env-bad-int": "--- env ---\nFLASHSALE_WORKERS=many\n",
        "unknown-key": "unknown_key = 1\n",
        "bad-int": "hold_ttl_seconds = abc\n",
        "zero-ttl": "hold_ttl_seconds = 0\n",
        "port-70000": "http_port = 70000\n",
        "no-equals": "just a line\n",
        "negative-workers": "workers = -1\n",
        "negative-zero": "workers = -0\n",
        "plus-sign": "workers = +1\n",
        "leading-zeros": "db_port = 0003306\n",
        "int-overflow": "db_port = 99999999999999999999\n",
        "hash-in-secret": "webhook_secret = abc#def\n",
        "crlf": "http_port = 8081\r\nvar_dir = /srv/x\r\n",
        "empty-key": "= value\n",
        "empty-value": "admin_token =\n",
        "equals-in-value": "db_password = a=b=c\n",
        "tabs": "\tredis_port\t=\t6380\t\n",
        "nul-in-value": "db_password = a\x00b\n",
        "no-final-newline": "expiry_batch_size = 100000",
        "last-wins": "workers = 2\nworkers = 3\n",
        "spaces-in-key": "http port = 1\n",
        "uppercase-key": "HTTP_PORT = 1\n",
    }
    for name, text in seeds.items():
        write("config", name, text)


# --- Money and time ---------------------------------------------------------------------------

def money_seeds():
    literals = ["59.90", "59.999", "1000.001", "999999.995", "1e-400", "1e400", "0", "-0",
                "-0.05", "1e2", "1.5E1", "1234e-2", "59.900", "9999999999999.99",
                "10000000000000.00", "0.00000000000000000001e20", "1e999999999",
                "12345678901234567890e-18", "100000000000000e-2", "-999999999999999e-2",
                "0.10e1", "5E-1", "1000000.00"]
    for lit in literals:
        write("money_time", "literal-" + lit, lit)
    for text in ["2026-11-24 10:02:00.000", "9999-12-31 23:59:59.999", "0001-01-01 00:00:00.000",
                 "2024-02-29 12:00:00.500", "2023-02-29 00:00:00.000", "1970-01-01 00:00:00.000",
                 "1969-12-31 23:59:59.999"]:
        write("money_time", "sql-" + text.replace(" ", "T").replace(":", ""), text)
    for name, v in [("int64-min", -2**63), ("int64-max", 2**63 - 1), ("zero", 0), ("minus-one", -1),
                    ("now-ms", 1795514520000), ("total-max", 100000000 * 1000000),
                    ("cents-limit", 999999999999999), ("year-10000", 253402300800000),
                    ("year-1", -62135596800000)]:
        write("money_time", "int-" + name, struct.pack("<q", v) * 4)


# --- Text and JSON writer -----------------------------------------------------------------------

def text_seeds():
    seeds = {
        "idempotency-key-cafe-latin1": b"caf\xe9",
        "encoded-high-surrogate": b"\xed\xa0\x80",
        "encoded-low-surrogate": b"\xed\xb0\x80",
        "overlong-slash": b"\xc0\xaf",
        "overlong-nul": b"\xc0\x80",
        "above-10ffff": b"\xf4\x90\x80\x80",
        "f5-lead": b"\xf5\x80\x80\x80",
        "emoji": "😀".encode(),
        "euro-100": EURO100.encode(),
        "nul-then-garbage": b"\x00garbage\xff",
        "bom": b"\xef\xbb\xbf",
        "escapes": b"a\"b\\c\n\r\t\b\f\x01\x1f\x7f",
        "ff-fe": b"\xff\xfe",
        "visible-ascii": bytes(range(0x21, 0x7f)),
        "all-bytes": bytes(range(256)),
        "truncated-euro": b"\xe2\x82",
        "line-separator": "\u2028\u2029".encode(),
    }
    for name, data in seeds.items():
        write("text_json", name, data)


# --- FastCGI requests ---------------------------------------------------------------------------

def fcgi(method, uri, headers=(), body=b"", length=None, extra=()):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    lines = [b"REQUEST_METHOD=" + method.encode(), b"REQUEST_URI=" + as_bytes(uri),
             b"REQUEST_ID=fuzz-1"]
    if length is not False:
        lines.append(b"CONTENT_LENGTH=" + (str(len(body)) if length is None else length).encode())
    for name, value in headers:
        lines.append(b"HTTP_" + name.upper().replace("-", "_").encode() + b"=" + as_bytes(value))
    lines += [as_bytes(e) for e in extra]
    return b"\n".join(lines) + b"\n\n" + body


def fcgi_seeds():
    admin = ("Authorization", "Bearer fuzz-admin-token")
    hold = '{"product_id":1,"quantity":2}'
    webhook = '{"idempotency_key":"pay-1","order_id":1,"status":"success"}'
    seeds = {
        "health": fcgi("GET", "/api/health", length=False),
        "product": fcgi("GET", "/api/products/1", length=""),
        "product-bad-id": fcgi("GET", "/api/products/01"),
        "hold": fcgi("POST", "/api/holds", [("Content-Type", "application/json")], hold),
        "hold-key": fcgi("POST", "/api/holds", [("Idempotency-Key", "7f3c-retry-safe")], hold),
        "hold-key-cafe-latin1": fcgi("POST", "/api/holds", [("Idempotency-Key", b"caf\xe9")], hold),
        "hold-key-256": fcgi("POST", "/api/holds", [("Idempotency-Key", "k" * 256)], hold),
        "hold-key-empty": fcgi("POST", "/api/holds", [("Idempotency-Key", "")], hold),
        "hold-key-space": fcgi("POST", "/api/holds", [("Idempotency-Key", "a b")], hold),
        "hold-invalid": fcgi("POST", "/api/holds", [], '{"product_id":"1","quantity":2.5}'),
        "hold-not-json": fcgi("POST", "/api/holds", [], "product_id=1"),
        "hold-nul-garbage": fcgi("POST", "/api/holds", [], hold + "\x00{garbage"),
        "hold-nested-64": fcgi("POST", "/api/holds", [], NESTED64),
        "hold-buyer": fcgi("POST", "/api/holds", [],
                           '{"product_id":1,"quantity":2,"buyer_id":"cust-8812"}'),
        "hold-buyer-invalid": fcgi("POST", "/api/holds", [("Idempotency-Key", "k")],
                                   '{"product_id":1,"quantity":2,"buyer_id":""}'),
        "hold-release": fcgi("DELETE", "/api/holds/1"),
        "order": fcgi("POST", "/api/orders", [("Idempotency-Key", "o-1")], '{"hold_id":1}'),
        "order-get": fcgi("GET", "/api/orders/9223372036854775807"),
        "webhook-signed": fcgi("POST", "/api/payments/webhook", [("X-Signature", "@sign")], webhook),
        "webhook-signed-bad-body": fcgi("POST", "/api/payments/webhook", [("X-Signature", "@sign")],
                                        '{"idempotency_key":"\\udc00","order_id":0,"status":"ok"}'),
        "webhook-unsigned": fcgi("POST", "/api/payments/webhook", [], webhook),
        "webhook-t-int64-min": fcgi("POST", "/api/payments/webhook",
                                    [("X-Signature", "t=-9223372036854775808,v1=00")], webhook),
        "admin-post": fcgi("POST", "/api/admin/products", [admin],
                           '{"name":"Sneaker","price":59.90,"stock":10}'),
        "admin-post-money": fcgi("POST", "/api/admin/products", [admin],
                                 '{"name":"%s","price":999999.995,"stock":1}' % EURO100),
        "admin-patch": fcgi("PATCH", "/api/admin/products/2", [admin], '{"stock":25}'),
        "admin-patch-empty": fcgi("PATCH", "/api/admin/products/2", [admin], "{}"),
        "admin-post-max-per-buyer": fcgi("POST", "/api/admin/products", [admin],
                                         '{"name":"S","price":1,"stock":5,"max_per_buyer":2}'),
        "admin-patch-max-per-buyer-null": fcgi("PATCH", "/api/admin/products/2", [admin],
                                               '{"max_per_buyer":null}'),
        "header-twice-tabs": fcgi("POST", "/api/holds", [("Idempotency-Key", "\ta\t"),
                                                         ("Idempotency-Key", "b")], hold),
        "admin-wrong-token": fcgi("POST", "/api/admin/products", [("Authorization", "Bearer x")], "{}"),
        "admin-no-token": fcgi("PATCH", "/api/admin/products/2", [], '{"stock":25}'),
        "logs": fcgi("GET", "/api/logs?limit=100&after_id=0&type=hold_created"),
        "logs-bad": fcgi("GET", "/api/logs?limit=0&after_id=-1&type="),
        "logs-query-nul": fcgi("GET", "/api/logs?type=a%00b&limit=%31"),
        "length-over-64k": fcgi("POST", "/api/holds", [], hold, length="65537"),
        "length-64k": fcgi("POST", "/api/holds", [], hold, length="65536"),
        "length-negative": fcgi("POST", "/api/holds", [], hold, length="-1"),
        "length-text": fcgi("POST", "/api/holds", [], hold, length="abc"),
        "length-short": fcgi("POST", "/api/holds", [], hold, length="10"),
        "length-long": fcgi("POST", "/api/holds", [], hold, length="100"),
        "length-huge": fcgi("POST", "/api/holds", [], hold, length="99999999999999999999999"),
        "head": fcgi("HEAD", "/api/products/1"),
        "put": fcgi("PUT", "/api/holds/1"),
        "unknown-path": fcgi("GET", "/api/nothing"),
        "trailing-slash": fcgi("GET", "/api/health/"),
        "query-only": fcgi("GET", "?a=b"),
        "no-method-no-uri": b"CONTENT_LENGTH=0\n\n",
        "odd-params": fcgi("GET", "/api/health", [("X--Y", "1")],
                           extra=["HTTP_=empty-name", "HTTP_NO_EQUALS", "HTTP_X_SIGNATURE=a\x01b",
                                  "HTTP_IDEMPOTENCY_KEY=first", "HTTP_IDEMPOTENCY_KEY=second"]),
    }
    for name, data in seeds.items():
        write("fcgi_request", name, data)


body_seeds()
route_seeds()
query_seeds()
signature_seeds()
config_seeds()
money_seeds()
text_seeds()
fcgi_seeds()
