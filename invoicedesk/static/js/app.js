// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined && target.form) {
    target.form.requestSubmit();
  }
});

// Refund modal: "Full refund" fills in the Refundable Amount.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement) || target.name !== "classification" || !target.form) return;
  const amount = target.form.elements.namedItem("amount");
  if (!(amount instanceof HTMLInputElement)) return;
  if (target.value === "FULL") {
    amount.value = amount.dataset.refundable || "";
  } else if (amount.value === amount.dataset.refundable) {
    amount.value = "";
    amount.focus();
  }
  amount.dispatchEvent(new Event("input", { bubbles: true }));
});

// The refund modal behaves as a dialog: focus moves into it and stays there, Esc and the close buttons
// give focus back to the Refund button. Without JavaScript the same links simply go back to the invoice.
(() => {
  const FOCUSABLE = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  let opener = null;
  // Across a swap of the same step (the Processing step polls every 2 s), focus stays where the user put it.
  let before = null;

  const openDialog = () => document.querySelector("#modal-root:not(.modal-page) [role=dialog]");
  const focusables = (dialog) => [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);

  function focusInto(dialog) {
    // The field to fix, else the first control of the dialog's body (on the confirmation: its first button),
    // never the heading nor the header's ×: the keyboard user starts where there is something to do.
    const target = dialog.querySelector(".field-invalid input:not([type=hidden]), .field-invalid select, .field-invalid textarea")
      || dialog.querySelector("input[type=radio]:checked")
      || focusables(dialog).find((el) => !el.closest(".modal-header"))
      || dialog.querySelector("h2");
    target?.focus();
  }

  function close(dialog) {
    if (dialog.dataset.step === "processing") {
      // A refund was made: the page behind must show it, so go there instead of just hiding the dialog.
      window.location.assign(dialog.querySelector("[data-dialog-close]").href);
      return;
    }
    document.getElementById("modal-root").replaceChildren();
    (opener && document.contains(opener) ? opener : document.querySelector("[data-testid=refund-button]"))?.focus();
  }

  document.addEventListener("click", (event) => {
    const refundButton = event.target.closest("[data-testid=refund-button]");
    if (refundButton) opener = refundButton;
    const closer = event.target.closest("[data-dialog-close]");
    const dialog = openDialog();
    if (closer && dialog && dialog.contains(closer)) {
      event.preventDefault();
      close(dialog);
    }
  });

  document.addEventListener("keydown", (event) => {
    const dialog = openDialog();
    if (!dialog) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close(dialog);
    } else if (event.key === "Tab") {
      const items = focusables(dialog);
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (!dialog.contains(document.activeElement)) {
        event.preventDefault();
        first.focus();
      } else if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  });

  const focusKey = (el) => (el?.id ? `#${el.id}` : el?.hasAttribute?.("data-dialog-close") ? "[data-dialog-close]" : null);

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id !== "modal-root") return;
    const dialog = openDialog();
    before = dialog ? { step: dialog.dataset.step, focus: focusKey(document.activeElement) } : null;
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "modal-root") {
      const dialog = target.querySelector("[role=dialog]");
      if (!dialog || dialog.contains(document.activeElement)) return;
      const kept = before && before.step === dialog.dataset.step && before.focus && dialog.querySelector(before.focus);
      if (kept) kept.focus();
      else focusInto(dialog);
    } else if (target.id === "refund-preview") {
      // The preview now says what is wrong with the amount as typed: an older message next to the field would
      // say it twice (or say something no longer true).
      target.closest(".field")?.querySelectorAll("[data-testid=amount-error]").forEach((el) => el.remove());
      target.closest(".field")?.classList.toggle("field-invalid", Boolean(target.querySelector(".preview-error")));
    }
  });
})();

// A page that shows money (it says so with <meta name="reload-when-restored">) is reloaded when the browser shows
// it from its back-forward cache: that copy is of the moment the page was left, and Back after a refund would
// show the payment as it was before. (Such pages are sent with Cache-Control: no-store, which keeps most browsers
// from caching them at all; this covers those that restore them anyway.)
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector('meta[name="reload-when-restored"]')) window.location.reload();
});

// Phones: the detailed filters fold behind their button (the page sends them open, which is how they stay
// without JavaScript), and a search goes to its results instead of leaving them below the form.
(() => {
  const small = window.matchMedia("(max-width: 760px)");
  if (!small.matches) return;
  document.querySelectorAll("details[data-fold-on-small]").forEach((details) => { details.open = false; });
  const searched = [...new URLSearchParams(window.location.search).entries()]
    .some(([name, value]) => !["sort", "after", "before"].includes(name) && value.trim() !== "");
  const results = document.getElementById("results");
  if (searched && results) results.scrollIntoView({ block: "start" });
})();

// Long polls (the refund window's progress, the detail page's refunds in flight) ask again at once when answered;
// when a request fails (the server restarting, the network gone) they ask again after a pause instead of stopping.
["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach((name) => {
  document.addEventListener(name, (event) => {
    const element = event.detail.elt;
    if (element instanceof HTMLElement && element.dataset.longPoll !== undefined) {
      window.setTimeout(() => { if (document.contains(element)) window.htmx.trigger(element, "retry"); }, 2000);
    }
  });
});
