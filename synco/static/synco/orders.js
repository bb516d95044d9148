// Orders page: "select all on this page", and failed requests said plainly (once, not on every poll).
(function () {
  // The checkboxes are Polaris s-checkbox elements: their change event comes from the host.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-select-all")) return;
    var table = box.closest("s-table");
    if (!table) return;
    table.querySelectorAll("s-table-body s-checkbox[name=order]").forEach(function (row) {
      row.checked = box.checked;
    });
  });

  var warned = false;
  function fail(message) {
    if (warned) return;
    warned = true;
    document.body.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: "error" } }));
  }
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) warned = false;
  });
  document.body.addEventListener("htmx:sendError", function () {
    fail("Synco cannot be reached right now; check the connection. Nothing was changed.");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    fail(status === 404 ? "This order is no longer available." : "Something went wrong on Synco's side (" + status + "). Try again.");
  });
})();
