"""A Stripe Connect test double in front of localstripe (development and tests only; never imported by the app).

    python -m invoicedesk.devtools.connect_double --port 8421 --platform http://127.0.0.1:8420 [--state var/connect]

localstripe has no connected accounts. This server answers what Stripe documents for Connect and passes the rest
through, so that accounts are as separate as at Stripe:

- `POST/GET /v1/accounts`, `GET/POST /v1/accounts/{id}`, `GET /v1/account`: connected accounts, created as Stripe
  creates them (nothing enabled, details due).
- `POST /v1/account_links`: an Account Link whose `url` is this server's hosted onboarding,
  `/_double/onboarding/{link}`: a page with "Complete" and "Leave requirements due" that sets the account as
  Stripe would, emits `account.updated` and redirects to the link's `return_url`. A link is single use: visited
  again (or expired) it redirects to its `refresh_url`, as Stripe's do.
- Every other request with `Stripe-Account: acct_…` goes to that account's own localstripe process (started on
  demand, taken from a pool after a reset); a request without it goes to the platform's localstripe. One seller's
  payments, refunds and customers are invisible to another's requests and to the platform's.
- Idempotency keys are kept per account (the platform is one more): a POST repeated with the same key gets the
  first answer again (`Idempotent-Replayed: true`), with other parameters Stripe's `idempotency_error`, while the
  first is still running `409 idempotency_key_in_use`. localstripe alone would act twice.
- Events of a connected account's localstripe are relayed to the Connect endpoint with `account` set and signed
  with its secret (`POST /_double/config/connect_webhook` url=…&secret=…). The platform's localstripe delivers its
  own events to the endpoints registered with it (`POST /_config/webhooks/{name}` passes through).
- Disputes, which localstripe lacks, are injected as Stripe's dispute objects: `POST /_double/accounts/{id}/disputes`
  (JSON: payment_intent, status, is_charge_refundable, reason, due_by, event) stores the dispute, serves it from
  `GET /v1/disputes` and `/v1/disputes/{id}` on that account, refuses refunds of the payment with Stripe's
  `charge_disputed` while it is open and not refundable, and emits the signed `charge.dispute.*` event.
- Pending refunds: `POST /_double/accounts/{id}/refund_outcome` (JSON {"status": "pending", "pending_reason":
  "insufficient_funds"}, or {} to stop) makes the account's next refunds answer so, in every answer that carries
  them; `POST /_double/accounts/{id}/refunds/{re}` (JSON fields) changes one later and emits `charge.refund.updated`.
- `POST /_double/accounts/{id}/deauthorize`: the seller disconnects; `account.application.deauthorized` is emitted
  and the account's requests are refused as Stripe refuses them.
- `DELETE /_config/data` forgets everything (accounts, links, disputes, keys) on the platform and every account.

`{id}` may be `platform` in the `/_double/accounts/…` routes: the platform's own account (events without `account`,
delivered to the platform endpoints through its localstripe's registrations).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import secrets
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from invoicedesk.devtools.localstripe import LocalStripe, free_port
from invoicedesk.devtools.stripe_objects import (
    account_completed,
    account_object,
    account_with_requirements_due,
    dispute_object,
    event_object,
    signature_header,
)

logger = logging.getLogger(__name__)

PLATFORM = "platform"
# What each account's localstripe signs its events with, for the relay here (never leaves this machine).
RELAY_SECRET = "whsec_connect_double_relay"
# What an Account Link stays usable for, as Stripe's (a few minutes).
LINK_SECONDS = 300
# Requirements left due by "Leave requirements due" on the onboarding page.
LEFT_DUE = ("external_account", "individual.verification.document")
# Request headers not passed on: hop-by-hop ones, and ours to interpret.
_NOT_FORWARDED = {"host", "content-length", "transfer-encoding", "connection", "stripe-account", "accept-encoding"}
# Dispute statuses after which a dispute no longer stops refunds.
_CLOSED_DISPUTE = {"won", "lost", "warning_closed", "prevented"}


def _error(
    status: int, message: str, *, code: str | None = None, error_type: str = "invalid_request_error"
) -> web.Response:
    body: dict[str, Any] = {"type": error_type, "message": message}
    if code:
        body["code"] = code
    return web.json_response({"error": body}, status=status)


def _form(body: bytes) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))


def _nested(params: dict[str, str], name: str) -> dict[str, Any]:
    """`name[a][b]=v` of a form-encoded Stripe request, as {"a": {"b": "v"}}."""
    found: dict[str, Any] = {}
    for key, value in params.items():
        if not key.startswith(f"{name}["):
            continue
        parts = [part.rstrip("]") for part in key[len(name) + 1 :].split("[")]
        place = found
        for part in parts[:-1]:
            place = place.setdefault(part, {})
        place[parts[-1]] = value
    return found


@dataclass
class Replay:
    fingerprint: str
    status: int
    body: bytes
    content_type: str


@dataclass
class State:
    """Everything Stripe would know that localstripe does not; kept in `state_dir/connect-double.json`."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deauthorized: dict[str, int] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # account → id → dispute
    refund_fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # refund id → fields Stripe now says
    refund_outcome: dict[str, dict[str, Any]] = field(default_factory=dict)  # account → fields of its next refunds
    connect_webhook: dict[str, str] = field(default_factory=dict)  # url, secret


