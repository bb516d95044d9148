// The Shopify sandbox's stand-in for App Bridge (https://cdn.shopify.com/shopifycloud/app-bridge.js), which
// cannot be loaded here. It implements the part Synco uses, with the real library's behaviour:
//   * window.shopify.config (apiKey from <meta name="shopify-api-key">, shop and host from the URL);
//   * window.shopify.idToken(): a fresh session token (ID token) from the admin page that frames the app;
//   * the "patch ID token" page: a page opened with ?shopify-reload=URL reloads URL with a fresh id_token;
//   * window.shopify.toast.show(message, {isError, duration});
//   * the contextual save bar: a <form data-save-bar> shows it in the admin once an input changes; its Save
//     submits the form, Discard resets it (both hide it, as a submit or reset of the form does);
//   * app navigation: the links of <s-app-nav> (or <ui-nav-menu>) go to the admin, which draws them in its own
//     chrome (never inside the app's frame); a click there loads that page in the frame with a fresh ID token.
// The admin page (GET /admin/apps/{api_key}) answers token requests posted to it with window.postMessage.
(function () {
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  var params = new URLSearchParams(window.location.search);
  var pending = {};
  var counter = 0;

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "shopify-sandbox:id-token" || !pending[data.id]) return;
    var request = pending[data.id];
    delete pending[data.id];
    if (data.token) request.resolve(data.token);
    else request.reject(new Error(data.error || "The admin did not issue a session token"));
  });

  function idToken() {
    if (window.parent === window) {
      return Promise.reject(new Error("App Bridge: the app is not embedded in the Shopify admin"));
    }
    return new Promise(function (resolve, reject) {
      var id = String(++counter);
      pending[id] = { resolve: resolve, reject: reject };
      window.parent.postMessage({ type: "shopify-sandbox:id-token-request", id: id }, "*");
      setTimeout(function () {
        if (pending[id]) { delete pending[id]; reject(new Error("App Bridge: no session token in time")); }
      }, 10000);
    });
  }

  window.shopify = {
    config: { apiKey: meta ? meta.content : "", shop: params.get("shop") || "", host: params.get("host") || "" },
    idToken: idToken,
    toast: {
      show: function (message, options) {
        var opts = options || {};
        window.parent.postMessage({
          type: "shopify-sandbox:toast", message: String(message), isError: !!opts.isError,
          duration: typeof opts.duration === "number" ? opts.duration : 5000,
        }, "*");
      },
    },
  };

  // App navigation, as the real App Bridge reads it: the first <s-app-nav> or <ui-nav-menu> and its links.
  function navItems() {
    var menu = document.querySelector("s-app-nav, ui-nav-menu");
    if (!menu) return null;
    return Array.prototype.map.call(menu.querySelectorAll("s-link[href], a[href]"), function (link) {
      return {
        label: link.textContent.trim(),
        href: new URL(link.getAttribute("href"), window.location.href).toString(),
        home: link.getAttribute("rel") === "home",
      };
    });
  }
  function sendNav() {
    if (window.parent === window) return;
    var items = navItems();
    if (items) {
      window.parent.postMessage({ type: "shopify-sandbox:nav", items: items, path: window.location.pathname }, "*");
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sendNav);
  else sendNav();

  // The contextual save bar, for forms marked data-save-bar.
  var dirtyForm = null;
  function saveBar(visible) {
    if (window.parent === window) return;
    window.parent.postMessage({ type: "shopify-sandbox:save-bar", visible: visible }, "*");
  }
  function watchSaveBars() {
    document.querySelectorAll("form[data-save-bar]").forEach(function (form) {
      if (form.__saveBar) return;
      form.__saveBar = true;
      function changed() { dirtyForm = form; saveBar(true); }
      function done() { if (dirtyForm === form) { dirtyForm = null; saveBar(false); } }
      form.addEventListener("input", changed);
      form.addEventListener("change", changed);
      form.addEventListener("submit", done);
      form.addEventListener("reset", done);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchSaveBars);
  else watchSaveBars();
  document.addEventListener("htmx:load", watchSaveBars);
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== window.parent || data.type !== "shopify-sandbox:save-bar-action" || !dirtyForm) return;
    if (data.action === "save") dirtyForm.requestSubmit();
    else if (data.action === "discard") dirtyForm.reset();
  });

  // The admin's navigation was clicked: load that page here, with the admin's context and a fresh ID token.
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== window.parent || data.type !== "shopify-sandbox:navigate") return;
    var url = new URL(data.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    ["embedded", "shop", "host"].forEach(function (key) {
      var value = key === "embedded" ? "1" : params.get(key);
      if (value && !url.searchParams.has(key)) url.searchParams.set(key, value);
    });
    idToken().then(function (token) {
      url.searchParams.set("id_token", token);
      window.location.assign(url.toString());
    });
  });

  var reload = params.get("shopify-reload");
  if (reload) {
    idToken().then(function (token) {
      var url = new URL(reload, window.location.href);
      if (url.origin !== window.location.origin) return; // never hand a token to another site
      url.searchParams.set("id_token", token);
      window.location.replace(url.toString());
    });
  }
})();
