#!/usr/bin/env python3
"""A lock-check client that speaks exactly as Next Level3's published sample
integrations do on the wire (their Cognito pre-authentication Lambda and their
IAM EventBridge Lambda), written for deadbolt's tests with the standard library
only. What it reproduces, field by field:

  * JWT header {"alg":"HS256","typ":"JWT"}, signed with the base64-DECODED
    SIGNING_KEY;
  * claims iss = APP_FQDN, sub = the user name, aud = API_URI, and iat / exp as
    FLOATS (now - 60 s, now + 5 min), as Python's datetime.timestamp() gives;
  * POST API_URI + API_PATH with headers x-nl3-authorization-token,
    x-nl3-device-location, x-forwarded-for, User-Agent and a JSON body
    userIP, userDevice, userLocation, integrationType, integrationData (an
    object);
  * the decision is `response.get("locked", False)`: anything else (an error
    answer, no answer) lets the sign-in through, which is why deadbolt must
    send `locked` as a JSON boolean on every 200.

Usage: nl3_style_client.py cognito|awsiamuser USERNAME
Environment: SIGNING_KEY, APP_FQDN, API_URI, API_PATH.
Prints one JSON line: {"http": status, "response": {...}, "denied": bool}.
"""
import base64, hashlib, hmac, json, os, sys, time, urllib.error, urllib.request


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def domain_token(user: str) -> str:
    now = time.time()
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"iss": os.environ["APP_FQDN"], "iat": now - 60, "exp": now + 300,
              "aud": os.environ["API_URI"], "sub": user}
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(claims, separators=(",", ":")).encode())
    key = base64.b64decode(os.environ["SIGNING_KEY"])
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def check(kind: str, user: str):
    if kind == "cognito":
        validation = {"ip": "198.51.100.23", "device": "Mozilla/5.0 (X11; Linux x86_64)",
                      "location": "Lisbon, PT", "additionalData": json.dumps({"loc": "38.72,-9.14", "app": "shop"})}
        extra = json.loads(validation["additionalData"])
        headers = {"x-nl3-device-location": extra["loc"], "x-forwarded-for": validation["ip"],
                   "User-Agent": validation["device"]}
        body = {"userIP": validation["ip"], "userDevice": validation["device"],
                "userLocation": validation["location"], "integrationType": "cognito",
                "integrationData": extra}
    else:  # the IAM sample sends the CloudTrail detail of the console sign-in
        detail = {"sourceIPAddress": "192.0.2.10", "userAgent": "aws-internal/3",
                  "eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser", "userName": user}}
        headers = {"x-forwarded-for": detail["sourceIPAddress"], "User-Agent": detail["userAgent"]}
        body = {"userIP": detail["sourceIPAddress"], "userDevice": detail["userAgent"],
                "userLocation": "Ashburn, Virginia, US", "integrationType": "awsiamuser",
                "integrationData": detail}
    headers["x-nl3-authorization-token"] = domain_token(user)
    headers["Content-Type"] = "application/json"
    req = urllib.request.Request(os.environ["API_URI"] + os.environ["API_PATH"],
                                 data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, response = resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        status, response = e.code, json.loads(e.read() or b"{}")
    denied = bool(response.get("locked", False))
    print(json.dumps({"http": status, "response": response, "denied": denied}))


if __name__ == "__main__":
    check(sys.argv[1], sys.argv[2])
