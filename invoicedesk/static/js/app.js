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
