"""History rows store message codes and parameters instead of sentences; StripeEvent moves to stripe_events.

Existing sentences (written in English or Japanese, whichever the actor used)
are read back into codes with the patterns below, frozen as they were written;
a sentence no pattern matches is kept as free text, so nothing is lost.
"""

import re
from datetime import datetime

from django.db import migrations, models
from django.utils import timezone

LINK_STATUS = {
    "UNPAID": "UNPAID", "未払い": "UNPAID",
    "PAID": "PAID", "支払済み": "PAID",
    "PARTIALLY REFUNDED": "PARTIALLY_REFUNDED", "一部返金済み": "PARTIALLY_REFUNDED",
    "REFUNDED": "REFUNDED", "返金済み": "REFUNDED",
    "EXPIRED": "EXPIRED", "期限切れ": "EXPIRED",
    "CANCELLED": "CANCELLED", "取消済み": "CANCELLED",
}
CLASSIFICATION = {"Full refund": "FULL", "全額返金": "FULL", "Partial refund": "PARTIAL", "一部返金": "PARTIAL"}

# (code, English sentence, Japanese sentence); the whole message must match one of them.
SENTENCES = [
    ("link_issued", "Payment link issued, valid until %(date)s.", "決済リンクを発行しました（有効期限：%(date)s）。"),
    (
        "link_reissued",
        "Payment link re-issued at a new address, valid until %(date)s; the old address no longer works.",
        "決済リンクを新しいURLで再発行しました（有効期限：%(date)s）。以前のURLは使用できません。",
    ),
    (
        "second_payment",
        "A second payment (%(intent)s) was received for this already paid invoice.",
        "支払済みの請求書に対して2件目の支払い（%(intent)s）を受け取りました。",
    ),
    ("card_payment_failed", "The card payment failed.", "カード決済に失敗しました。"),
    ("refund_requested", "%(classification)s requested.", "%(classification)sを依頼しました。"),
    (
        "refund_succeeded",
        "Refunded by Stripe. Online Payment Link Status is now %(status)s.",
        "Stripeで返金されました。オンライン決済リンクステータスは「%(status)s」になりました。",
    ),
    (
        "refund_pending",
        "Stripe accepted the refund and is still processing it.",
        "Stripeが返金を受け付け、処理中です。",
    ),
    (
        "refund_failed_at_stripe",
        "Stripe reports the refund %(status)s (%(reason)s).",
        "Stripeによると返金は%(status)sです（%(reason)s）。",
    ),
    ("refund_refused", "Stripe refused the refund: %(message)s", "Stripeが返金を拒否しました：%(message)s"),
    (
        "refund_unconfirmed",
        "Awaiting confirmation from Stripe (%(message)s). The amount stays reserved; do not refund it again.",
        "Stripeの確認待ちです（%(message)s）。金額は確保されたままです。再度返金しないでください。",
    ),
    ("email_delivered", "Refund email delivered to %(email)s.", "%(email)s に返金メールを送信しました。"),
    (
        "email_failed",
        "Refund email to %(email)s failed after %(attempts)d attempts: %(error)s",
        "%(email)s への返金メールは%(attempts)d回試行しましたが送信できませんでした：%(error)s",
    ),
]
PAID_BY_CARD = ("Paid by card (charge %(charge)s).", "カードで支払われました（チャージ %(charge)s）。")


def _pattern(sentence, *, whole=True):
    parts = re.split(r"%\((\w+)\)[sd]", sentence)
    regex = "".join(
        re.escape(text) if index % 2 == 0 else f"(?P<{text}>.+?)" for index, text in enumerate(parts)
    )
    return re.compile(f"^{regex}$" if whole else f"^{regex}", re.S)


PATTERNS = [(code, _pattern(sentence)) for code, *sentences in SENTENCES for sentence in sentences]
PAID_PATTERNS = [_pattern(sentence, whole=False) for sentence in PAID_BY_CARD]


def _param(name, value, code):
    if name == "date":
        try:
            moment = timezone.make_aware(datetime.strptime(value, "%Y-%m-%d %H:%M"))
        except ValueError:
            return value
        return {"time": moment.isoformat()}
    if name == "classification" and value in CLASSIFICATION:
        return {"choice": "refund_classification", "value": CLASSIFICATION[value]}
    if name == "status" and code == "refund_succeeded" and value in LINK_STATUS:
        return {"choice": "link_status", "value": LINK_STATUS[value]}
    return value


def parts_of(message):
    message = message.strip()
    if not message:
        return []
    for code, pattern in PATTERNS:
        match = pattern.match(message)
        if match:
            return [[code, {name: _param(name, value, code) for name, value in match.groupdict().items()}]]
    for pattern in PAID_PATTERNS:
        match = pattern.match(message)
        if match:
            rest = message[match.end():].strip()
            return [["paid_by_card", {"charge": match["charge"]}], *([["text", {"text": rest}]] if rest else [])]
    return [["text", {"text": message}]]


def sentences_to_codes(apps, schema_editor):
    PaymentTransaction = apps.get_model("payments", "PaymentTransaction")
    rows = PaymentTransaction.objects.exclude(message="").only("pk", "message")
    batch = []
    for row in rows.iterator(chunk_size=2000):
        row.message_parts = parts_of(row.message)
        batch.append(row)
        if len(batch) >= 2000:
            PaymentTransaction.objects.bulk_update(batch, ["message_parts"])
            batch = []
    PaymentTransaction.objects.bulk_update(batch, ["message_parts"])


def codes_to_sentences(apps, schema_editor):
    PaymentTransaction = apps.get_model("payments", "PaymentTransaction")
    english = dict((code, en) for code, en, _ in SENTENCES) | {"paid_by_card": PAID_BY_CARD[0], "text": "%(text)s"}
    for row in PaymentTransaction.objects.exclude(message_parts=[]).iterator(chunk_size=2000):
        sentences = []
        for code, params in row.message_parts:
            plain = {
                name: value.get("value") or value.get("time") or value.get("money") if isinstance(value, dict) else value
                for name, value in params.items()
            }
            template = re.sub(r"%\((\w+)\)d", r"%(\1)s", english.get(code, "%(text)s"))
            try:
                sentences.append(template % plain)
            except (KeyError, TypeError):
                sentences.append(str(plain))
        row.message = " ".join(sentences)
        row.save(update_fields=["message"])


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="paymenttransaction",
            name="message_parts",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(sentences_to_codes, codes_to_sentences),
        migrations.RemoveField(model_name="paymenttransaction", name="message"),
        # The table stays; stripe_events takes the model over (its 0001 and 0002).
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="StripeEvent")]),
    ]