class Double:
    def __init__(
        self, *, platform_url: str, state_dir: Path | None, public_url: str, fee_percent: str | None = None
    ) -> None:
        self.platform_url = platform_url
        self.fee_percent = fee_percent
        self.state_dir = state_dir
        self.public_url = public_url
        self.state = State()
        self.servers: dict[str, LocalStripe] = {}  # account → its localstripe
        self.pool: list[LocalStripe] = []  # reset servers waiting for an account
        self.starting: dict[str, asyncio.Lock] = {}
        self.replays: dict[tuple[str, str], Replay] = {}
        self.in_flight: set[tuple[str, str]] = set()
        self.session: ClientSession | None = None
        if state_dir is not None and (state_dir / "connect-double.json").exists():
            saved = json.loads((state_dir / "connect-double.json").read_text())
            self.state = State(**saved)

    # ------------------------------------------------------------ housekeeping

    def save(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.state_dir / "connect-double.tmp"
        temporary.write_text(json.dumps(self.state.__dict__))
        temporary.replace(self.state_dir / "connect-double.json")

    def http(self) -> ClientSession:
        if self.session is None:
            self.session = ClientSession(timeout=ClientTimeout(total=30))
        return self.session

    async def server_of(self, account: str) -> LocalStripe:
        """The account's own localstripe, started (or taken from the pool) on first use."""
        if account in self.servers:
            return self.servers[account]
        lock = self.starting.setdefault(account, asyncio.Lock())
        async with lock:
            if account not in self.servers:
                server = self.pool.pop() if self.pool else await asyncio.to_thread(self._start_server, account)
                # Its events come here first, to be sent on with `account` set.
                await asyncio.to_thread(
                    server.register_webhook,
                    name="connect-double",
                    url=f"{self.public_url}/_double/relay/{server.port}",
                    secret=RELAY_SECRET,
                )
                self.servers[account] = server
        return self.servers[account]

    def _start_server(self, account: str) -> LocalStripe:
        store = self.state_dir / f"{account}.pickle" if self.state_dir is not None else None
        return LocalStripe(port=free_port(), store=store, fee_percent=self.fee_percent).start()

    def stop(self) -> None:
        for server in [*self.servers.values(), *self.pool]:
            server.stop()

    async def reset(self) -> None:
        self.state = State()
        self.replays.clear()
        for server in self.servers.values():
            await asyncio.to_thread(server.reset)
            self.pool.append(server)
        self.servers.clear()
        async with self.http().delete(f"{self.platform_url}/_config/data"):
            pass
        self.save()

    # ------------------------------------------------------------ events

    async def emit(self, account: str, event_type: str, obj: dict[str, Any]) -> None:
        """A signed event about `account`: to the Connect endpoint for a connected account; through the platform's
        localstripe registrations for the platform (localstripe cannot be told to send one, so it goes to the
        Connect endpoint without `account` when that is the only one configured)."""
        event = event_object(event_type, obj, account=None if account == PLATFORM else account)
        await self.deliver(event)

    async def deliver(self, event: dict[str, Any]) -> None:
        hook = self.state.connect_webhook
        if not hook:
            logger.info("no Connect endpoint configured: %s for %s not delivered", event["type"], event.get("account"))
            return
        payload = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, hook["secret"]),
        }
        try:
            async with self.http().post(hook["url"], data=payload, headers=headers) as answer:
                if answer.status >= 300:
                    logger.warning("Connect endpoint answered %s to %s", answer.status, event["type"])
        except OSError as error:
            logger.warning("Connect endpoint unreachable for %s: %s", event["type"], error)

    async def relay(self, request: web.Request) -> web.Response:
        """An event of a connected account's localstripe: sent on to the Connect endpoint with `account` set."""
        port = int(request.match_info["port"])
        account = next((name for name, server in self.servers.items() if server.port == port), None)
        if account is None:
            return web.Response(status=410)  # a pooled server's late event of a forgotten account
        event = json.loads(await request.read())
        event["account"] = account
        self._rewrite(event)
        await self.deliver(event)
        return web.Response(text="ok")

    # ------------------------------------------------------------ accounts

    def _account_or_404(self, account_id: str) -> dict[str, Any] | web.Response:
        found = self.state.accounts.get(account_id)
        if found is None:
            return _error(404, f"No such account: '{account_id}'", code="resource_missing")
        return found

    async def create_account(self, params: dict[str, str]) -> web.Response:
        account_id = f"acct_{secrets.token_hex(8)}"
        account = account_object(
            account_id=account_id,
            email=params.get("email"),
            metadata=_nested(params, "metadata"),
            controller=_nested(params, "controller"),
        )
        self.state.accounts[account_id] = account
        self.save()
        await self.server_of(account_id)  # ready before the first payment on it
        return web.json_response(account)

    def update_account(self, account: dict[str, Any], params: dict[str, str]) -> web.Response:
        if "email" in params:
            account["email"] = params["email"]
        account["metadata"].update(_nested(params, "metadata"))
        self.save()
        return web.json_response(account)

    def create_link(self, params: dict[str, str]) -> web.Response:
        account_id = params.get("account", "")
        if account_id not in self.state.accounts:
            return _error(400, f"No such account: '{account_id}'", code="resource_missing")
        missing = [name for name in ("refresh_url", "return_url", "type") if not params.get(name)]
        if missing:
            return _error(400, f"Missing required param: {missing[0]}.", code="parameter_missing")
        link_id = secrets.token_urlsafe(12)
        now = int(time.time())
        self.state.links[link_id] = {
            "account": account_id,
            "refresh_url": params["refresh_url"],
            "return_url": params["return_url"],
            "expires_at": now + LINK_SECONDS,
            "visited": False,
        }
        self.save()
        return web.json_response(
            {
                "object": "account_link",
                "created": now,
                "expires_at": now + LINK_SECONDS,
                "url": f"{self.public_url}/_double/onboarding/{link_id}",
            }
        )

    async def onboarding_page(self, request: web.Request) -> web.StreamResponse:
        link = self.state.links.get(request.match_info["link"])
        if link is None:
            return web.Response(status=404, text="No such onboarding link.")
        if link["visited"] or link["expires_at"] < time.time():
            raise web.HTTPFound(link["refresh_url"])  # Stripe's answer to a used or expired link
        link["visited"] = True
        link["expires_at"] = int(time.time()) + LINK_SECONDS  # the session the visit opened
        self.save()
        account = self.state.accounts[link["account"]]
        due = ", ".join(account["requirements"]["currently_due"]) or "nothing"
        page = ONBOARDING_PAGE.format(
            account=html.escape(account["id"]),
            email=html.escape(str(account.get("email") or "")),
            due=html.escape(due),
            left_due=html.escape(", ".join(LEFT_DUE)),
            action=html.escape(f"/_double/onboarding/{request.match_info['link']}"),
        )
        return web.Response(text=page, content_type="text/html")

    async def onboarding_submit(self, request: web.Request) -> web.StreamResponse:
        link = self.state.links.get(request.match_info["link"])
        if link is None:
            return web.Response(status=404, text="No such onboarding link.")
        if not link["visited"] or link.get("submitted") or link["expires_at"] < time.time():
            raise web.HTTPFound(link["refresh_url"])
        form = await request.post()
        account = self.state.accounts[link["account"]]
        if form.get("action") == "complete":
            account_completed(account)
        else:
            account_with_requirements_due(account, *LEFT_DUE)
        link["submitted"] = True
        self.save()
        # Sent before the redirect, so the app may hear it first; it asks Stripe on the return either way.
        await self.emit(account["id"], "account.updated", account)
        raise web.HTTPSeeOther(link["return_url"])

    # ------------------------------------------------------------ injected objects

    async def add_dispute(self, account: str, data: dict[str, Any]) -> web.Response:
        disputes = self.state.disputes.setdefault(account, {})
        dispute_id = str(data.get("id") or f"dp_{secrets.token_hex(8)}")
        existing = disputes.get(dispute_id)
        if existing is None:
            intent = await self._proxy_json(account, "GET", f"/v1/payment_intents/{data['payment_intent']}")
            if "error" in intent:
                return web.json_response(intent, status=404)
            charge = intent.get("latest_charge") or ""
            existing = dispute_object(
                dispute_id=dispute_id,
                payment_intent=intent["id"],
                charge=charge["id"] if isinstance(charge, dict) else charge,
                amount=int(data.get("amount") or intent["amount"]),
                currency=intent["currency"],
            )
        for name in ("status", "is_charge_refundable", "reason", "amount"):
            if name in data:
                existing[name] = data[name]
        if "due_by" in data:
            existing["evidence_details"]["due_by"] = data["due_by"]
        disputes[dispute_id] = existing
        self.save()
        await self.emit(account, str(data.get("event") or "charge.dispute.created"), existing)
        return web.json_response(existing)

    def _disputed(self, account: str, params: dict[str, str]) -> bool:
        wanted = {params.get("payment_intent"), params.get("charge")} - {None, ""}
        return any(
            not dispute["is_charge_refundable"]
            and dispute["status"] not in _CLOSED_DISPUTE
            and {dispute["payment_intent"], dispute["charge"]} & wanted
            for dispute in self.state.disputes.get(account, {}).values()
        )

    def list_disputes(self, account: str, query: dict[str, str]) -> web.Response:
        found = [
            dispute
            for dispute in self.state.disputes.get(account, {}).values()
            if query.get("payment_intent") in (None, dispute["payment_intent"])
            and query.get("charge") in (None, dispute["charge"])
        ]
        found.sort(key=lambda dispute: dispute["created"], reverse=True)  # newest first, as Stripe lists
        return web.json_response({"object": "list", "url": "/v1/disputes", "has_more": False, "data": found})

    async def change_refund(self, account: str, refund_id: str, data: dict[str, Any]) -> web.Response:
        self.state.refund_fields.setdefault(refund_id, {}).update(data)
        self.save()
        refund = await self._proxy_json(account, "GET", f"/v1/refunds/{refund_id}")
        if "error" in refund:
            return web.json_response(refund, status=404)
        await self.emit(account, "charge.refund.updated", refund)
        return web.json_response(refund)

    def _rewrite(self, data: Any) -> Any:
        """What Stripe now says of a refund (pending, then succeeded or failed), wherever an answer carries it."""
        if isinstance(data, dict):
            if data.get("object") == "refund" and data.get("id") in self.state.refund_fields:
                data.update(self.state.refund_fields[data["id"]])
            for value in data.values():
                self._rewrite(value)
        elif isinstance(data, list):
            for value in data:
                self._rewrite(value)
        return data

    # ------------------------------------------------------------ passing on

    async def _proxy_json(self, account: str, method: str, path: str) -> dict[str, Any]:
        base = self.platform_url if account == PLATFORM else (await self.server_of(account)).url
        headers = {"Authorization": "Bearer sk_test_connect_double"}
        async with self.http().request(method, f"{base}{path}", headers=headers) as answer:
            result: dict[str, Any] = self._rewrite(json.loads(await answer.read()))
            return result

    async def forward(self, request: web.Request, account: str, body: bytes) -> web.Response:
        base = self.platform_url if account == PLATFORM else (await self.server_of(account)).url
        headers = {name: value for name, value in request.headers.items() if name.lower() not in _NOT_FORWARDED}
        async with self.http().request(
            request.method, f"{base}{request.path_qs}", data=body or None, headers=headers
        ) as answer:
            content = await answer.read()
            content_type = answer.headers.get("Content-Type", "application/json")
            status = answer.status
        if content_type.startswith("application/json") and (self.state.refund_fields or self.state.refund_outcome):
            data = json.loads(content)
            if (
                request.method == "POST"
                and request.path == "/v1/refunds"
                and status == 200
                and self.state.refund_outcome.get(account)
            ):
                self.state.refund_fields[data["id"]] = dict(self.state.refund_outcome[account])
                self.save()
            content = json.dumps(self._rewrite(data)).encode()
        return web.Response(body=content, status=status, headers={"Content-Type": content_type})

    async def stripe_api(self, request: web.Request, account: str, body: bytes) -> web.Response:
        """One Stripe API request on `account`: what localstripe lacks answered here, the rest passed on."""
        path, method = request.path, request.method
        params = _form(body) if method == "POST" else dict(request.query)
        if path == "/v1/accounts" and method == "POST":
            return await self.create_account(params)
        if path == "/v1/accounts" and method == "GET":
            listed = sorted(self.state.accounts.values(), key=lambda a: a["created"], reverse=True)
            return web.json_response({"object": "list", "url": "/v1/accounts", "has_more": False, "data": listed})
        if path.startswith("/v1/accounts/") or path == "/v1/account":
            found = self._account_or_404(account if path == "/v1/account" else path.split("/")[3])
            if isinstance(found, web.Response):
                return found
            return self.update_account(found, params) if method == "POST" else web.json_response(found)
        if path == "/v1/account_links" and method == "POST":
            return self.create_link(params)
        if path == "/v1/disputes" and method == "GET":
            return self.list_disputes(account, params)
        if path.startswith("/v1/disputes/") and method == "GET":
            dispute = self.state.disputes.get(account, {}).get(path.split("/")[3])
            return web.json_response(dispute) if dispute else _error(404, "No such dispute", code="resource_missing")
        if path == "/v1/refunds" and method == "POST" and self._disputed(account, params):
            return _error(400, "This charge has been disputed and cannot be refunded.", code="charge_disputed")
        return await self.forward(request, account, body)


