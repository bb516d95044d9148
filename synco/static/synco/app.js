// Toasts: views send HX-Trigger {"toast": {"message", "level"}}; show it for a few seconds.
document.body.addEventListener("toast", function (event) {
  var detail = event.detail || {};
  var box = document.getElementById("toasts");
  if (!box || !detail.message) return;
  var toast = document.createElement("div");
  toast.className = "toast" + (detail.level === "error" ? " toast-error" : "");
  toast.textContent = detail.message;
  box.appendChild(toast);
  setTimeout(function () { toast.remove(); }, 5000);
});

// Inside the Shopify admin, cookies do not work: every HTMX request carries a fresh App Bridge ID token.
// App Bridge only patches fetch(); htmx uses XMLHttpRequest, so get the token before each request.
(function () {
  if (!window.shopify || !window.shopify.idToken) return;
  var token = null;
  document.body.addEventListener("htmx:confirm", function (event) {
    event.preventDefault();
    window.shopify.idToken().then(function (fresh) { token = fresh; event.detail.issueRequest(); });
  });
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (token) event.detail.headers["Authorization"] = "Bearer " + token;
  });
})();
