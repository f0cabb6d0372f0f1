"""Hash chains per organization: each audit entry (and each issued document) stores the SHA-256 of its content
and of the previous link of its organization's chain, so a row changed or removed by someone with the owner's
rights (who can get past the append-only triggers and grants) no longer verifies.

A link's hash is SHA-256 over the previous link's hash and the canonical JSON of its content (sorted keys, no
blanks, ASCII, times in UTC to the microsecond). The content is what the database gives back, so the hash written
at insert and the hash recomputed from a read row agree.

Known limit: someone with the owner's rights who rewrites a chain from the changed row to its end, and its head,
leaves a chain that verifies; the hashes of each verification (logged, and kept in AuditVerification) are what
such a rewrite would contradict.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import models, transaction

from .models import GENESIS_HASH, AuditEntry, ChainedRecord, ChainHead


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # jsonb gives 1e20 back as 100000000000000000000 and 2.0 as 2.0: integral floats are ints on both sides.
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def link_hash(previous_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical_json(content)}".encode("ascii")).hexdigest()


def canonical_ip(value: str | None) -> str | None:
    """PostgreSQL's inet writes an address its own way (`::ffff:1.2.3.4`); the address itself is what counts."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:
        return value


@dataclass(frozen=True)
class Chain[M: ChainedRecord]:
    """One kind of chained record: its name (the head rows' prefix), what of a row is hashed, and any check of a
    row beyond its hash (a document's PDF against its own SHA-256)."""

    name: str
    label: str
    rows: Callable[[], models.QuerySet[M]]
    content: Callable[[M], dict[str, Any]]
    organization_of: Callable[[M], int | None]
    check: Callable[[M], str | None] = field(default=lambda row: None)
    chunk: int = 2000  # rows read at a time while verifying

    def key(self, organization_id: int | None) -> str:
        return f"{self.name}:{organization_id if organization_id is not None else '-'}"


def _head(key: str) -> ChainHead:
    """The chain's head row, locked until the transaction ends (made on first use: INSERT … ON CONFLICT DO NOTHING,
    so two first writers do not collide)."""
    head = ChainHead.objects.select_for_update().filter(chain=key).first()
    if head is None:
        ChainHead.objects.bulk_create([ChainHead(chain=key)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(chain=key)
    return head


def chain_insert[M: ChainedRecord](chain: Chain[M], row: M) -> M:
    """INSERT `row` as the next link of its organization's chain. Call it as the transaction's last write where
    you can: the head stays locked until commit, and the organization's other writers wait for it."""
    with transaction.atomic():
        head = _head(chain.key(chain.organization_of(row)))
        row.previous_hash = head.last_hash
        row.chain_hash = link_hash(head.last_hash, chain.content(row))
        row.save(force_insert=True)
        head.last_hash = row.chain_hash
        head.length += 1
        head.save(update_fields=["last_hash", "length"])
    return row


@dataclass(frozen=True)
class Break:
    """The first link of a chain that does not hold."""

    chain: str
    organization_id: int | None
    entry_id: int | None  # None: the chain is shorter than its head says, past its last entry
    reason: str

    def describe(self, label: str) -> str:
        where = f"organization {self.organization_id}" if self.organization_id is not None else "no organization"
        if self.entry_id is None:
            return f"{label} chain of {where}: {self.reason}"
        return f"{label} #{self.entry_id} ({where}): {self.reason}"

    def as_json(self, label: str) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "organization": self.organization_id,
            "entry": self.entry_id,
            "reason": self.reason,
            "text": self.describe(label),
        }


@dataclass
class ChainReport:
    links: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)


def _verify_one[M: ChainedRecord](
    chain: Chain[M], organization_id: int | None, rows: Iterator[M]
) -> tuple[int, Break | None, str]:
    previous = GENESIS_HASH
    count = 0
    key = chain.key(organization_id)
    for row in rows:
        count += 1
        reason = None
        if row.previous_hash != previous:
            reason = "the entry before it was changed or removed (its previous hash does not match)"
        elif row.chain_hash != link_hash(previous, chain.content(row)):
            reason = "its content was changed (it does not match its hash)"
        else:
            reason = chain.check(row)
        if reason is not None:
            return count, Break(chain.name, organization_id, row.pk, reason), previous
        previous = row.chain_hash
    head = ChainHead.objects.filter(chain=key).first()
    if head is not None and (head.length != count or head.last_hash != previous):
        reason = f"entries were removed from its end (its head counts {head.length}, {count} remain)"
        if head.length == count:
            reason = "its head does not match its last entry"
        return count, Break(chain.name, organization_id, None, reason), previous
    return count, None, previous


def chain_verify[M: ChainedRecord](
    chain: Chain[M], *, organization_id: int | None = None, every: bool = True
) -> ChainReport:
    """Walk the chains of `chain` (every organization's and the no-organization one when `every`, else the one
    of `organization_id`) in insert order; report the first broken link of each."""
    report = ChainReport()
    if every:
        organizations = set(chain.rows().values_list("organization_id", flat=True).distinct())
        prefix = f"{chain.name}:"
        for key in ChainHead.objects.filter(chain__startswith=prefix).values_list("chain", flat=True):
            suffix = key.removeprefix(prefix)
            organizations.add(None if suffix == "-" else int(suffix))
    else:
        organizations = {organization_id}
    for org_id in sorted(organizations, key=lambda value: (value is not None, value or 0)):
        rows = (
            chain.rows().filter(organization_id=org_id)
            if org_id is not None
            else chain.rows().filter(organization_id__isnull=True)
        )
        count, broken, last = _verify_one(chain, org_id, rows.order_by("id").iterator(chunk_size=chain.chunk))
        report.links += count
        report.heads[chain.key(org_id)] = last
        if broken is not None:
            report.breaks.append(broken)
    return report


def audit_content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "organization": entry.organization_id,
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        # What the JSON column gives back (a tuple comes back a list, a key a string).
        "before": json.loads(json.dumps(entry.before)),
        "after": json.loads(json.dumps(entry.after)),
        "ip_address": canonical_ip(entry.ip_address),
        "created_at": entry.created_at,
    }


AUDIT_CHAIN: Chain[AuditEntry] = Chain(
    name="audit",
    label="audit entry",
    rows=lambda: AuditEntry.objects.all(),
    content=audit_content,
    organization_of=lambda entry: entry.organization_id,
)


def chain_existing_rows(
    *,
    rows: models.QuerySet[Any],
    head_model: type[models.Model],
    name: str,
    content: Callable[[Any], dict[str, Any]],
    trigger: str,
    connection: Any,
) -> None:
    """For a migration: link the rows written before chains existed, in insert order, and set the heads. The only
    UPDATE these tables ever see, run as the owner, past the append-only trigger (`pgtrigger.ignore` for this
    transaction: the trigger function reads that setting)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + trigger + "}"])
    heads: dict[str, tuple[str, int]] = {}
    for row in rows.order_by("id").iterator(chunk_size=2000):
        key = f"{name}:{row.organization_id if row.organization_id is not None else '-'}"
        previous, length = heads.get(key, (GENESIS_HASH, 0))
        row.previous_hash = previous
        row.chain_hash = link_hash(previous, content(row))
        rows.model._base_manager.filter(pk=row.pk).update(previous_hash=row.previous_hash, chain_hash=row.chain_hash)
        heads[key] = (row.chain_hash, length + 1)
    for key, (last_hash, length) in heads.items():
        head_model._base_manager.update_or_create(chain=key, defaults={"last_hash": last_hash, "length": length})
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', NULL, true)")
