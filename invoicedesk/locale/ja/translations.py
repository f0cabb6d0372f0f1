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
    "Operator": "オペレーター",
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
    "CANCELED": "取消済み",
    "expires at": "有効期限",
    "amount paid": "支払済み金額",
    "amount refunded": "返金済み金額",
    "paid at": "支払日時",
    "Payment link issued": "決済リンクの発行",
    "Payment": "決済",
    "Payment failed": "決済失敗",
    "Refund": "返金",
    "Refund update": "返金更新",
    "Buyer notification": "請求先への通知",
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
    "Payment link canceled": "決済リンクの取消",
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
    "This invoice is already paid; its link cannot be canceled.": "この請求書は支払済みのため、リンクを取り消せません。",
    "This invoice has already been paid. Thank you.": "この請求書はお支払い済みです。ありがとうございました。",
    "This payment link has been canceled by the seller. Please contact them for a new one.": (
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
    "Payment link canceled.": "決済リンクを取り消しました。",
    "Card payment is temporarily unavailable. Please try again in a few minutes.": (
        "カード決済は一時的にご利用いただけません。数分後にもう一度お試しください。"
    ),
    "No approval: refunds execute at once": "承認なし：返金はすぐに実行されます",
    "Every refund needs approval": "すべての返金に承認が必要",
    "Refunds above a threshold need approval": "基準を超える返金に承認が必要",
    "refund approval": "返金の承認",
    "Refundable Amount": "返金可能額",
    "A refund of %(amount)s is awaiting confirmation from Stripe. Its amount stays reserved; do not refund it again.": (
        "%(amount)sの返金はStripeの確認待ちです。この金額は確保されたままです。再度返金しないでください。"
    ),
    "Refunds": "返金",
    "Refund type": "返金の種類",
    "Stripe refund ID": "Stripe返金ID",
    "Requested by": "依頼者",
    "Reason": "理由",
    "Memo": "メモ",
    "Buyer email": "請求先へのメール",
    "History": "履歴",
    "Refund notice": "返金のお知らせ",
    "Pending": "送信待ち",
    "Delivered": "送信済み",
    "Retrying": "再送待ち",
    "Failed": "失敗",
    "Refund email to %(email)s failed after %(attempts)d attempts: %(error)s": (
        "%(email)s への返金メールは%(attempts)d回試行しましたが送信できませんでした：%(error)s"
    ),
    "Refund email delivered to %(email)s.": "%(email)s に返金メールを送信しました。",
    "Choose Full refund or Partial refund.": "全額返金または一部返金を選択してください。",
    "Refund Amount": "返金額",
    "Reason (optional)": "理由（任意）",
    "No reason given": "理由なし",
    "Internal memo (optional, not sent to the buyer)": "社内メモ（任意・請求先には送信されません）",
    "Enter the amount to return to the buyer.": "請求先に返金する金額を入力してください。",
    "Pending approval": "承認待ち",
    "Processing": "処理中",
    "Pending at Stripe": "Stripe処理中",
    "Succeeded": "完了",
    "Canceled": "取消",
    "Rejected": "却下",
    "Expired": "期限切れ",
    "Full refund": "全額返金",
    "Partial refund": "一部返金",
    "Requested by customer": "請求先からの依頼",
    "Duplicate payment": "重複した支払い",
    "Fraudulent": "不正利用",
    "invoicedesk": "invoicedesk",
    "Stripe Dashboard": "Stripeダッシュボード",
    "classification": "返金の種類",
    "reason": "理由",
    "internal memo": "社内メモ",
    "This payment was settled outside any Stripe Credit Card Payment Add-on contract and cannot be refunded here.": (
        "この支払いはStripeクレジットカード決済オプションの契約期間外に決済されたため、ここでは返金できません。"
    ),
    "Nothing to refund: this invoice has not been paid through its link.": (
        "返金できるものはありません：この請求書は決済リンクで支払われていません。"
    ),
    "This payment has been refunded in full.": "この支払いは全額返金済みです。",
    "The whole payment is already held by refunds in progress.": "支払額の全額が処理中の返金に確保されています。",
    "This invoice was paid by %(method)s. Only payments made through the online payment link are refunded here; "
    "this one is out of scope for this procedure.": (
        "この請求書は%(method)sで支払われました。ここで返金できるのはオンライン決済リンクでの支払いのみです。"
        "この支払いはこの手続きの対象外です。"
    ),
    "This invoice has not been paid through its payment link, so there is nothing to refund.": (
        "この請求書は決済リンクで支払われていないため、返金できるものはありません。"
    ),
    "Your role cannot refund payments.": "あなたの権限では返金できません。",
    "Nothing is left to refund on this payment.": "この支払いには返金できる金額が残っていません。",
    "The Refund Amount cannot exceed the Refundable Amount of %(refundable)s.": (
        "返金額は返金可能額（%(refundable)s）を超えられません。"
    ),
    "A full refund returns the whole Refundable Amount of %(refundable)s. To return %(amount)s, choose Partial refund.": (
        "全額返金では返金可能額の全額（%(refundable)s）を返金します。%(amount)sを返金する場合は一部返金を選択してください。"
    ),
    "%(amount)s is the whole Refundable Amount: choose Full refund.": (
        "%(amount)sは返金可能額の全額です。全額返金を選択してください。"
    ),
    "This form was already used for another refund. Open the Refund form again.": (
        "このフォームは別の返金で使用済みです。返金フォームを開き直してください。"
    ),
    "%(classification)s requested.": "%(classification)sを依頼しました。",
    "Refunded by Stripe. Online Payment Link Status is now %(status)s.": (
        "Stripeで返金されました。オンライン決済リンクステータスは「%(status)s」になりました。"
    ),
    "Stripe accepted the refund and is still processing it.": "Stripeが返金を受け付け、処理中です。",
    "Stripe reports the refund %(status)s (%(reason)s).": "Stripeによると返金は%(status)sです（%(reason)s）。",
    "Stripe refused the refund: %(message)s": "Stripeが返金を拒否しました：%(message)s",
    "Awaiting confirmation from Stripe (%(message)s). The amount stays reserved; do not refund it again.": (
        "Stripeの確認待ちです（%(message)s）。金額は確保されたままです。再度返金しないでください。"
    ),
    "Refund Billing Amount": "請求金額の返金",
    "Close": "閉じる",
    "No refund can be made on this invoice.": "この請求書では返金できません。",
    "Please confirm the refund": "返金内容を確認してください",
    "Net paid after this refund": "返金後の受領額",
    "Online Payment Link Status after it": "返金後のオンライン決済リンクステータス",
    "The buyer will be notified at": "請求先への通知先",
    "The refund goes back to the buyer's card through Stripe. It cannot be undone.": (
        "返金はStripeを通じて請求先のカードに戻されます。取り消すことはできません。"
    ),
    "Back": "戻る",
    "Cancel": "キャンセル",
    "Next: confirm": "次へ：確認",
    "Refund now": "今回の返金額",
    "Status after it": "返金後のステータス",
    "Refunded %(amount)s. The buyer is being emailed.": "%(amount)sを返金しました。請求先にメールでお知らせします。",
    "Stripe accepted the refund of %(amount)s and is still processing it.": (
        "Stripeが%(amount)sの返金を受け付け、処理中です。"
    ),
    "The refund of %(amount)s awaits approval by another user.": "%(amount)sの返金は他のユーザーの承認待ちです。",
    "Stripe refused the refund of %(amount)s: %(message)s Nothing was refunded.": (
        "Stripeが%(amount)sの返金を拒否しました：%(message)s 返金は行われていません。"
    ),
    "The refund of %(amount)s is awaiting confirmation from Stripe. Its amount stays reserved; do not refund it again.": (
        "%(amount)sの返金はStripeの確認待ちです。金額は確保されたままです。再度返金しないでください。"
    ),
    # Error pages and refusals
    "You are not a member of any organization.": "どの組織のメンバーでもありません。",
    "Not found": "見つかりません",
    "Not allowed": "権限がありません",
    "Not possible": "実行できません",
    "You are not allowed to do this.": "この操作を行う権限がありません。",
    "No such payment link.": "該当する決済リンクはありません。",
    "No such refund.": "該当する返金はありません。",
    "There is nothing at this address, or it belongs to another organization.": (
        "このアドレスには何もないか、別の組織のものです。"
    ),
    "Something went wrong": "エラーが発生しました",
    "We could not complete this request. Nothing was changed by the part that failed; please try again in a moment. "
    "If it keeps happening, tell your administrator the time it happened.": (
        "この操作を完了できませんでした。失敗した部分による変更はありません。しばらくしてからもう一度お試しください。"
        "繰り返し発生する場合は、発生した時刻を管理者にお伝えください。"
    ),
    "Back to Billing Management": "請求管理に戻る",
    "This form is no longer valid. Close it and open the Refund form again.": (
        "このフォームは無効になりました。閉じてから、もう一度返金フォームを開いてください。"
    ),
    # History and refunds in flight
    "Stripe received %(received)s but %(due)s was due.": "Stripeの受領額は%(received)sですが、請求額は%(due)sです。",
    "Refund email to %(email)s failed after %(attempts)s attempts: %(error)s": (
        "%(email)s への返金メールは%(attempts)s回試行しましたが送信できませんでした：%(error)s"
    ),
    "Duplicate": "重複",
    "Processing: the refund of %(amount)s is being sent to Stripe. This page updates itself when Stripe answers.": (
        "処理中：%(amount)sの返金をStripeに送信しています。Stripeの応答があると、このページは自動で更新されます。"
    ),
    "The refund of %(amount)s has been recorded and is being sent to Stripe. This window updates itself when Stripe "
    "answers; you may also close it.": (
        "%(amount)sの返金を登録し、Stripeに送信しています。Stripeの応答があると、この画面は自動で更新されます。"
        "閉じても問題ありません。"
    ),
    "The refund of %(amount)s is being processed. This page updates itself when Stripe answers.": (
        "%(amount)sの返金を処理中です。Stripeの応答があると、このページは自動で更新されます。"
    ),
    # Stripe events (admin)
    "Received": "受信",
    "Processed": "処理済み",
    "Ignored": "対象外",
    # Stripe is the source of truth: outside refunds, reversals, alerts
    "email the buyer about refunds made outside": "外部で行われた返金も請求先にメールする",
    "A refund failed after it had succeeded": "成功した返金が後から失敗しました",
    "A refund was made outside invoicedesk": "invoicedesk以外で返金が行われました",
    "A duplicate refund was made at Stripe": "Stripeで重複した返金が行われました",
    "A refund has awaited Stripe's confirmation for over an hour": "返金が1時間以上Stripeの確認待ちです",
    "A payment differs from what was due": "支払額が請求額と異なります",
    "alert": "アラート",
    "Your role cannot acknowledge alerts.": "あなたの権限ではアラートを確認済みにできません。",
    "No such alert.": "該当するアラートはありません。",
    "Refund correction": "返金の訂正",
    "Sending": "送信中",
    "Refund made outside invoicedesk (Stripe Dashboard or another system), found at Stripe.": (
        "invoicedesk以外（Stripeダッシュボードや他のシステム）で行われた返金をStripeで確認しました。"
    ),
    "Duplicate refund at Stripe, made outside invoicedesk under the reference of refund %(ours)s.": (
        "Stripeでの重複返金：返金 %(ours)s の参照で、invoicedesk以外から行われました。"
    ),
    "Stripe reports the refund %(status)s after it had succeeded (%(reason)s). The amount is refundable again; "
    "Online Payment Link Status is now %(link_status)s.": (
        "成功していた返金について、Stripeから%(status)sとの報告がありました（%(reason)s）。"
        "この金額は再び返金可能です。オンライン決済リンクステータスは「%(link_status)s」になりました。"
    ),
    "Correction email delivered to %(email)s: the refund did not go through.": (
        "%(email)s に訂正メールを送信しました：返金は完了していません。"
    ),
    "Refund email to %(email)s not sent: the refund failed before it went out.": (
        "%(email)s への返金メールは送信していません：送信前に返金が失敗しました。"
    ),
    "Alerts": "アラート",
    "What Stripe did differently from our records, and what waits on Stripe too long. Acknowledge an alert once "
    "you have looked after it.": (
        "Stripeの記録と当社の記録の違いや、Stripeの応答待ちが長すぎるものです。対応が済んだら確認済みにしてください。"
    ),
    "Not acknowledged": "未確認",
    "All": "すべて表示",
    "Alert": "アラート",
    "Detail": "詳細",
    "Acknowledged by %(who)s, %(when)s": "%(who)sが確認済み（%(when)s）",
    "Acknowledge": "確認済みにする",
    "No alerts yet.": "アラートはまだありません。",
    "No open alerts.": "未確認のアラートはありません。",
    "Your role cannot see alerts.": "あなたの権限ではアラートを表示できません。",
    "Alert acknowledged.": "アラートを確認済みにしました。",
    "Stripe cannot charge less than %(minimum)s by card; this invoice is %(amount)s.": (
        "Stripeでは%(minimum)s未満のカード決済はできません。この請求書は%(amount)sです。"
    ),
    "Stripe cannot charge more than %(maximum)s in one card payment; this invoice is %(amount)s.": (
        "Stripeでは1回のカード決済で%(maximum)sを超える金額は決済できません。この請求書は%(amount)sです。"
    ),
    "Stripe charges %(currency)s only in amounts whose last decimal is 0.": (
        "Stripeでは%(currency)sは最後の桁が0の金額でのみ決済できます。"
    ),
    "This amount cannot be paid by card. Please contact the seller for another way to pay.": (
        "この金額はカードでお支払いいただけません。別のお支払い方法について販売者にお問い合わせください。"
    ),
    "%(n)s open alert": ("未確認のアラート %(n)s件",),
    "Alert to admins": "管理者へのアラート通知",
    # Approvals (maker-checker); labels from DESIGN.md §1
    "Cancel request": "依頼を取り消す",
    "Open approval": "承認画面を開く",
    "Approved. %(comment)s": "承認されました。%(comment)s",
    "Rejected; the amount is refundable again. %(comment)s": "却下されました。この金額は再び返金可能です。%(comment)s",
    "Request canceled by its requester; the amount is refundable again.": (
        "依頼者が依頼を取り消しました。この金額は再び返金可能です。"
    ),
    "Not approved within %(hours)s hours; the amount is refundable again.": (
        "%(hours)s時間以内に承認されませんでした。この金額は再び返金可能です。"
    ),
    "Comment (recorded in the history and the audit log)": "コメント（履歴と監査ログに記録されます）",
    "Your role cannot approve refunds.": "あなたの権限では返金を承認できません。",
    "Approved: the refund of %(amount)s is being sent to Stripe.": "承認しました：%(amount)sの返金をStripeに送信しています。",
    "Rejected: %(amount)s is refundable again.": "却下しました：%(amount)sは再び返金可能です。",
    "Choose Approve or Reject.": "承認または却下を選んでください。",
    "Request canceled: %(amount)s is refundable again.": "依頼を取り消しました：%(amount)sは再び返金可能です。",
    "This refund was already rejected by %(who)s at %(when)s.": "この返金は%(when)sに%(who)sが既に却下しています。",
    "This refund request was canceled by its requester at %(when)s.": "この返金依頼は%(when)sに依頼者が取り消しています。",
    "This refund request expired unapproved at %(when)s.": "この返金依頼は承認されないまま%(when)sに期限切れになりました。",
    "This refund was already approved by %(who)s at %(when)s.": "この返金は%(when)sに%(who)sが既に承認しています。",
    "You requested this refund: another approver must approve it.": (
        "この返金はあなたが依頼したものです。別の承認者が承認する必要があります。"
    ),
    "This refund request has expired; ask for a new one.": "この返金依頼は期限切れです。新たに依頼してください。",
    "This refund of %(amount)s can no longer be made: the Refundable Amount is now %(refundable)s. "
    "Reject it and ask for a new one.": (
        "%(amount)sの返金はもう実行できません：現在の返金可能額は%(refundable)sです。却下して新たに依頼してください。"
    ),
    "Your role cannot reject refunds.": "あなたの権限では返金を却下できません。",
    "Only its requester or an admin can cancel a refund request.": "返金依頼を取り消せるのは依頼者か管理者だけです。",
    "Your organization's policy holds this refund for approval by another person. Its amount is reserved now; "
    "the refund goes to Stripe once it is approved.": (
        "組織の設定により、この返金は別の承認者の承認が必要です。金額は今確保され、承認後にStripeへ送信されます。"
    ),
    "Approve refund": "返金の承認",
    "Approvals": "承認待ち",
    "What the operator confirmed": "依頼者が確認した内容",
    "Expires": "期限",
    "You requested this refund: another approver must approve it. You may reject it.": (
        "この返金はあなたが依頼したものです。別の承認者が承認する必要があります。却下は可能です。"
    ),
    "Reject": "却下",
    "Approve": "承認",
    "Refunds your organization's policy holds for a second person. Their amounts are reserved until someone "
    "decides; a request not decided in time expires and its amount is refundable again.": (
        "組織の設定により、別の承認者の承認を待っている返金です。判断されるまで金額は確保されます。"
        "期限内に判断されなかった依頼は期限切れとなり、金額は再び返金可能になります。"
    ),
    "Requested": "依頼から",
    "Time left": "残り時間",
    "%(hours)s hour": ("%(hours)s時間",),
    "less than an hour": "1時間未満",
    "No refunds wait for approval.": "承認待ちの返金はありません。",
    # Organization settings
    "Refunds of a threshold or more need approval": "一定額以上の返金は承認が必要",
    "Refund approval": "返金の承認",
    "Amount from which approval is needed": "承認が必要になる金額",
    "Share of the payment from which approval is needed (%)": "承認が必要になる支払額に対する割合（%）",
    "A request not decided within (hours) expires": "承認・却下されない依頼が期限切れになるまでの時間（時間）",
    "Email the buyer about refunds made outside invoicedesk (for example in the Stripe Dashboard)": (
        "invoicedesk以外（Stripeダッシュボードなど）で行われた返金も請求先にメールする"
    ),
    "Only admins can change the organization's settings.": "組織の設定を変更できるのは管理者だけです。",
    "Give an amount, a share of the payment, or both, for refunds that need approval.": (
        "承認が必要な返金の金額、支払額に対する割合、またはその両方を指定してください。"
    ),
    "Organization settings": "組織の設定",
    "Every change is recorded in the audit log.": "すべての変更は監査ログに記録されます。",
    "With a threshold, a refund of that amount or more — or of that share of the payment or more — waits for an "
    "approver. Either or both may be given.": (
        "しきい値を設定すると、その金額以上、または支払額に対してその割合以上の返金は承認者の承認を待ちます。"
        "どちらか一方、または両方を指定できます。"
    ),
    "Save settings": "設定を保存",
    "Settings saved.": "設定を保存しました。",
    "Settings": "設定",
    "Approval request": "承認依頼",
    "Approval decision": "承認の判断",
    # Audit log
    "From": "開始日",
    "To": "終了日",
    "Who (email)": "操作者（メールアドレス）",
    "Action": "操作",
    "Audit log": "監査ログ",
    "Every change to refunds, payment links, settings and alerts, and every sign-in, with who, when and from where. "
    "Entries cannot be changed or removed.": (
        "返金・決済リンク・設定・アラートのすべての変更と、すべてのログインを、誰が・いつ・どこから行ったかとともに"
        "記録しています。記録は変更も削除もできません。"
    ),
    "Who": "操作者",
    "Object": "対象",
    "Before": "変更前",
    "After": "変更後",
    "IP address": "IPアドレス",
    "Older entries": "さらに古い記録",
    "No entries match.": "該当する記録はありません。",
    "Only admins can read the audit log.": "監査ログを閲覧できるのは管理者だけです。",
    "Payment recorded from Stripe": "Stripeからの支払いの記録",
    "Refund requested": "返金の依頼",
    "Stripe's answer on a refund recorded": "返金に対するStripeの応答の記録",
    "Stripe refused a refund": "Stripeによる返金の拒否",
    "A refund made outside invoicedesk recorded": "invoicedesk以外で行われた返金の記録",
    "Alert acknowledged": "アラートの確認",
    "Refund approved": "返金の承認",
    "Refund rejected": "返金の却下",
    "Refund request canceled": "返金依頼の取消",
    "Refund request expired unapproved": "返金依頼の期限切れ（未承認）",
    "Organization settings changed": "組織の設定の変更",
    "Signed in": "ログイン",
    "Signed out": "ログアウト",
    "Added in the admin site": "管理サイトでの追加",
    "paid currency": "支払通貨",
    "Changed in the admin site": "管理サイトでの変更",
    "Deleted in the admin site": "管理サイトでの削除",
    "Failed sign-in": "ログインの失敗",
    # Access
    "Sign-in paused": "ログインを一時停止しています",
    "Too many failed sign-ins (%(limit)s) for this account or from this address.": (
        "このアカウント、またはこの接続元からのログイン失敗が多すぎます（%(limit)s回）。"
    ),
    "Try again in %(minutes)s minutes.": "%(minutes)s分後にもう一度お試しください。",
    "If you forgot your password, ask an admin of your organization.": (
        "パスワードを忘れた場合は、組織の管理者にお問い合わせください。"
    ),
    "Password changed": "パスワードを変更しました",
    "Change password": "パスワードの変更",
    # Members
    "Member invited": "メンバーの招待",
    "Member's role changed": "メンバーの権限の変更",
    "Member removed": "メンバーの削除",
    "Only admins can manage members.": "メンバーを管理できるのは管理者だけです。",
    "No such member.": "該当するメンバーはいません。",
    "An organization needs at least one admin: make someone else admin first.": (
        "組織には管理者が少なくとも1人必要です。先に別のメンバーを管理者にしてください。"
    ),
    "%(email)s is already a member.": "%(email)s は既にメンバーです。",
    "Members": "メンバー",
    "Change role": "権限を変更",
    "Remove": "削除",
    "Invite someone": "メンバーを招待",
    "Someone new gets an email with a link to set their password.": (
        "新しいメンバーには、パスワードを設定するリンクをメールでお送りします。"
    ),
    "Invite": "招待",
    "%(email)s was added.": "%(email)s を追加しました。",
    "Member removed.": "メンバーを削除しました。",
    "Choose a role.": "権限を選んでください。",
    "Role changed.": "権限を変更しました。",
    "Password set": "パスワードを設定しました",
    "Set your password": "パスワードの設定",
    "Set password": "パスワードを設定",
    "This link has been used or has expired. Ask an admin of your organization to invite you again.": (
        "このリンクは使用済みか期限切れです。組織の管理者にもう一度招待してもらってください。"
    ),
    # Operator experience (issue 10)
    "Demo data is loading": "デモデータを読み込み中",
    "Demo data is loading…": "デモデータを読み込んでいます…",
    "Its payments go through Stripe (localstripe). This page opens by itself when the data is in, usually within half a minute.": "支払いはStripe（localstripe）を通して行われます。データが揃うとこのページは自動的に開きます（通常30秒以内）。",
    "%(name)s is not a time zone (use an IANA name such as Asia/Tokyo).": (
        "%(name)sはタイムゾーンではありません（Asia/TokyoのようなIANAの名前で指定してください）。"
    ),
    "time zone": "タイムゾーン",
    "Time zone for pages and emails": "画面とメールのタイムゾーン",
    "Subject": "件名",
    "Reply-To": "返信先",
    "Plain text": "テキスト",
    "Email as the buyer sees it": "請求先が見るメール",
    "The buyer can no longer pay through this link: the Stripe Credit Card Payment Add-on is not active.": (
        "Stripeクレジットカード決済オプションが有効でないため、請求先はこのリンクから支払えません。"
    ),
    "Paid": "支払済み",
    "Refunded": "返金済み額",
    "%(refunded)s of %(paid)s": "%(paid)sのうち%(refunded)s",
    "The Stripe Credit Card Payment Add-on ended on %(date)s. Refunds of payments settled before then remain possible; new payment links cannot be issued.": (
        "Stripeクレジットカード決済オプションは%(date)sに終了しました。それまでに決済された支払いは引き続き返金できますが、"
        "新しい決済リンクは発行できません。"
    ),
    "The Stripe Credit Card Payment Add-on starts on %(date)s; payment links can be issued from then on.": (
        "Stripeクレジットカード決済オプションは%(date)sに開始します。それ以降に決済リンクを発行できます。"
    ),
    "Your organization has no Stripe Credit Card Payment Add-on: payment links cannot be issued.": (
        "Stripeクレジットカード決済オプションの契約がないため、決済リンクは発行できません。"
    ),
    "Needs an active Stripe Credit Card Payment Add-on.": "有効なStripeクレジットカード決済オプションが必要です。",
    "Open email": "メールを開く",
    "No such email.": "該当するメールはありません。",
    "Stripe Credit Card Payment Add-on": "Stripeクレジットカード決済オプション",
    "Card payments: on": "カード決済：有効",
    "Card payments: ended %(date)s": "カード決済：%(date)sに終了",
    "Card payments: off": "カード決済：無効",
    "Recipient": "宛先",
    "Language": "言語",
    "%(value)s is not a registration number: it must start with T.": "%(value)sは登録番号ではありません。Tで始まります。",
    "%(value)s is not a registration number: after the T come digits only.": (
        "%(value)sは登録番号ではありません。Tの後は数字のみです。"
    ),
    "%(value)s is not a registration number: it is T and 13 digits.": (
        "%(value)sは登録番号ではありません。Tと13桁の数字です。"
    ),
    "%(value)s is not a registration number: its check digit (the first digit after T) does not match the other twelve. Check it against the registration notice.": (
        "%(value)sは登録番号ではありません。チェックデジット（Tの次の1桁）が残りの12桁と合いません。"
        "登録通知書と照らし合わせてください。"
    ),
    "Round down": "切り捨て",
    "Round half up": "四捨五入",
    "Round up": "切り上げ",
    "registration number": "登録番号",
    "name on qualified invoices": "適格請求書に記載する名称",
    "address on qualified invoices": "適格請求書に記載する住所",
    "consumption tax rounding": "消費税の端数処理",
    "Qualified invoice issuer registration number": "適格請求書発行事業者の登録番号",
    "T and 13 digits, e.g. T7000012050002.": "Tと13桁の数字（例：T7000012050002）。",
    "Name on qualified invoices": "適格請求書に記載する名称",
    "Address on qualified invoices": "適格請求書に記載する住所",
    "Consumption tax rounding (once per rate per document)": "消費税の端数処理（税率ごと・書類ごとに1回）",
    "10%": "10%",
    "8% (reduced)": "8%（軽減税率）",
    "0% / exempt": "0%／非課税",
    "description": "内容",
    "amount excluding tax": "税抜金額",
    "tax rate": "税率",
    # ---- branch search: the Search box, unambiguous amounts (issue 10, items 3 and 4)
    "Enter the amount as a number.": "金額は数字で入力してください。",
    "Use the digits 0-9 (full-width ０-９ are fine).": "数字は0〜9（全角の０〜９も可）で入力してください。",
    "“%(mark)s” is not %(currency)s: this amount is in %(currency)s.": (
        "「%(mark)s」は%(currency)sではありません。この金額は%(currency)sです。"
    ),
    "%(currency)s has no fractional unit (and a dot does not separate thousands): enter a whole number.": (
        "%(currency)sには小数の単位がありません（ピリオドは桁区切りにも使えません）。整数で入力してください。"
    ),
    "Commas separate thousands, in groups of three digits from the right%(decimals)s.": (
        "カンマは桁区切りです。右から3桁ごとに入れてください%(decimals)s。"
    ),
    ", and a dot starts the decimals": "（小数点はピリオド）",
    "Write it like %(plain)s, %(grouped)s or %(formatted)s.": "%(plain)s、%(grouped)s、%(formatted)s のように入力してください。",
    "Invoice No., company, contact, email, amount, card's last 4 digits, or a Stripe id (pi_…, ch_…, re_…)": (
        "請求書番号、会社名、担当者名、メールアドレス、金額、カード下4桁、またはStripe ID（pi_…、ch_…、re_…）"
    ),
    "Contact": "担当者",
    "Email": "メール",
    "Stripe payment": "Stripe決済",
    "Stripe charge": "Stripe課金",
    "Stripe refund": "Stripe返金",
    "Card": "カード",
    "card brand": "カードブランド",
    "card last four digits": "カード下4桁",
    "Refund in progress": "返金処理中",
    "Refund failed": "返金失敗",
    "Refund awaiting approval": "返金承認待ち",
    "Refunded from": "返金日（から）",
    "Refunded to": "返金日（まで）",
    "Refund Amount from": "返金額（から）",
    "Refund Amount to": "返金額（まで）",
    "Search refunds": "返金を検索",
    "Refund date": "返金日",
    "Older refunds": "さらに前の返金",
    "No refunds match this search.": "該当する返金はありません。",
    "Requested at": "依頼日時",
    "issue a return invoice for every refund": "すべての返金に返還請求書を発行する",
    "Issue a qualified return invoice for every refund (not only from 10,000 JPY)": (
        "すべての返金に適格返還請求書を発行する（1万円以上の返金に限らない）"
    ),
    "Qualified return invoice": "適格返還請求書",
    "Corrected qualified return invoice": "適格返還請求書（修正）",
    "document number": "書類番号",
    "No such document.": "該当する書類はありません。",
    # perf
    "Back to the newest entries": "最新の履歴に戻る",
    # --- branch api: the REST API and API keys
    "API keys": "APIキー",
    "API key created": "APIキーの作成",
    "API key revoked": "APIキーの無効化",
    "API key used from a new IP address": "新しいIPアドレスからのAPIキーの利用",
    "A key lets a program use the invoicedesk API as you, in %(organization)s, with your role there (%(role)s). Send it as <code>Authorization: Bearer &lt;key&gt;</code>.": (
        "キーを使うと、プログラムがあなたとして %(organization)s の invoicedesk API を、そこでのあなたの権限（%(role)s）で使えます。"
        "<code>Authorization: Bearer &lt;キー&gt;</code> として送ってください。"
    ),
    "API documentation": "APIドキュメント",
    "Your new API key": "新しいAPIキー",
    "Copy it now: it is shown only once and cannot be shown again.": "今すぐコピーしてください。表示されるのは一度だけで、再表示はできません。",
    "New API key": "APIキーを作成",
    "Create API key": "APIキーを作成",
    "Your API keys": "あなたのAPIキー",
    "Key": "キー",
    "Name": "名前",
    "Created": "作成日時",
    "Last used": "最終使用",
    "Never": "なし",
    "Revoked %(when)s": "%(when)s に無効化",
    "Revoke": "無効化",
    "You have no API keys.": "APIキーはまだありません。",
    "What will use the key, e.g. “order system”.": "キーを使うもの（例：「受注システム」）。",
    "Expires on (optional)": "有効期限（任意）",
    "prefix": "プレフィックス",
    "created": "作成日時",
    "expires": "有効期限",
    "revoked": "無効化日時",
    "last used": "最終使用日時",
    "Give the key a name, e.g. the system that will use it.": "キーに名前を付けてください（例：使うシステムの名前）。",
    "The expiry date must be in the future.": "有効期限は未来の日付にしてください。",
    "No such API key.": "このAPIキーは見つかりません。",
    "The API key “%(name)s” was revoked.": "APIキー「%(name)s」を無効化しました。",
    "This API key is not valid: it is unknown, revoked or expired.": "このAPIキーは無効です（不明、無効化済み、または期限切れ）。",
    "Send an API key: Authorization: Bearer <key>.": "APIキーを送ってください：Authorization: Bearer <キー>",
    "The request is not valid: %(problem)s": "リクエストが正しくありません：%(problem)s",
    "Too many requests with this API key. Try again in %(seconds)s seconds.": (
        "このAPIキーからのリクエストが多すぎます。%(seconds)s秒後にもう一度お試しください。"
    ),
    "This cursor leads nowhere: use next_cursor as it was given.": "このカーソルは無効です。next_cursor を受け取ったまま使ってください。",
    "This Idempotency-Key was already used with a different request. Use a new key for a new refund.": (
        "この Idempotency-Key は別の内容のリクエストで使用済みです。新しい返金には新しいキーを使ってください。"
    ),
    "This payment was made in %(paid)s; a refund returns %(paid)s, not %(asked)s.": (
        "この決済は %(paid)s で行われました。返金も %(asked)s ではなく %(paid)s で行われます。"
    ),
    "This form was already used to request a refund of %(amount)s, so %(asked)s was not refunded. To make another refund, close the form and open the Refund form again.": (
        "このフォームでは既に %(amount)s の返金を依頼済みのため、%(asked)s は返金されていません。"
        "別の返金を行うには、フォームを閉じて返金フォームを開き直してください。"
    ),
    "This refund was sent to Stripe without waiting for approval: it can no longer be canceled, approved or rejected, and its status follows Stripe's answer.": (
        "この返金は承認を待たずにStripeへ送信済みのため、取り消し・承認・却下はできません。ステータスはStripeの応答に従って更新されます。"
    ),
    "By consumption tax rate (as the return invoice will state it)": "消費税率ごと（適格返還請求書の記載どおり）",
    "of which tax": "うち消費税",
    "At %(rate)s%%": "%(rate)s%%分",
    "Split by tax rate (optional: empty boxes split it pro rata)": "税率ごとの内訳（任意。空欄なら按分します）",
    "Split the refund only over this invoice's tax rates.": "この請求書の税率だけで内訳を指定してください。",
    "The amounts per tax rate must add up to the Refund Amount of %(amount)s.": (
        "税率ごとの金額の合計を返金額%(amount)sに合わせてください。"
    ),
    "More than remains at a tax rate: each rate can return at most what is left of it.": (
        "税率ごとの残額を超えています。各税率で返金できるのは残っている金額までです。"
    ),
    "Return invoice issued": "適格返還請求書の発行",
    "Return invoice corrected": "適格返還請求書の訂正",
    "%(amount)s awaiting approval (requested by %(requester)s at %(time)s)": "%(amount)s 承認待ち（%(requester)sが%(time)sに依頼）",
    "%(amount)s awaiting approval": "%(amount)s 承認待ち",
    "%(amount)s awaiting Stripe": "%(amount)s Stripeの確認待ち",
    "%(paid)s paid − %(refunded)s refunded − %(held)s held": "支払済み金額 %(paid)s − 返金済み額 %(refunded)s − 保留中 %(held)s",
    "Held": "保留中",
    "%(held)s is held by refunds awaiting approval or Stripe.": "%(held)sは承認待ちまたはStripeの確認待ちの返金で保留中です。",
    "awaiting approval": "承認待ち",
    "awaiting Stripe": "Stripeの確認待ち",
    "daily refund limit per person": "1人あたりの1日の返金上限",
    "Daily limit per person without approval (optional)": "承認なしで返金できる1人1日あたりの上限（任意）",
    "What one person may refund per day without an approver; their refunds past it wait for approval, whatever the policy above.": "1人が承認者なしで1日に返金できる金額です。これを超える返金は、上の承認ルールにかかわらず承認待ちになります。",
    "With a threshold, a refund waits for an approver when, with it, the payment will have returned that amount or more — or that share of what was paid or more — counting what was already refunded and what is held or in flight. Splitting a refund into smaller ones does not pass it. Either or both may be given.": "しきい値を設定すると、その返金を含めた決済全体の返金額（返金済み・保留中・処理中を含む）がその金額以上、または支払額に対するその割合以上になる返金は承認待ちになります。返金を小分けにしても承認は省けません。どちらか一方、または両方を設定できます。",
    "The organization's policy holds every refund for approval.": "組織の設定により、すべての返金は承認待ちになります。",
    "With this refund %(returned)s of %(paid)s will have been returned: at or above the organization's %(threshold)s approval threshold.": "この返金で、%(paid)sのうち%(returned)sが返金されることになります。組織の承認しきい値%(threshold)s以上です。",
    "With this refund %(returned)s of %(paid)s (%(share)s%%) will have been returned: at or above the organization's approval threshold of %(threshold)s%% of the payment.": "この返金で、%(paid)sのうち%(returned)s（%(share)s%%）が返金されることになります。組織の承認しきい値（支払額の%(threshold)s%%）以上です。",
    "With this refund, the refunds you made today without approval come to %(today)s: above the organization's limit of %(limit)s per person per day.": "この返金で、本日あなたが承認なしで行った返金は%(today)sになります。組織の1人1日あたりの上限%(limit)sを超えています。",
    "The organization's daily limit per person is in %(limit_currency)s; a refund in %(currency)s cannot be weighed against it, so it waits for approval.": "組織の1人1日あたりの上限は%(limit_currency)s建てです。%(currency)s建ての返金はこの上限と比べられないため、承認待ちになります。",
    "in the Stripe Dashboard": "Stripeダッシュボードで",
    "by %(who)s": "%(who)sにより",
    "%(amount)s was refunded at %(when)s %(who)s": "%(when)sに%(who)s%(amount)sが返金されました",
    "a refund of %(amount)s was requested at %(when)s %(who)s and awaits approval": "%(when)sに%(who)s%(amount)sの返金が依頼され、承認待ちです",
    "a refund of %(amount)s was requested at %(when)s %(who)s and is awaiting Stripe": "%(when)sに%(who)s%(amount)sの返金が依頼され、Stripeの確認待ちです",
    "a refund of %(amount)s failed at %(when)s": "%(when)sに%(amount)sの返金が失敗しました",
    "a refund request of %(amount)s was rejected at %(when)s": "%(when)sに%(amount)sの返金依頼が却下されました",
    "a refund request of %(amount)s expired at %(when)s": "%(when)sに%(amount)sの返金依頼が期限切れになりました",
    "a refund of %(amount)s was canceled at %(when)s": "%(when)sに%(amount)sの返金が取り消されました",
    "This payment changed after the form was opened: %(what)s. The Refundable Amount is now %(refundable)s.": "フォームを開いた後にこの決済が変わりました：%(what)s。現在の返金可能額は%(refundable)sです。",
    "its refunds changed": "返金の状況が変わりました",
    "This payment changed: you expected a Refundable Amount of %(expected)s, it is now %(refundable)s. Check the payment's refunds and ask again.": "この決済は変わりました。想定の返金可能額は%(expected)sでしたが、現在は%(refundable)sです。決済の返金を確認して、もう一度依頼してください。",
    "A refund of %(amount)s was already requested on this payment at %(when)s %(who)s. If the buyer is owed %(amount)s again, confirm that this is a second refund.": "この決済では%(when)sに%(who)s%(amount)sの返金がすでに依頼されています。もう一度%(amount)sを返金する必要がある場合は、2回目の返金であることを確認してください。",
    "Yes, refund this amount again: the buyer is owed two separate returns": "はい、同じ金額をもう一度返金します（請求先への返金が2回分あります）",
    "You confirmed that %(amount)s is refunded again on this payment.": "この決済で%(amount)sをもう一度返金することを確認しました。",
    "Why it waits for approval": "承認待ちの理由",
    "Yes, refund %(amount)s again: the buyer is owed two separate returns": "はい、%(amount)sをもう一度返金します（請求先への返金が2回分あります）",
    "The audit trail does not verify: a record was changed or removed": (
        "監査ログの検証に失敗しました：記録が変更または削除されています"
    ),
    "Not verified yet: the worker verifies the chain of entries every night.": (
        "まだ検証されていません。ワーカーが毎晩、記録の連鎖を検証します。"
    ),
    "Last verified %(when)s: every entry holds.": "最終検証 %(when)s：すべての記録が検証されました。",
    "Last verified %(when)s: the chain does not hold from entry #%(entry)s (changed or removed in the database). Admins have an alert.": (
        "最終検証 %(when)s：記録 #%(entry)s から連鎖が一致しません（データベースで変更または削除されています）。"
        "管理者にアラートを通知しました。"
    ),
    "Last verified %(when)s: entries were removed from the end of the chain. Admins have an alert.": (
        "最終検証 %(when)s：連鎖の末尾から記録が削除されています。管理者にアラートを通知しました。"
    ),
    "Too many failed sign-ins for this account.": "このアカウントへのログイン失敗が多すぎます。",
    "Your organization requires two-factor sign-in for approvers and admins: enter a code from your authenticator app first.": "この組織では承認者と管理者に2段階認証が必要です。先に認証アプリのコードを入力してください。",
    "require two-factor sign-in for approvers and admins": "承認者と管理者に2段階認証を必須にする",
    "Two-factor sign-in set up": "2段階認証を設定",
    "Recovery codes made": "リカバリーコードを発行",
    "Signed in with a recovery code": "リカバリーコードでサインイン",
    "Wrong two-factor code": "2段階認証のコード誤り",
    "Member's two-factor sign-in reset": "メンバーの2段階認証をリセット",
    "Require two-factor sign-in for approvers and admins": "承認者と管理者に2段階認証を必須にする",
    "Approving refunds, changing settings and members, and making API keys then need a code from an authenticator app in this session; API keys cannot approve.": "返金の承認、設定とメンバーの変更、APIキーの作成には、そのセッションで認証アプリのコードの入力が必要になります。APIキーでは承認できません。",
    "Two-factor sign-in is already set up.": "2段階認証はすでに設定されています。",
    "Set up two-factor sign-in first.": "先に2段階認証を設定してください。",
    "Enter a code from your authenticator app first.": "先に認証アプリのコードを入力してください。",
    "%(email)s also belongs to another organization: ask support to reset their two-factor sign-in.": "%(email)s は他の組織にも所属しています。2段階認証のリセットはサポートに依頼してください。",
    "%(email)s has not set up two-factor sign-in.": "%(email)s は2段階認証を設定していません。",
    "Code": "コード",
    "That code is not right. Check your phone's clock and enter the code now shown.": "コードが正しくありません。スマートフォンの時刻を確認し、いま表示されているコードを入力してください。",
    "Two-factor sign-in is on.": "2段階認証を有効にしました。",
    "Too many wrong codes: wait a little and try again.": "誤ったコードが続いたため、少し待ってからもう一度お試しください。",
    "That code is not right.": "コードが正しくありません。",
    "New recovery codes made: the old ones no longer work.": "新しいリカバリーコードを発行しました。以前のコードは使えません。",
    "Two-factor sign-in reset: they set it up again at their next approval or settings change.": "2段階認証をリセットしました。次の承認または設定変更のときに、本人が設定し直します。",
    "Two-factor sign-in": "2段階認証",
    "Your organization requires two-factor sign-in for approvers and admins.": "この組織では承認者と管理者に2段階認証が必要です。",
    "Set it up": "設定する",
    "Enter your code": "コードを入力",
    "Your recovery codes": "リカバリーコード",
    "Keep them somewhere safe now: they are shown only once. Each code signs you in once if you do not have your phone.": "いま安全な場所に保管してください。表示は一度だけです。スマートフォンが手元にないとき、各コードで1回サインインできます。",
    "Continue": "続ける",
    "Two-factor sign-in is on: after your password, you enter a code from your authenticator app.": "2段階認証は有効です。パスワードの後に認証アプリのコードを入力します。",
    "Lost your recovery codes or used most of them? New ones replace all the old ones.": "リカバリーコードをなくした、またはほとんど使った場合は、新しいコードを発行できます。以前のコードはすべて無効になります。",
    "Make new recovery codes": "リカバリーコードを再発行",
    "Lost your phone? An admin of your organization can reset your two-factor sign-in on Settings › Members.": "スマートフォンをなくした場合は、組織の管理者が「設定 › メンバー」で2段階認証をリセットできます。",
    "Set up your authenticator app": "認証アプリの設定",
    "In an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …), add an account by scanning this code:": "認証アプリ（Google Authenticator、Microsoft Authenticator、1Password など）で、このコードを読み取ってアカウントを追加してください：",
    "Or type this key into the app (time-based, 6 digits):": "または、このキーをアプリに入力してください（時間ベース、6桁）：",
    "Setup link": "設定用リンク",
    "Enter the 6-digit code the app shows now:": "アプリにいま表示されている6桁のコードを入力してください：",
    "Turn on two-factor sign-in": "2段階認証を有効にする",
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes.": "認証アプリの6桁のコード、またはリカバリーコードのいずれかを入力してください。",
    "Verify": "確認",
    "Reset two-factor sign-in": "2段階認証をリセット",
    "Two-factor": "2段階認証",
    "On": "有効",
    # Accounting export (issue 22)
    "Accountant": "経理担当者",
    "Accounting export downloaded": "会計データを出力",
    "Accounting settings changed": "勘定科目の設定を変更",
    "Accounting export": "会計データ出力",
    "Tax included (税込経理)": "税込経理",
    "Tax excluded (税抜経理)": "税抜経理",
    "consumption tax accounting": "消費税の経理方式",
    "account holding Stripe's funds": "Stripeの残高を計上する勘定科目",
    "its sub-account": "その補助科目",
    "receivable account": "売掛金の勘定科目",
    "sales returns account": "売上値引・返品の勘定科目",
    "Stripe fee account": "Stripe手数料の勘定科目",
    "consumption tax account": "消費税の勘定科目（税抜経理）",
    "tax category of returns at 10%": "返還（10%）の税区分",
    "tax category of returns at 8% (reduced)": "返還（軽減8%）の税区分",
    "tax category of Stripe fees": "Stripe手数料の税区分",
    "tax category outside consumption tax": "対象外の税区分",
    "Stripe fee": "Stripe手数料",
    "Format": "形式",
    "Export at most %(days)s days at a time.": "一度に出力できるのは%(days)s日分までです。",
    "freee会計 (journal import, UTF-8)": "freee会計（仕訳インポート、UTF-8）",
    "マネーフォワード クラウド会計 (仕訳帳インポート, Shift_JIS)": "マネーフォワード クラウド会計（仕訳帳インポート、Shift_JIS）",
    "弥生会計 (仕訳日記帳 import, Shift_JIS)": "弥生会計（仕訳日記帳インポート、Shift_JIS）",
    "Plain CSV (UTF-8)": "汎用CSV（UTF-8）",
    "JSON": "JSON",
    "Only admins and accountants can export the books.": "会計データを出力できるのは管理者と経理担当者だけです。",
    "Only admins can change the account names.": "勘定科目を変更できるのは管理者だけです。",
    "Account names saved.": "勘定科目を保存しました。",
    "Account names not saved: %(errors)s": "勘定科目を保存できませんでした：%(errors)s",
    "Give a period of 1 to %(days)s days, the end not before the start.": "期間は1日から%(days)s日までで、終了日は開始日以降にしてください。",
    "Journal entries of the period: payments received through Stripe, Stripe's fee of each, refunds per consumption tax rate, and refunds that failed after they had succeeded. Every download is recorded in the audit log.": "期間内の仕訳：Stripeで受け取った決済、その手数料、税率ごとの返金、成功後に失敗した返金の取消。出力はすべて監査ログに記録されます。",
    "Preview": "プレビュー",
    "Download": "ダウンロード",
    "%(n)s character cannot be written in Shift_JIS and appears as 〓 in the file:": (
        "%(n)s文字はShift_JISで書けないため、ファイルでは〓になります：",
    ),
    "entry %(entry)s, %(column)s: “%(character)s”": "仕訳%(entry)s、%(column)s：「%(character)s」",
    "The first line of the file:": ("ファイルの先頭%(n)s行：",),
    "Nothing to journal in this period.": "この期間に仕訳はありません。",
    "Account names": "勘定科目",
    "Use the names registered in your accounting software: it matches them exactly on import.": "会計ソフトに登録している名称を使ってください。取り込み時は完全一致で照合されます。",
    "Save account names": "勘定科目を保存",
    "Not understood": "リクエストを処理できません",
    "This address is not one the pages make: “%(name)s” must be a positive whole number.": (
        "このアドレスは画面のリンクによるものではありません。「%(name)s」は正の整数で指定してください。"
    ),
    "This page link is not valid. Go back to the first page of the list.": (
        "このページのリンクは無効です。一覧の最初のページに戻ってください。"
    ),
    "Choose an organization from the list.": "一覧から組織を選んでください。",
    "The amount is too large: at most %(max)s.": "金額が大きすぎます（上限は%(max)sです）。",
    "The request body is larger than %(limit)s bytes.": "リクエストの本文が%(limit)sバイトを超えています。",
    "Not checked yet": "未確認",
    "Registered": "登録あり",
    "Not in the registry": "公表サイトに登録なし",
    "The registry did not answer": "公表システムから応答がありません",
    "registry status": "公表サイトでの状況",
    "name as registered": "登録上の氏名・名称",
    "registration date": "登録年月日",
    "cancellation date": "取消・失効年月日",
    "expiry date": "失効年月日",
    "checked at": "確認日時",
    "A buyer's registration number was not valid on the sale's date": "請求先の登録番号が取引日に有効ではありませんでした",
    "The organization's own registration number is not valid in the National Tax Agency's registry": "自社の登録番号が国税庁の公表サイトで有効ではありません",
    "The National Tax Agency's registry does not list this number as valid today. Return invoices issued with it cannot be used by buyers for input tax credit: check the number, or your registration.": "国税庁の公表サイトでは、この登録番号は本日時点で有効ではありません。この番号で発行した返還インボイスは、請求先が仕入税額控除に使えません。番号または登録状況を確認してください。",
    "The buyer's registration number %(number)s is not in the National Tax Agency's registry. The buyer cannot use this invoice or its return invoice for input tax credit.": "請求先の登録番号 %(number)s は国税庁の適格請求書発行事業者公表サイトに登録されていません。請求先はこの請求書と返還インボイスで仕入税額控除を受けられません。",
    "The buyer's registration number %(number)s was canceled on %(ended)s, before the sale of %(sale)s. The buyer cannot use this invoice or its return invoice for input tax credit.": "請求先の登録番号 %(number)s は、取引日 %(sale)s より前の %(ended)s に取消または失効しています。請求先はこの請求書と返還インボイスで仕入税額控除を受けられません。",
    "The buyer's registration number %(number)s was not yet registered on the sale's date %(sale)s.": "請求先の登録番号 %(number)s は、取引日 %(sale)s にはまだ登録されていませんでした。",
    "Registered as": "登録名",
    "registered": "登録",
    "canceled": "取消・失効",
    "The buyer's registration number %(number)s was not valid on the sale's date.": "請求先の登録番号 %(number)s は取引日に有効ではありませんでした。",
    "Registration numbers in the National Tax Agency's registry": "国税庁の公表サイトによる登録番号の確認",
    "The check is off: no National Tax Agency application ID (NTA_APP_ID) is configured. Registration numbers are not checked against the registry.": "確認はオフです：国税庁のアプリケーションID（NTA_APP_ID）が設定されていません。登録番号は公表サイトで確認されません。",
    "The check is on: your number and your buyers' numbers are looked up when entered, and checked every night for changes.": "確認はオンです：自社と請求先の登録番号は、入力時に照会され、毎晩変更が確認されます。",
    # issue 21: the dialog and buttons
    "Request approval": "承認を依頼",
    "Your role can view refunds; ask an operator to refund.": "あなたの権限では返金の閲覧のみできます。返金はオペレーターに依頼してください。",
    "You": "あなた",
    # issue 21: the Audit log in people's words
    "Changes": "変更内容",
    "The CSV export keeps each entry's stored values as they are.": "CSV出力には各記録の保存値がそのまま含まれます。",
    "%(label)s: %(before)s → %(after)s": "%(label)s：%(before)s → %(after)s",
    "%(label)s: %(value)s": "%(label)s：%(value)s",
    "Refund of %(amount)s on %(number)s": "%(number)sの返金 %(amount)s",
    "Online Payment Link of %(number)s": "%(number)sのオンライン決済リンク",
    "Qualified return invoice %(document)s on %(number)s": "%(number)sの適格返還請求書 %(document)s",
    "Settings of %(name)s": "%(name)sの設定",
    "Member %(email)s": "メンバー %(email)s",
    "Alert: %(kind)s": "アラート：%(kind)s",
    "Stripe's code": "Stripeのコード",
    "Comment": "コメント",
    "Possible duplicate of": "重複の可能性がある返金",
    "New account": "新規アカウント",
    "API keys revoked": "無効にしたAPIキー",
    "Acknowledged": "確認済み",
    "Document number": "書類番号",
    "Corrects": "訂正対象",
    "Amounts by tax rate": "税率ごとの金額",
    "Key prefix": "キーの接頭辞",
    "Yes": "はい",
    "No": "いいえ",
    "%(rate)s%%: %(amount)s (tax %(tax)s)": "%(rate)s%%：%(amount)s（うち消費税 %(tax)s）",
    "API key": "APIキー",
    "User": "ユーザー",
    # issue 21: emails
    "Sender": "差出人",
    "Attachments": "添付ファイル",
    # issue 21: small screens
    "Filters": "絞り込み",
    # issue 21: invoice lines
    "what is billed": "請求内容",
    "What is billed": "請求内容",
    "quantity": "数量",
    "unit price": "単価",
    "Invoice lines": "請求明細",
    "Description": "品目",
    "Quantity": "数量",
    "Unit price": "単価（税抜）",
    "Tax rate": "税率",
    "Amount (excl. tax)": "金額（税抜）",
    "※ marks the reduced tax rate.": "※は軽減税率（8%）対象です。",
    "Tax is computed once per rate on the invoice's total at that rate.": "消費税は税率ごとの合計額に対して計算しています。",
    # issue 21: the wording pass
    "Enter the amount to <strong>return</strong> to the buyer, not the balance to keep. Example: to return %(example)s of %(total)s, enter %(enter)s, not %(wrong)s.": "請求先に<strong>返金する金額</strong>を入力してください（残す金額ではありません）。例：%(total)sのうち%(example)sを返金する場合は %(wrong)s ではなく %(enter)s と入力します。",
    "tab\x04Refunds": "返金一覧",
    # Disputes (issue 20)
    "Inquiry: response needed": "照会：回答が必要",
    "Inquiry: under review": "照会：審査中",
    "Inquiry closed": "照会終了",
    "Response needed": "回答が必要",
    "Under review": "審査中",
    "Appeal: response needed": "再審査：回答が必要",
    "Appeal: under review": "再審査：審査中",
    "Won": "勝訴（売上確定）",
    "Lost": "敗訴（返還確定）",
    "Prevented": "回避済み",
    "Bank cannot process": "銀行で処理不能",
    "Check returned": "小切手の返却",
    "Credit not processed": "返金が処理されていない",
    "Customer initiated": "顧客による申し立て",
    "Debit not authorized": "承認されていない引き落とし",
    "General": "一般",
    "Incorrect account details": "口座情報の誤り",
    "Insufficient funds": "残高不足",
    "Noncompliant": "規約違反",
    "Product not received": "商品未着",
    "Product unacceptable": "商品の不備",
    "Subscription canceled": "定期契約の解約済み",
    "Unrecognized": "身に覚えのない請求",
    "disputed amount": "異議申し立て額",
    "respond by": "回答期限",
    "Dispute": "異議申し立て",
    "The buyer's bank opened a dispute of %(amount)s (%(reason)s): %(status)s. Respond in Stripe by %(due)s.": (
        "購入者の銀行が %(amount)s の異議申し立て（%(reason)s）を開始しました：%(status)s。"
        "%(due)s までに Stripe で回答してください。"
    ),
    "Dispute of %(amount)s: %(status)s.": "%(amount)s の異議申し立て：%(status)s。",
    "Dispute won: the disputed %(amount)s is back and refundable again.": (
        "異議申し立てに勝ちました：%(amount)s が戻り、再び返金できます。"
    ),
    "Dispute lost: the buyer's bank keeps %(amount)s; it is no longer refundable.": (
        "異議申し立てに負けました：%(amount)s は購入者の銀行に返還され、返金できません。"
    ),
    "Stripe refused the refund because the payment is disputed; the dispute is now recorded here.": (
        "支払いに異議申し立てがあるため Stripe が返金を拒否しました。異議申し立てをここに記録しました。"
    ),
    "The buyer's bank opened a dispute on a payment": "購入者の銀行が支払いに異議申し立てを行いました",
    "A dispute must be answered in Stripe within 3 days": "3日以内に Stripe で異議申し立てに回答する必要があります",
    "Nothing is left to refund: the rest of this payment was lost in a dispute.": (
        "返金できる金額はありません：この支払いの残りは異議申し立てで返還されました。"
    ),
    "The buyer's bank has disputed %(amount)s of this payment, and Stripe refuses refunds of a disputed "
    "payment. Respond to the dispute in Stripe by %(due)s.": (
        "購入者の銀行がこの支払いのうち %(amount)s に異議を申し立てており、Stripe は異議申し立て中の支払いの返金を"
        "受け付けません。%(due)s までに Stripe で異議申し立てに回答してください。"
    ),
    "The buyer's bank has disputed %(amount)s of this payment, and Stripe refuses refunds of a disputed payment. "
    "See the dispute in Stripe.": (
        "購入者の銀行がこの支払いのうち %(amount)s に異議を申し立てており、Stripe は異議申し立て中の支払いの返金を"
        "受け付けません。Stripe で異議申し立てを確認してください。"
    ),
    "The buyer's bank has opened a dispute of %(amount)s on this payment, and Stripe still allows a refund. "
    "A full refund stops any further withdrawal for this dispute, and Stripe closes it once the money is back; "
    "a partial refund leaves the dispute open.": (
        "購入者の銀行がこの支払いに %(amount)s の異議申し立て（照会）を開始しましたが、Stripe はまだ返金を受け付けます。"
        "全額返金すると、この異議申し立てによる以後の引き落としは止まり、返金後に Stripe が異議申し立てを終了します。"
        "一部返金では異議申し立ては続きます。"
    ),
    "Disputed %(amount)s — respond in Stripe by %(due)s": "異議申し立て %(amount)s — %(due)s までに Stripe で回答",
    "Disputed %(amount)s": "異議申し立て %(amount)s",
    "Open in Stripe": "Stripeで開く",
    # Pending refunds in words (issue 20)
    "Stripe is processing the refund": "Stripeが返金を処理中です",
    "waiting: the Stripe account's balance is not enough; Stripe will take it from the bank account": (
        "待機中：Stripeアカウントの残高が不足しています。Stripeが銀行口座から引き落とします"
    ),
    "waiting: the payment itself has not settled at Stripe yet": "待機中：支払い自体がまだStripeで確定していません",
    "Stripe says: %(reason)s.": "Stripeより：%(reason)s。",
    "A refund waits: the Stripe account's balance is not enough": "返金が待機中：Stripeアカウントの残高が不足しています",
    "Stripe accepted the refund of %(amount)s; %(reason)s.": "Stripeは %(amount)s の返金を受け付けました。%(reason)s。",
    # Connect onboarding (issue 20)
    "Stripe account connected": "Stripeアカウントの接続",
    "Only admins can connect a Stripe account.": "Stripeアカウントを接続できるのは管理者のみです。",
    "Stripe did not open the onboarding: %(message)s": "Stripeのオンボーディングを開けませんでした：%(message)s",
    "Stripe did not answer yet: %(message)s": "Stripeからまだ応答がありません：%(message)s",
    "Stripe account": "Stripeアカウント",
    "Account": "アカウント",
    "State": "状態",
    "Not described by Stripe yet.": "Stripeからまだ状態を取得していません。",
    "Charges and payouts are enabled.": "決済（Charges）と入金（Payouts）が有効です。",
    "Onboarding is not finished: Stripe still needs the account's details.": (
        "オンボーディングが完了していません：Stripeはまだアカウントの情報を必要としています。"
    ),
    "Charges are enabled.": "決済（Charges）は有効です。",
    "Charges are not enabled.": "決済（Charges）は有効ではありません。",
    "Payouts are enabled.": "入金（Payouts）は有効です。",
    "Payouts are not enabled.": "入金（Payouts）は有効ではありません。",
    "Stripe still asks for": "Stripeが求めている情報",
    "Continue onboarding at Stripe": "Stripeでオンボーディングを続ける",
    "No Stripe account of this organization is connected: payments are taken on the platform's own Stripe account.": (
        "この組織のStripeアカウントは接続されていません：決済はプラットフォーム自身のStripeアカウントで受け付けます。"
    ),
    "Connect a Stripe account": "Stripeアカウントを接続",
    "Stripe disabled charges on the organization's Stripe account": "Stripeが組織のStripeアカウントの決済を無効にしました",
    "The organization's Stripe account was disconnected": "組織のStripeアカウントの接続が解除されました",
    "This organization's Stripe account was disconnected on %(date)s; refund in the Stripe Dashboard.": (
        "この組織のStripeアカウントは %(date)s に接続が解除されました。Stripeダッシュボードで返金してください。"
    ),
    "This organization's Stripe account was disconnected on %(date)s, so no payment link can be issued.": (
        "この組織のStripeアカウントは %(date)s に接続が解除されたため、決済リンクを発行できません。"
    ),
    "Stripe has not enabled charges on this organization's Stripe account, so no payment link can be issued. "
    "See Settings for what Stripe asks for.": (
        "この組織のStripeアカウントでStripeが決済を有効にしていないため、決済リンクを発行できません。"
        "Stripeが求めている情報は設定画面で確認してください。"
    ),
    "Disconnected from invoicedesk on %(date)s: no payment link can be issued, and its payments are refunded in the "
    "Stripe Dashboard.": (
        "%(date)s に invoicedesk との接続が解除されました：決済リンクは発行できず、その支払いの返金はStripeダッシュボードで行います。"
    ),
    "Enter the amount to <strong>return</strong> to the buyer, not the balance to keep. Example: of 110,000 JPY, to return 22,000 enter 22000, not 88000.": "購入者に<strong>返金する金額</strong>を入力してください（残す金額ではありません）。例：110,000円のうち22,000円を返金する場合は 88000 ではなく 22000 と入力します。",
    # Issue 20, item 2: the add-on's prerequisites, subscribing and cancelling; reconnecting; disputes audited.
    "commerce disclosure page": "特定商取引法に基づく表記",
    "Commerce disclosure page": "特定商取引法に基づく表記",
    "Commerce disclosure page URL (特定商取引法に基づく表記)": "特定商取引法に基づく表記のページURL",
    "The page where you publish what the Act on Specified Commercial Transactions requires of online sellers. "
    "The Stripe Credit Card Payment Add-on needs it.": (
        "特定商取引法が通信販売事業者に求める表示を掲載しているページです。Stripeクレジットカード決済オプションの申し込みに必要です。"
    ),
    "Enter the full address of the page, starting with https:// (http:// is accepted in development only).": (
        "https:// で始まるページのURLを入力してください（http:// は開発環境でのみ使えます）。"
    ),
    "Enter the full address of the page, starting with https://.": "https:// で始まるページのURLを入力してください。",
    "Stripe has not described the connected Stripe account yet: continue onboarding at Stripe from this page.": (
        "接続したStripeアカウントの状態をまだStripeから受け取っていません：この画面からStripeでオンボーディングを続けてください。"
    ),
    "The connected Stripe account was disconnected on %(date)s: connect a new one.": (
        "接続していたStripeアカウントは %(date)s に接続が解除されました：新しいアカウントを接続してください。"
    ),
    "The Stripe application is not completed: Stripe still needs the account's details.": (
        "Stripeの申請が完了していません：Stripeがアカウントの情報をまだ必要としています。"
    ),
    "The Charges feature of the connected Stripe account is not enabled.": (
        "接続したStripeアカウントの決済（Charges）機能が有効になっていません。"
    ),
    "The Payouts feature of the connected Stripe account is not enabled.": (
        "接続したStripeアカウントの入金（Payouts）機能が有効になっていません。"
    ),
    "The commerce disclosure page (特定商取引法に基づく表記) is not set: enter its URL in the settings above.": (
        "特定商取引法に基づく表記が設定されていません：上の設定でそのページのURLを入力してください。"
    ),
    "Only admins can subscribe to or cancel the Stripe Credit Card Payment Add-on.": (
        "Stripeクレジットカード決済オプションの申し込みと解約は管理者だけが行えます。"
    ),
    "The Stripe Credit Card Payment Add-on is not active.": "Stripeクレジットカード決済オプションは有効ではありません。",
    "The Stripe Credit Card Payment Add-on is active: payment links can be issued.": (
        "Stripeクレジットカード決済オプションが有効になりました：決済リンクを発行できます。"
    ),
    "The Stripe Credit Card Payment Add-on is canceled: no new payment links; payments settled before remain "
    "refundable.": (
        "Stripeクレジットカード決済オプションを解約しました：新しい決済リンクは発行できません。解約前に決済された支払いは返金できます。"
    ),
    "Stripe Credit Card Payment Add-on subscribed": "Stripeクレジットカード決済オプションの申し込み",
    "Stripe Credit Card Payment Add-on canceled": "Stripeクレジットカード決済オプションの解約",
    "Dispute opened at Stripe": "異議申し立ての開始（Stripe）",
    "Dispute's status changed at Stripe": "異議申し立ての状況の変更（Stripe）",
    "Dispute won": "異議申し立ての勝訴",
    "Dispute lost": "異議申し立ての敗訴",
    "Active since %(date)s: payment links can be issued.": "%(date)s から有効です：決済リンクを発行できます。",
    "Cancelling ends it now: no new payment links, and links not yet paid can no longer be paid. Payments settled "
    "while it was active remain refundable.": (
        "解約するとただちに終了します：新しい決済リンクは発行できず、未払いのリンクでは支払えなくなります。"
        "有効な間に決済された支払いは返金できます。"
    ),
    "Cancel the Stripe Credit Card Payment Add-on": "Stripeクレジットカード決済オプションを解約する",
    "Subscribed: it starts on %(date)s.": "申し込み済みです：%(date)s に開始します。",
    "Ended on %(date)s. Payments settled before then remain refundable.": (
        "%(date)s に終了しました。それまでに決済された支払いは返金できます。"
    ),
    "Not subscribed: payment links cannot be issued.": "申し込んでいません：決済リンクは発行できません。",
    "No Stripe account of this organization is connected: with the add-on, payments are taken on the platform's "
    "own Stripe account.": (
        "この組織のStripeアカウントは接続されていません：オプションに申し込むと、決済はプラットフォーム自身のStripeアカウントで受け付けます。"
    ),
    "Before it can be subscribed:": "申し込むには次が必要です：",
    "Already subscribed: the Stripe Credit Card Payment Add-on starts on %(date)s.": (
        "お申し込み済みです。Stripeクレジットカード決済オプションは%(date)sに開始します。"
    ),
    "Subscribe to the Stripe Credit Card Payment Add-on": "Stripeクレジットカード決済オプションに申し込む",
    "Connecting a new account takes new payments on it; payments made on the disconnected account stay on it and "
    "are refunded in its Stripe Dashboard.": (
        "新しいアカウントを接続すると、新しい支払いはそのアカウントで受け付けます。接続が解除されたアカウントで受けた支払いはそのアカウントに残り、"
        "返金はそのStripeダッシュボードで行います。"
    ),
    "Connect a new Stripe account": "新しいStripeアカウントを接続",
    "Stripe dispute ID": "Stripe異議申し立てID",
    "Charges enabled": "決済（Charges）有効",
    "Payouts enabled": "入金（Payouts）有効",
    "Dispute of %(amount)s on %(number)s": "%(number)s の %(amount)s の異議申し立て",
    "lost at": "敗訴の記録日時",
    "lost dispute account": "異議申し立て敗訴（チャージバック）の勘定科目",
}
