"""Fill Japanese translations into the .po file that `makemessages -l ja` produced.

Keeps every entry makemessages wrote; only empty msgstr values are filled, from
the table in invoicedesk/locale/ja/translations.py. Run: python scripts/fill_ja_po.py
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "invoicedesk/locale/ja/LC_MESSAGES/django.po"
TABLE = ROOT / "invoicedesk/locale/ja/translations.py"


def _unquote(block: str) -> str:
    return "".join(ast.literal_eval(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    namespace: dict[str, object] = {}
    exec(TABLE.read_text(encoding="utf-8"), namespace)
    table: dict[str, str | tuple[str, ...]] = namespace["JA"]  # type: ignore[assignment]
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    out = []
    for entry in entries:
        match = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not match or _unquote(match.group(1)) == "":
            # The header: not fuzzy, and Japanese has one plural form.
            entry = entry.replace("#, fuzzy\n", "").replace('"Language: \\n"', '"Language: ja\\n"')
            entry = entry.replace("PACKAGE VERSION", "invoicedesk")
            out.append(entry)
            continue
        msgid = _unquote(match.group(1))
        context = re.search(r'^msgctxt ((?:".*"\n?)+)', entry, re.M)
        if context:  # a word that reads differently in one place: keyed "context\x04msgid", as gettext does
            msgid = _unquote(context.group(1)) + "\x04" + msgid
        if msgid not in table:
            missing.append(msgid)
            out.append(entry)
            continue
        value = table[msgid]
        # msgmerge's fuzzy guesses are replaced by the table's text.
        entry = entry.replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, ")
        if "msgid_plural" in entry:
            forms = value if isinstance(value, tuple) else (value,)
            entry = re.sub(r'msgstr\[0\] (?:".*"\n?)+', "msgstr[0] " + _quote(forms[0]) + "\n", entry)
            entry = re.sub(r'msgstr\[[1-9]\] (?:".*"\n?)+', "", entry)
        else:
            entry = re.sub(r'msgstr (?:".*"\n?)+', "msgstr " + _quote(str(value)) + "\n", entry)
        out.append(entry.rstrip("\n"))
    PO.write_text("\n\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
    for msgid in missing:
        print(f"no Japanese for: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
