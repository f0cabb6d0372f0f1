# Japanese UI text, keyed by the English msgid. scripts/fill_ja_po.py writes it into django.po.
# Labels from DESIGN.md §1 are used exactly.
JA = {
    "Japanese": "日本語",
    "English": "英語",
    "email address": "メールアドレス",
    "language": "言語",
    "name": "名称",
    "currency": "通貨",
    "contact email": "連絡先メールアドレス",
    "Viewer": "閲覧者",
    "Operator": "担当者",
    "Approver": "承認者",
    "Admin": "管理者",
    "role": "権限",
    "starts at": "開始日時",
    "ends at": "終了日時",
    "You are not a member of that organization.": "その組織のメンバーではありません。",
    "Billing Invoice No.": "請求書番号",
    "Bill to": "請求先",
    "Issued from": "発行日（開始）",
    "Issued to": "発行日（終了）",
    "Billing Amount from": "請求金額（下限）",
    "Billing Amount to": "請求金額（上限）",
    "Online Payment Link Status": "オンライン決済リンクステータス",
    "Payment method": "支払方法",
    "Any": "すべて",
    "The end of the range is before its start.": "終了日が開始日より前です。",
    "The end of the range is below its start.": "上限が下限を下回っています。",
    "company name": "会社名",
    "contact name": "担当者名",
    "email": "メールアドレス",
    "Online Payment Link": "オンライン決済リンク",
    "Bank transfer": "銀行振込",
    "Card at order": "注文時カード決済",
    "Issue date": "発行日",
    "Due date": "支払期限",
    "Billing Amount": "請求金額",
    "In the currency's minor unit.": "通貨の最小単位で入力します。",
    "Billing Invoice Detail": "請求書詳細",
    "Breadcrumb": "パンくずリスト",
    "Transactions": "取引",
    "Billing Management": "請求管理",
    "Details": "詳細",
    "Payment Transaction": "決済トランザクション",
    "Currency": "通貨",
    "Amount paid": "支払済み金額",
    "Paid at": "支払日時",
    "Link expires at": "リンク有効期限",
    "This invoice is paid outside the online payment link (by bank transfer or by card at order time). "
    "Such payments are out of scope for the refund procedure here.": (
        "この請求書はオンライン決済リンク以外（銀行振込または注文時カード決済）で支払われます。"
        "これらの支払いは、この返金手続きの対象外です。"
    ),
    "Time": "日時",
    "Type": "種別",
    "Amount": "金額",
    "Status": "ステータス",
    "Stripe reference": "Stripe参照ID",
    "Actor": "実行者",
    "Message": "メッセージ",
    "No payment transactions yet.": "決済トランザクションはまだありません。",
    "Billing Invoices": "請求書",
    "Search invoices": "請求書を検索",
    "Search": "検索",
    "Clear": "クリア",
    "Export CSV": "CSV出力",
    "%(counter)s invoice": ("%(counter)s件の請求書",),
    "More than %(limit)s invoices": "%(limit)s件以上の請求書",
    "Actions": "操作",
    "Pages": "ページ",
    "Previous": "前へ",
    "First page": "最初のページ",
    "Next": "次へ",
    "No invoices match this search.": "条件に一致する請求書はありません。",
    "Enter an amount.": "金額を入力してください。",
    "Enter the amount as a number, for example 22000.": "金額は数字で入力してください（例：22000）。",
    "%(currency)s has no fractional unit: enter a whole number.": "%(currency)sには小数の単位がありません。整数で入力してください。",
    "%(currency)s allows at most %(digits)d decimal places.": "%(currency)sの小数は%(digits)d桁までです。",
    "The amount cannot be negative.": "金額にマイナスは指定できません。",
    "The amount must be greater than zero.": "金額は0より大きくしてください。",
    "UNPAID": "未払い",
    "PAID": "支払済み",
    "PARTIALLY REFUNDED": "一部返金済み",
    "REFUNDED": "返金済み",
    "EXPIRED": "期限切れ",
    "CANCELLED": "取消済み",
    "expires at": "有効期限",
    "amount paid": "支払済み金額",
    "amount refunded": "返金済み金額",
    "paid at": "支払日時",
    "Payment link issued": "決済リンク発行",
    "Payment": "決済",
    "Payment failed": "決済失敗",
    "Refund": "返金",
    "Refund update": "返金更新",
    "Buyer notification": "購入者への通知",
    "type": "種別",
    "amount": "金額",
    "status": "ステータス",
    "message": "メッセージ",
    "time": "日時",
    "Main menu": "メインメニュー",
    "Organization": "組織",
    "Switch": "切替",
    "Log out": "ログアウト",
    "Log in": "ログイン",
    "Email address": "メールアドレス",
    "Password": "パスワード",
    "Needs review:": "要確認：",
    "Payment link address": "決済リンクのURL",
    "Open": "開く",
    "Payable until %(date)s.": "%(date)sまで支払い可能です。",
    "Paid %(amount)s on %(date)s.": "%(date)sに%(amount)sが支払われました。",
    "The link is no longer payable.": "このリンクでは支払いできません。",
    "No payment link has been issued yet.": "決済リンクはまだ発行されていません。",
    "Re-issue Online Payment Link": "オンライン決済リンクを再発行",
    "Issue Online Payment Link": "オンライン決済リンクを発行",
    "Cancel link": "リンクを取り消す",
    "Card number": "カード番号",
    "Expiry (MM/YY)": "有効期限（MM/YY）",
    "CVC": "セキュリティコード",
    "Enter the 16 digits of the card number.": "カード番号16桁を入力してください。",
    "Enter the expiry as MM/YY.": "有効期限をMM/YYの形式で入力してください。",
    "Enter the 3-digit security code.": "3桁のセキュリティコードを入力してください。",
    "needs review": "要確認",
    "Payment link cancelled": "決済リンク取消",
    "Payment link expired": "決済リンク期限切れ",
    "No such invoice.": "該当する請求書がありません。",
    "Your role cannot issue payment links.": "あなたの権限では決済リンクを発行できません。",
    "This invoice is paid by %(method)s, not through an online payment link.": (
        "この請求書の支払方法は%(method)sで、オンライン決済リンクではありません。"
    ),
    "Your organization has no active Stripe Credit Card Payment Add-on contract, so no payment link can be issued.": (
        "Stripeクレジットカード決済オプションの有効な契約がないため、決済リンクを発行できません。"
    ),
    "This invoice is already paid; its link cannot be re-issued.": "この請求書は支払済みのため、リンクを再発行できません。",
    "Payment link issued, valid until %(date)s.": "決済リンクを発行しました（有効期限：%(date)s）。",
    "Payment link re-issued at a new address, valid until %(date)s; the old address no longer works.": (
        "決済リンクを新しいURLで再発行しました（有効期限：%(date)s）。以前のURLは使用できません。"
    ),
    "Your role cannot cancel payment links.": "あなたの権限では決済リンクを取り消せません。",
    "This invoice has no payment link.": "この請求書には決済リンクがありません。",
    "This invoice is already paid; its link cannot be cancelled.": "この請求書は支払済みのため、リンクを取り消せません。",
    "This invoice has already been paid. Thank you.": "この請求書はお支払い済みです。ありがとうございました。",
    "This payment link has been cancelled by the seller. Please contact them for a new one.": (
        "この決済リンクは請求元により取り消されました。新しいリンクについては請求元にお問い合わせください。"
    ),
    "This payment link has expired. Please contact the seller for a new one.": (
        "この決済リンクは有効期限が切れています。新しいリンクについては請求元にお問い合わせください。"
    ),
    "This invoice is not payable online.": "この請求書はオンラインでお支払いいただけません。",
    "Online card payment is not available for this invoice. Please contact the seller.": (
        "この請求書ではオンラインカード決済をご利用いただけません。請求元にお問い合わせください。"
    ),
    "This payment link has been replaced. Please use the newest link.": (
        "この決済リンクは新しいリンクに置き換えられました。最新のリンクをご利用ください。"
    ),
    "A second payment (%(intent)s) was received for this already paid invoice.": (
        "支払済みの請求書に対して2件目の支払い（%(intent)s）を受け取りました。"
    ),
    "Stripe received %(received)s %(rcur)s but %(due)s %(dcur)s was due.": (
        "Stripeの受領額は%(received)s %(rcur)sですが、請求額は%(due)s %(dcur)sです。"
    ),
    "The payment arrived after the link was %(status)s.": "リンクが「%(status)s」になった後に支払いがありました。",
    "No Stripe Credit Card Payment Add-on contract was valid when this payment was settled.": (
        "この支払いの決済時点で、Stripeクレジットカード決済オプションの有効な契約がありませんでした。"
    ),
    "Paid by card (charge %(charge)s).": "カードで支払われました（チャージ %(charge)s）。",
    "The card payment failed.": "カード決済に失敗しました。",
    "Pay by card": "カードで支払う",
    "TEST MODE — no real card is charged. Use 4242 4242 4242 4242; 4000 0000 0000 0341 is declined.": (
        "テストモード：実際のカードには請求されません。4242 4242 4242 4242 をお使いください"
        "（4000 0000 0000 0341 は承認されません）。"
    ),
    "Pay %(amount)s": "%(amount)sを支払う",
    "Pay invoice": "請求書の支払い",
    "Invoice payment": "請求書のお支払い",
    "Questions about this invoice? Contact %(seller)s": "この請求書に関するお問い合わせ：%(seller)s",
    "Payment received. Thank you.": "お支払いを受け付けました。ありがとうございました。",
    "Paid on %(date)s. You can come back to this page's address at any time to see this confirmation.": (
        "%(date)sにお支払いいただきました。このページのURLからいつでもこの確認内容をご覧いただけます。"
    ),
    "Your payment is being processed.": "お支払いを処理しています。",
    "The card issuer has not confirmed it yet. This page will show the result when you reload it.": (
        "カード会社の確認がまだ完了していません。ページを再読み込みすると結果が表示されます。"
    ),
    "The payment did not go through.": "お支払いが完了しませんでした。",
    "Try again": "もう一度試す",
    "We could not confirm the payment yet.": "お支払いをまだ確認できていません。",
    "Please reload this page in a minute. You will not be charged twice.": (
        "しばらくしてからこのページを再読み込みしてください。二重に請求されることはありません。"
    ),
    "Payment link issued.": "決済リンクを発行しました。",
    "Payment link cancelled.": "決済リンクを取り消しました。",
    "Card payment is temporarily unavailable. Please try again in a few minutes.": (
        "カード決済は一時的にご利用いただけません。数分後にもう一度お試しください。"
    ),
}