def _fingerprint(request: web.Request, body: bytes) -> str:
    return f"{request.method} {request.path} {sorted(urllib.parse.parse_qsl(body.decode()))}"


def make_app(double: Double) -> web.Application:
    async def api(request: web.Request) -> web.StreamResponse:
        account = request.headers.get("Stripe-Account") or PLATFORM
        if account != PLATFORM and (account not in double.state.accounts or account in double.state.deauthorized):
            return _error(
                403,
                f"The provided key does not have access to account '{account}' (or that account does not exist). "
                "Application access may have been revoked.",
                code="account_invalid",
            )
        body = await request.read()
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await double.stripe_api(request, account, body)
        scope = (account, key)  # Stripe keeps keys per account: the same key on two accounts is two requests
        fingerprint = _fingerprint(request, body)
        replay = double.replays.get(scope)
        if replay is not None:
            if replay.fingerprint != fingerprint:
                return _error(
                    400,
                    f"Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                    error_type="idempotency_error",
                )
            return web.Response(
                body=replay.body,
                status=replay.status,
                headers={"Content-Type": replay.content_type, "Idempotent-Replayed": "true"},
            )
        if scope in double.in_flight:
            return _error(
                409,
                "There is currently another in-progress request using this Idempotent Key.",
                code="idempotency_key_in_use",
            )
        double.in_flight.add(scope)
        try:
            answer = await double.stripe_api(request, account, body)
        finally:
            double.in_flight.discard(scope)
        if answer.status < 500 and answer.status not in (409, 429):
            assert isinstance(answer.body, bytes)  # noqa: S101 - every answer here is built from bytes
            double.replays[scope] = Replay(fingerprint, answer.status, answer.body, answer.content_type)
        return answer

    async def everything_else(request: web.Request) -> web.StreamResponse:
        """localstripe's own routes (its JS, `/_config/webhooks`) on the platform's localstripe."""
        if request.method == "DELETE" and request.path == "/_config/data":
            await double.reset()
            return web.Response(text="ok")
        return await double.forward(request, PLATFORM, await request.read())

    async def injected(
        request: web.Request, act: Callable[[str, dict[str, Any]], Awaitable[web.Response]]
    ) -> web.Response:
        account = request.match_info["account"]
        if account != PLATFORM and account not in double.state.accounts:
            return _error(404, f"No such account: '{account}'", code="resource_missing")
        data = await request.json() if request.can_read_body else {}
        return await act(account, data)

    async def disputes(request: web.Request) -> web.Response:
        return await injected(request, double.add_dispute)

    async def refund_outcome(request: web.Request) -> web.Response:
        async def act(account: str, data: dict[str, Any]) -> web.Response:
            double.state.refund_outcome[account] = data
            double.save()
            return web.json_response(data)

        return await injected(request, act)

    async def refund_change(request: web.Request) -> web.Response:
        async def act(account: str, data: dict[str, Any]) -> web.Response:
            return await double.change_refund(account, request.match_info["refund"], data)

        return await injected(request, act)

    async def deauthorize(request: web.Request) -> web.Response:
        async def act(account: str, data: dict[str, Any]) -> web.Response:
            double.state.deauthorized[account] = int(time.time())
            double.save()
            application = {"id": "ca_connect_double", "object": "application", "name": "invoicedesk"}
            await double.emit(account, "account.application.deauthorized", application)
            return web.json_response(application)

        return await injected(request, act)

    async def account_state(request: web.Request) -> web.Response:
        """Stripe changes an account's state later (charges disabled for a document due): `account.updated`."""

        async def act(account: str, data: dict[str, Any]) -> web.Response:
            found = double.state.accounts[account]
            due = [str(item) for item in data.get("currently_due", [])]
            if due:
                account_with_requirements_due(found, *due)
            else:
                account_completed(found)
            double.save()
            await double.emit(account, "account.updated", found)
            return web.json_response(found)

        return await injected(request, act)

    async def connect_webhook(request: web.Request) -> web.Response:
        form = await request.post()
        double.state.connect_webhook = {"url": str(form["url"]), "secret": str(form["secret"])}
        double.save()
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"accounts": sorted(double.state.accounts), "servers": len(double.servers)})

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # Known accounts' servers start in the background, together: the double answers at once, and a request
        # for an account still starting waits for that one alone.
        warming = [asyncio.ensure_future(double.server_of(account)) for account in double.state.accounts]
        yield
        for task in warming:
            task.cancel()
        if double.session is not None:
            await double.session.close()
        double.stop()

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/_double/health", health)
    app.router.add_get("/_double/onboarding/{link}", double.onboarding_page)
    app.router.add_post("/_double/onboarding/{link}", double.onboarding_submit)
    app.router.add_post("/_double/relay/{port}", double.relay)
    app.router.add_post("/_double/config/connect_webhook", connect_webhook)
    app.router.add_post("/_double/accounts/{account}/disputes", disputes)
    app.router.add_post("/_double/accounts/{account}/refund_outcome", refund_outcome)
    app.router.add_post("/_double/accounts/{account}/refunds/{refund}", refund_change)
    app.router.add_post("/_double/accounts/{account}/deauthorize", deauthorize)
    app.router.add_post("/_double/accounts/{account}/state", account_state)
    app.router.add_route("*", "/v1/{tail:.*}", api)
    app.router.add_route("*", "/{tail:.*}", everything_else)
    return app


ONBOARDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stripe onboarding (test double)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;color:#1a1f36}}
.note{{background:#fff8e1;border:1px solid #f0c36d;padding:.5rem .75rem;border-radius:4px}}
button{{font-size:1rem;padding:.6rem 1rem;margin:.25rem .5rem .25rem 0;border-radius:4px;border:1px solid #635bff}}
.primary{{background:#635bff;color:#fff}}</style></head>
<body>
<p class="note">Test double of Stripe's hosted onboarding (invoicedesk devtools): no real Stripe account is made.</p>
<h1>Set up payments for <span data-testid="onboarding-account">{account}</span></h1>
<p>Email: {email}</p>
<p>Stripe still asks for: <span data-testid="onboarding-due">{due}</span></p>
<form method="post" action="{action}">
<button class="primary" name="action" value="complete" data-testid="onboarding-complete">Complete</button>
<button name="action" value="due" data-testid="onboarding-leave-due">Leave requirements due</button>
</form>
<p><small>"Leave requirements due" leaves {left_due} owed: charges and payouts stay disabled.</small></p>
</body></html>
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--platform", required=True, help="the platform's localstripe, e.g. http://127.0.0.1:8420")
    parser.add_argument("--state", type=Path, help="folder to keep accounts and their localstripe stores in")
    parser.add_argument("--fee-percent", help="Stripe's fee on each charge of the accounts' localstripes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    double = Double(
        platform_url=args.platform,
        state_dir=args.state,
        public_url=f"http://127.0.0.1:{args.port}",
        fee_percent=args.fee_percent,
    )
    web.run_app(make_app(double), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
