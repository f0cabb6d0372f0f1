// Production pay page: Stripe's Payment Element; the card never touches our server.
(function () {
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const options = form.dataset.stripeAccount ? { stripeAccount: form.dataset.stripeAccount } : {};
  const stripe = Stripe(form.dataset.publishableKey, options);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  const message = document.getElementById("payment-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl } });
    if (error) {
      message.textContent = error.message;
      message.hidden = false;
      button.disabled = false;
    }
  });
})();
