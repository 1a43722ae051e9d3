"""Local HTTP stand-ins for the SMS providers, on 127.0.0.1: each checks what the real provider
checks (Aliyun's ACS3-HMAC-SHA256 signature, Tencent's TC3-HMAC-SHA256, Twilio's HTTP Basic
auth), records what was asked (template, variables, number format) and answers as the provider
does: success, or the error a test puts in `errors` (one per request, in order)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.peers import Listener

ALIYUN_KEY, ALIYUN_SECRET = "LTAI5tStandIn", "aliyun-secret-of-the-stand-in"
TENCENT_ID, TENCENT_KEY = "AKIDstandin", "tencent-secret-of-the-stand-in"
TWILIO_SID, TWILIO_TOKEN = "AC" + "0" * 32, "twilio-token-of-the-stand-in"


@dataclass
class Sent:
    """One SMS as the provider understood it."""

    phone: str
    template: str  # template code / id; "" for Twilio
    variables: dict[str, str] | list[str]
    text: str  # Twilio's body; "" for template providers
    sign_name: str = ""


class StandIn:
    name: str

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.refused_signatures = 0
        self.cut_short = 0  # requests whose body never came (a worker killed mid-request)
        self.errors: list[tuple[int, dict] | tuple[int, dict, dict[str, str]]] = []
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK add 40 ms to every answer on a kept-alive connection.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the client died after the headers: nothing to answer
                    stand_in.cut_short += 1
                    self.close_connection = True
                    return
                status, answer, headers = stand_in.answer(self, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = Listener(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def next_error(self):
        with self.lock:
            return self.errors.pop(0) if self.errors else None

    def answer(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict, dict]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AliyunStandIn(StandIn):
    """dysmsapi SendSms (RPC style, parameters in the query). The signature is checked as
    Alibaba Cloud's V3 request-signing document gives it: canonical request = method, path,
    sorted percent-encoded query, the signed headers (lower-case name:trimmed value), their
    names, and the hex SHA-256 of the body (also sent as x-acs-content-sha256); string to sign
    = "ACS3-HMAC-SHA256\\n" + hex SHA-256 of that; signature = hex HMAC-SHA256(secret, it)."""

    name = "aliyun"

    def url(self, **options: str) -> str:
        query = urllib.parse.urlencode({"sign_name": "借呗状态", "scheme": "http", **options})
        return f"aliyun://{ALIYUN_KEY}:{ALIYUN_SECRET}@{self.host}/?{query}"

    def signature_ok(self, request: BaseHTTPRequestHandler, body: bytes) -> bool:
        auth = request.headers.get("Authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "ACS3-HMAC-SHA256" or fields.get("Credential") != ALIYUN_KEY:
            return False
        signed = fields.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce"} <= set(signed):
            return False
        if request.headers.get("x-acs-content-sha256") != _sha256(body):
            return False
        parts = urllib.parse.urlsplit(request.path)
        query = sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='~')}={urllib.parse.quote(v, safe='~')}" for k, v in query
        )
        headers = "".join(f"{h}:{(request.headers.get(h) or '').strip()}\n" for h in signed)
        canonical = "\n".join(
            [request.command, parts.path or "/", canonical_query, headers, ";".join(signed),
             _sha256(body)]
        )  # fmt: skip
        to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
        expected = hmac.new(ALIYUN_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def answer(self, request, body):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
        if request.headers.get("x-acs-action") != "SendSms" or not self.signature_ok(request, body):
            self.refused_signatures += 1
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is "
                         "not matched with our calculation.", "RequestId": "r0"}, {}  # fmt: skip
        error = self.next_error()
        if error is not None:
            return error[0], {**error[1], "RequestId": "r1"}, (error[2] if len(error) > 2 else {})
        self.sent.append(
            Sent(
                phone=query["PhoneNumbers"],
                template=query["TemplateCode"],
                variables=json.loads(query.get("TemplateParam") or "{}"),
                text="",
                sign_name=query["SignName"],
            )
        )
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz{len(self.sent)}",
                     "RequestId": "r2"}, {}  # fmt: skip


class TencentStandIn(StandIn):
    """SendSms 2021-01-11, JSON body. The TC3-HMAC-SHA256 Authorization header is checked as
    Tencent Cloud's signature v3 document gives it: canonical request over content-type and
    host; credential scope date/sms/tc3_request; the key derived from "TC3" + SecretKey
    through the date, the service and "tc3_request"."""

    name = "tencent"

    def url(self, **options: str) -> str:
        query = urllib.parse.urlencode(
            {"sdk_app_id": "1400006666", "sign_name": "借呗状态", "scheme": "http", **options}
        )
        return f"tencent://{TENCENT_ID}:{TENCENT_KEY}@{self.host}/?{query}"

    def signature_ok(self, request: BaseHTTPRequestHandler, body: bytes) -> bool:
        auth = request.headers.get("Authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        secret_id, date, service, scope_end = (fields.get("Credential", "").split("/") + [""] * 4)[
            :4
        ]
        if algorithm != "TC3-HMAC-SHA256" or secret_id != TENCENT_ID or service != "sms":
            return False
        if scope_end != "tc3_request" or fields.get("SignedHeaders") != "content-type;host":
            return False
        canonical = "\n".join(
            [
                request.command,
                "/",
                "",
                f"content-type:{request.headers.get('Content-Type')}\n"
                f"host:{request.headers.get('Host')}\n",
                "content-type;host",
                _sha256(body),
            ]
        )
        timestamp = request.headers.get("X-TC-Timestamp", "")
        to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{_sha256(canonical.encode())}"
        )

        def sign(key: bytes, message: str) -> bytes:
            return hmac.new(key, message.encode(), hashlib.sha256).digest()

        key = sign(sign(sign(("TC3" + TENCENT_KEY).encode(), date), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def answer(self, request, body):
        if request.headers.get("X-TC-Action") != "SendSms" or not self.signature_ok(request, body):
            self.refused_signatures += 1
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                         "Message": "signature"}, "RequestId": "r0"}}, {}  # fmt: skip
        asked = json.loads(body)
        error = self.next_error()
        if error is not None and error[0] != 200:
            return error[0], error[1], {}
        if error is not None and "Error" in error[1]:  # a request refused outright
            return 200, {"Response": {**error[1], "RequestId": "r1"}}, {}
        phone = asked["PhoneNumberSet"][0]
        if error is not None:  # a send refused inside a successful answer (SendStatusSet)
            status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                      "IsoCode": "CN", **error[1]}  # fmt: skip
        else:
            self.sent.append(
                Sent(
                    phone=phone,
                    template=asked["TemplateId"],
                    variables=asked.get("TemplateParamSet") or [],
                    text="",
                    sign_name=asked["SignName"],
                )
            )
            status = {"SerialNo": f"serial{len(self.sent)}", "PhoneNumber": phone, "Fee": 1,
                      "SessionContext": "", "Code": "Ok", "Message": "send success",
                      "IsoCode": "CN"}  # fmt: skip
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r2"}}, {}


class TwilioStandIn(StandIn):
    """POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP Basic auth
    with the account SID and auth token (401 with code 20003 otherwise, as Twilio answers)."""

    name = "twilio"

    def url(self, **options: str) -> str:
        query = urllib.parse.urlencode({"from": "+15005550006", "scheme": "http", **options})
        return f"twilio://{TWILIO_SID}:{TWILIO_TOKEN}@{self.host}/?{query}"

    def answer(self, request, body):
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        path = urllib.parse.urlsplit(request.path).path
        if (
            request.headers.get("Authorization") != expected
            or path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
        ):
            self.refused_signatures += 1
            return 401, {"code": 20003, "message": "Authenticate", "status": 401,
                         "more_info": "https://www.twilio.com/docs/errors/20003"}, {}  # fmt: skip
        error = self.next_error()
        if error is not None:
            status, answer = error[0], error[1]
            headers = error[2] if len(error) > 2 else {}
            return status, {"status": status, "more_info": "", **answer}, headers
        form = dict(urllib.parse.parse_qsl(body.decode()))
        self.sent.append(Sent(phone=form["To"], template="", variables={}, text=form["Body"]))
        sid = f"SM{len(self.sent):032d}"
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]}, {}


STAND_INS: dict[str, type[StandIn]] = {
    s.name: s for s in (AliyunStandIn, TencentStandIn, TwilioStandIn)
}
