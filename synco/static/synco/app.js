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
