// The Shopify sandbox's stand-in for App Bridge (https://cdn.shopify.com/shopifycloud/app-bridge.js), which
// cannot be loaded here. It implements the part Synco uses, with the real library's behaviour:
//   * window.shopify.config (apiKey from <meta name="shopify-api-key">, shop and host from the URL);
//   * window.shopify.idToken(): a fresh session token (ID token) from the admin page that frames the app;
//   * the "patch ID token" page: a page opened with ?shopify-reload=URL reloads URL with a fresh id_token;
//   * window.shopify.toast.show(message).
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
      show: function (message) {
        window.parent.postMessage({ type: "shopify-sandbox:toast", message: String(message) }, "*");
      },
    },
  };

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
