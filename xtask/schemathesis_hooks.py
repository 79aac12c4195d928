"""schemathesis hooks for `cargo xtask test`: a real session for the cookie-authenticated routes.

The server under test runs in sandbox mode at BANK_CONNECT_URL. A session is what a browser gets:
POST /api/token with no cookie creates an anonymous Basiq user and sets the signed session
cookie; every generated case then carries that cookie (same origin: schemathesis sends no
Origin header). A 401 (the session was revoked by a generated DELETE /api/session) fetches a
new one and replays the case.
"""

import json
import os
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

import schemathesis

BASE = os.environ["BANK_CONNECT_URL"].rstrip("/")
COOKIE = "bc_session"


def call(url: str, body=None, token=None) -> dict:
    """A JSON request; its parsed answer and headers."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "POST"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return {"json": json.loads(response.read() or b"null"), "headers": response.headers}


def new_session() -> str:
    """A fresh anonymous session's cookie value; its user has Hooli connected (in the
    simulator, straight to Basiq with the client token, as the widget does), so the routes on
    a connection's id find a real one through the links from GET /api/connections."""
    answer = call(f"{BASE}/api/token", body={})
    cookie = None
    for header in answer["headers"].get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        if COOKIE in jar:
            cookie = jar[COOKIE].value
    if cookie is None:
        raise RuntimeError("POST /api/token set no session cookie")
    grant = answer["json"]
    basiq = call(f"{BASE}/api/config")["json"]["basiqUrl"].rstrip("/")
    connection = {"loginId": "gavinBelson", "password": "hooli2016", "institution": {"id": "AU00000"}}
    token = grant["access_token"]
    try:
        job = call(f"{basiq}/users/{grant['user_id']}/connections", body=connection, token=token)
    except urllib.error.HTTPError:
        return cookie  # Basiq 3.0 connects only through the Consent UI: no bank for this user.
    for _ in range(100):  # the job, until the connection is there (the simulator runs fast)
        steps = call(f"{basiq}/jobs/{job['json']['id']}", token=token)["json"].get("steps", [])
        if any(s["status"] == "failed" for s in steps) or all(s["status"] == "success" for s in steps):
            break
        time.sleep(0.05)
    return cookie


@schemathesis.auth(refresh_interval=60)
class SessionCookie:
    """The session cookie of an anonymous user, renewed every minute or after a 401."""

    def get(self, case, context):
        return new_session()

    def set(self, case, data, context):
        case.cookies = case.cookies or {}
        case.cookies[COOKIE] = data
