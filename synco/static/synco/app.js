// Toasts: views send HX-Trigger {"toast": {"message", "level"}}. Inside the Shopify admin the admin shows it
// (App Bridge's shopify.toast); standalone, the page's own live region shows it for a few seconds.
document.body.addEventListener("toast", function (event) {
  var detail = event.detail || {};
  var box = document.getElementById("toasts");
  if (!detail.message) return;
  var embedded = window.parent !== window && window.shopify && window.shopify.toast;
  if (embedded) window.shopify.toast.show(detail.message, { isError: detail.level === "error", duration: 5000 });
  if (!box) return;
  var toast = document.createElement("div");
  toast.className = "toast" + (detail.level === "error" ? " toast-error" : "");
  toast.textContent = detail.message;
  box.appendChild(toast);
  setTimeout(function () { toast.remove(); }, 5000);
});

// Polaris link buttons that HTMX also loads (tabs, pagination: s-button with href and hx-get). Their <a> is in the
// button's shadow root, where HTMX does not cancel it: a plain click is HTMX's (the link's navigation cancelled), a
// click with a modifier or the middle button is the browser's (a new tab or window on the href; HTMX left out).
document.addEventListener("click", function (event) {
  var host = event.target.closest ? event.target.closest("s-button[href][hx-get], s-link[href][hx-get]") : null;
  if (!host || host.hasAttribute("disabled")) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    event.stopPropagation();
    return;
  }
  event.preventDefault();
}, true);
// Tabs that scroll sideways (a phone): after a swap the current tab is in view, not the first one.
document.body.addEventListener("htmx:afterSettle", function (event) {
  var current = event.target.querySelector && event.target.querySelector(".p-tabs s-button[aria-current=page]");
  var strip = current && current.closest(".p-tabs");
  if (!strip || strip.scrollWidth <= strip.clientWidth) return;
  var left = current.offsetLeft - strip.offsetLeft;
  if (left < strip.scrollLeft || left + current.offsetWidth > strip.scrollLeft + strip.clientWidth) {
    strip.scrollLeft = Math.max(0, left - 24);
  }
});

// Inside the Shopify admin, cookies do not work: every request carries a fresh App Bridge ID token (1 minute).
(function () {
  if (!window.shopify || !window.shopify.idToken) return;
  var here = new URLSearchParams(window.location.search);
  // What the admin put on the app URL: kept on every page so a reload can be re-authenticated (bounced).
  var context = { embedded: "1", shop: here.get("shop") || "", host: here.get("host") || "" };

  function embeddedUrl(href, token) {
    var url = new URL(href, window.location.href);
    Object.keys(context).forEach(function (key) {
      if (context[key] && !url.searchParams.has(key)) url.searchParams.set(key, context[key]);
    });
    if (token) url.searchParams.set("id_token", token);
    else url.searchParams.delete("id_token");
    return url;
  }

  // HTMX uses XMLHttpRequest, which App Bridge does not patch: get the token before each request.
  var token = null;
  document.body.addEventListener("htmx:confirm", function (event) {
    event.preventDefault();
    window.shopify.idToken().then(function (fresh) { token = fresh; event.detail.issueRequest(); });
  });
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (token) event.detail.headers["Authorization"] = "Bearer " + token;
  });
  // A URL pushed into history must not keep a stale token, but must say it is embedded (a reload bounces).
  document.body.addEventListener("htmx:pushedIntoHistory", function (event) {
    window.history.replaceState(window.history.state, "", embeddedUrl(event.detail.path).toString());
  });
  window.history.replaceState(window.history.state, "", embeddedUrl(window.location.href).toString());

  // Plain links and forms to Synco's own pages: a full page load, so the token goes into the URL.
  document.addEventListener("click", function (event) {
    // Polaris links and buttons (s-link, s-button href) draw their <a> in a shadow root: the click is theirs.
    var link = event.target.closest ? event.target.closest("a[href], s-link[href], s-button[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var target = link.getAttribute("target");
    if ((target && target !== "_self" && target !== "auto") || link.hasAttribute("download")) return;
    var url = new URL(link.getAttribute("href"), window.location.href);
    if (url.origin !== window.location.origin || url.pathname.indexOf("/static/") === 0) return;
    event.preventDefault();
    window.shopify.idToken().then(function (fresh) { window.location.assign(embeddedUrl(url.href, fresh).toString()); });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    event.preventDefault();
    window.shopify.idToken().then(function (fresh) {
      var url = embeddedUrl(form.action || window.location.href, fresh);
      if ((form.method || "get").toLowerCase() === "get") {
        new FormData(form).forEach(function (value, key) { url.searchParams.set(key, value); });
        window.location.assign(url.toString());
      } else {
        form.action = url.toString();
        form.submit();
      }
    });
  });
})();
