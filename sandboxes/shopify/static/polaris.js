// The Shopify sandbox's stand-in for Polaris web components (https://cdn.shopify.com/shopifycloud/polaris-1.js),
// which cannot be loaded here. It defines the s-* elements Synco uses, with the documented API of each
// (shopify.dev/docs/api/app-home/web-components): the same attributes and properties, slots and events, and
// form participation through ElementInternals (fields submit with their form, in plain and in HTMX requests).
// It draws them with the admin's look (Polaris tokens: Inter/system font, 13px, 12px cards, tones).
// Elements already defined (the real library loaded first) are left alone.
(function () {
  "use strict";

  var TOKENS =
    ":host{--p-font:Inter,-apple-system,BlinkMacSystemFont,'San Francisco','Segoe UI',Roboto,'Helvetica Neue',sans-serif;" +
    "--p-text:#303030;--p-text-secondary:#616161;--p-border:#e3e3e3;--p-border-strong:#8a8a8a;--p-surface:#fff;" +
    "--p-link:#005bd3;--p-focus:#005bd3;font-family:var(--p-font);font-size:13px;line-height:20px;color:var(--p-text)}" +
    "*{box-sizing:border-box}";

  // Display rules and the table's light-DOM layout (its rows are swapped by HTMX, so they stay in the page).
  var DOCUMENT_CSS =
    "s-page,s-section,s-banner,s-box,s-stack,s-grid,s-paragraph,s-heading,s-divider,s-text-field,s-date-field," +
    "s-search-field,s-number-field,s-email-field,s-password-field,s-url-field,s-select,s-text-area,s-choice-list{display:block}" +
    "s-app-nav,ui-nav-menu,s-option,s-choice{display:none}" +
    "s-modal:not([data-open]){display:none}" +
    "s-badge,s-button,s-link,s-text,s-spinner,s-checkbox{display:inline-block}" +
    "s-table{display:block;width:100%}" +
    "s-table[data-layout=table]{display:table;border-collapse:collapse}" +
    "s-table-header-row{display:table-row;background:#f7f7f7}" +
    "s-table-body{display:table-row-group}" +
    "s-table-row{display:table-row}" +
    "s-table-header,s-table-cell{display:table-cell;padding:6px 12px;border-bottom:1px solid #e3e3e3;vertical-align:top;text-align:start}" +
    "s-table-header{font-weight:550;color:#616161;font-size:12px;white-space:nowrap;padding-top:8px;padding-bottom:8px}" +
    "s-table-body s-table-row:hover{background:#f7f7f7}" +
    "s-table-body s-table-row:last-child>s-table-cell{border-bottom:0}" +
    "s-table-header[format=numeric],s-table-header[format=currency],s-table-cell[data-format=numeric],s-table-cell[data-format=currency]{text-align:end;white-space:nowrap}" +
    // The list layout (variant="list", or "auto" on a narrow container): one block per row, cells by their slot.
    "s-table[data-layout=list] s-table-body{display:block}" +
    "s-table[data-layout=list] s-table-header-row{display:none}" +
    "s-table[data-layout=list] s-table-row{padding:10px 12px;border-bottom:1px solid #e3e3e3;display:flex;flex-wrap:wrap;gap:2px 8px;align-items:baseline}" +
    "s-table[data-layout=list] s-table-body s-table-row:last-child{border-bottom:0}" +
    "s-table[data-layout=list] s-table-cell{display:block;padding:0;border:0;text-align:start;min-width:0}" +
    "s-table[data-layout=list] s-table-cell:empty{display:none}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=kicker]{order:0;flex-basis:100%;color:#616161;font-size:12px}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=primary]{order:1;flex:1 1 auto;font-weight:650}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=secondary]{order:2;flex:0 0 auto;margin-inline-start:auto;text-align:end}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=inline]{order:3}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=labeled]{order:4;flex-basis:100%;color:#303030}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=labeled]::before{content:attr(data-list-label) ': ';color:#616161}" +
    "s-table[data-layout=list] s-table-cell[data-list-slot=none]{order:5;flex-basis:100%}";

  // Inside the Shopify admin (an App Bridge page in the admin's frame), some components hand their chrome to it.
  function embedded() {
    return window.parent !== window && !!document.querySelector('meta[name="shopify-api-key"]');
  }

  function define(name, cls) {
    if (!customElements.get(name)) customElements.define(name, cls);
  }

  function sheet(css) {
    var style = document.createElement("style");
    style.textContent = TOKENS + css;
    return style;
  }

  function attr(el, name, fallback) {
    var value = el.getAttribute(name);
    return value === null ? fallback : value;
  }

  (function installDocumentCss() {
    var style = document.createElement("style");
    style.setAttribute("data-polaris-sandbox", "");
    style.textContent = DOCUMENT_CSS;
    (document.head || document.documentElement).appendChild(style);
  })();

  // ---------------------------------------------------------------- layout: s-page, s-section, s-box, s-stack
  class SPage extends HTMLElement {
    static get observedAttributes() { return ["heading", "inlinesize"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:block;padding:20px 24px 32px;margin:0 auto;max-width:998px}" +
        ":host([inlinesize=large]){max-width:1200px}:host([inlinesize=small]){max-width:662px}" +
        ".header{display:flex;align-items:center;gap:8px 12px;flex-wrap:wrap;min-height:32px;margin-bottom:16px}" +
        "h1{font-size:20px;line-height:24px;font-weight:700;margin:0;flex:1 1 auto;letter-spacing:-.2px}" +
        ".actions{display:flex;gap:8px;flex-wrap:wrap;align-items:center}" +
        ".body{display:grid;grid-template-columns:minmax(0,1fr);gap:16px}" +
        ".body.has-aside{grid-template-columns:minmax(0,2fr) minmax(0,1fr)}" +
        ".main,.aside{display:flex;flex-direction:column;gap:16px;min-width:0}" +
        "@media (max-width:768px){:host{padding:16px 12px 24px}.body.has-aside{grid-template-columns:minmax(0,1fr)}}"
      ));
      var wrap = document.createElement("div");
      wrap.innerHTML =
        '<div class="header" part="header"><slot name="breadcrumb-actions"></slot><h1 part="heading"></h1>' +
        '<div class="actions"><slot name="secondary-actions"></slot><slot name="primary-action"></slot></div></div>' +
        '<div class="body"><div class="main"><slot></slot></div><div class="aside"><slot name="aside"></slot></div></div>';
      root.appendChild(wrap);
      this._heading = root.querySelector("h1");
      this._body = root.querySelector(".body");
      var aside = root.querySelector('slot[name="aside"]');
      var self = this;
      aside.addEventListener("slotchange", function () {
        self._body.classList.toggle("has-aside", aside.assignedElements().length > 0);
      });
    }
    connectedCallback() {
      this._render();
      if (embedded() && !this._titleBar) {
        // Inside the admin, the page's heading, breadcrumb and actions are the admin's title bar (as Shopify
        // documents for s-page): the frame does not draw them a second time.
        this.setAttribute("data-title-bar", "admin");
        this.shadowRoot.querySelector(".header").style.display = "none";
        var self = this;
        this._titleBar = new MutationObserver(function () { self._postTitleBar(); });
        this._titleBar.observe(this, { attributes: true, childList: true, subtree: true, characterData: true });
        window.addEventListener("message", function (event) {
          var data = event.data || {};
          if (event.source !== window.parent || data.type !== "shopify-sandbox:title-bar-action") return;
          var target = self._titleBarItems()[data.index];
          if (target && !target.hasAttribute("disabled") && !target.hasAttribute("loading")) target.click();
        });
        window.addEventListener("pagehide", function () { window.parent.postMessage({ type: "shopify-sandbox:title-bar", heading: "", actions: [] }, "*"); });
        this._postTitleBar();
      }
    }
    attributeChangedCallback() { this._render(); }
    get heading() { return attr(this, "heading", ""); }
    set heading(value) { this.setAttribute("heading", value); }
    _render() {
      var heading = this.heading;
      this._heading.textContent = heading;
      this._heading.hidden = !heading;
    }
    _titleBarItems() {
      var items = [];
      Array.prototype.forEach.call(this.children, function (child) {
        var slot = child.getAttribute("slot");
        if (slot === "breadcrumb-actions" || slot === "primary-action") items.push(child);
        else if (slot === "secondary-actions") {
          if (child.tagName === "S-BUTTON-GROUP") {
            Array.prototype.forEach.call(child.querySelectorAll("s-button"), function (b) { items.push(b); });
          } else items.push(child);
        }
      });
      return items;
    }
    _postTitleBar() {
      var page = this;
      var actions = this._titleBarItems().map(function (el, index) {
        var slot = el.getAttribute("slot") || "secondary-actions";
        var href = el.getAttribute("href");
        return {
          index: index,
          kind: slot === "breadcrumb-actions" ? "breadcrumb" : slot === "primary-action" ? "primary" : "secondary",
          label: el.textContent.replace(/\s+/g, " ").replace(/^[‹«\s]+/, "").trim(),
          accessibilityLabel: el.getAttribute("accessibilitylabel") || el.getAttribute("aria-label") || "",
          href: href ? new URL(href, window.location.href).toString() : "",
          tone: el.getAttribute("tone") || "",
          disabled: el.hasAttribute("disabled") || el.hasAttribute("loading"),
          dialog: !!el.getAttribute("commandfor"),
        };
      });
      var message = { type: "shopify-sandbox:title-bar", heading: page.heading, actions: actions };
      var key = JSON.stringify(message);
      if (key === this._lastTitleBar) return;
      this._lastTitleBar = key;
      window.parent.postMessage(message, "*");
    }
  }
  define("s-page", SPage);

  class SSection extends HTMLElement {
    static get observedAttributes() { return ["heading", "padding", "accessibilitylabel"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:block;min-width:0}" +
        ".card{background:var(--p-surface);border-radius:12px;padding:16px;" +
        "box-shadow:0 1px 0 0 rgba(26,26,26,.07),inset 0 1px 0 0 rgba(204,204,204,.5),inset 0 -1px 0 0 rgba(0,0,0,.17),inset -1px 0 0 0 rgba(0,0,0,.13),inset 1px 0 0 0 rgba(0,0,0,.13)}" +
        ":host([padding=none]) .card{padding:0;overflow:hidden}:host([padding=none]) h2{padding:16px 16px 0}" +
        ".card.nested{background:none;box-shadow:none;padding:0;border-radius:0}" +
        "h2{font-size:14px;line-height:20px;font-weight:650;margin:0 0 12px}" +
        ".card.nested h2{font-size:13px}" +
        "@media (max-width:768px){.card:not(.nested){border-radius:12px}}"
      ));
      this._card = document.createElement("div");
      this._card.className = "card";
      this._card.setAttribute("part", "card");
      this._title = document.createElement("h2");
      this._card.appendChild(this._title);
      this._card.appendChild(document.createElement("slot"));
      root.appendChild(this._card);
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    get heading() { return attr(this, "heading", ""); }
    set heading(value) { this.setAttribute("heading", value); }
    _render() {
      var nested = !!(this.parentElement && this.parentElement.closest("s-section"));
      this._card.classList.toggle("nested", nested);
      this._title.textContent = this.heading;
      this._title.hidden = !this.heading;
      // The host is the landmark (a region named by its heading), so its content stays inside it for AT.
      var label = this.getAttribute("accessibilitylabel") || this.heading;
      if (label && !nested) {
        if (!this.hasAttribute("role") || this._ownRole) { this.setAttribute("role", "region"); this._ownRole = true; }
        this.setAttribute("aria-label", label);
      }
    }
  }
  define("s-section", SSection);

  var SPACE = { none: "0", "small-500": "2px", "small-400": "4px", "small-300": "6px", "small-200": "8px",
    "small-100": "10px", small: "12px", base: "16px", large: "20px", "large-100": "24px", "large-200": "28px",
    "large-300": "32px", "large-400": "40px", "large-500": "48px" };
  function space(value, fallback) {
    if (!value) return fallback;
    return value.split(/\s+/).map(function (v) { return SPACE[v] || "0"; }).join(" ");
  }

  class SStack extends HTMLElement {
    static get observedAttributes() { return ["direction", "gap", "alignitems", "justifycontent", "padding"]; }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    _render() {
      var inline = attr(this, "direction", "block") === "inline";
      this.style.display = "flex";
      this.style.flexDirection = inline ? "row" : "column";
      this.style.flexWrap = inline ? "wrap" : "nowrap";
      this.style.gap = space(this.getAttribute("gap"), "0");
      this.style.alignItems = attr(this, "alignitems", inline ? "center" : "stretch");
      this.style.justifyContent = attr(this, "justifycontent", "normal");
      this.style.padding = space(this.getAttribute("padding"), "0");
    }
  }
  define("s-stack", SStack);

  class SBox extends HTMLElement {
    static get observedAttributes() { return ["padding", "background", "borderradius", "border"]; }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    _render() {
      this.style.display = "block";
      this.style.padding = space(this.getAttribute("padding"), "0");
      var bg = this.getAttribute("background");
      this.style.background = bg === "subdued" ? "#f7f7f7" : bg === "strong" ? "#f1f1f1" : bg === "base" ? "#fff" : "";
      var radius = this.getAttribute("borderradius");
      this.style.borderRadius = radius ? (radius === "base" ? "8px" : radius === "large" ? "12px" : space(radius, "0")) : "";
      if (this.getAttribute("border")) this.style.border = "1px solid #e3e3e3";
    }
  }
  define("s-box", SBox);

  class SDivider extends HTMLElement {
    connectedCallback() {
      this.setAttribute("role", "separator");
      this.style.display = "block";
      this.style.borderTop = "1px solid #e3e3e3";
      this.style.margin = "0";
    }
  }
  define("s-divider", SDivider);

  // ------------------------------------------------------------------ typography: s-heading, s-text, s-paragraph
  class SHeading extends HTMLElement {
    constructor() {
      super();
      // Styled from its shadow root, not the style attribute: an HTMX swap settles attributes and would drop it.
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(":host{display:block;font-weight:650;font-size:14px;line-height:20px}"));
      root.appendChild(document.createElement("slot"));
    }
    connectedCallback() {
      if (!this.hasAttribute("role")) this.setAttribute("role", "heading");
      var level = 2;
      for (var p = this.parentElement; p; p = p.parentElement) if (p.tagName === "S-SECTION") level += 1;
      if (!this.hasAttribute("aria-level")) this.setAttribute("aria-level", String(Math.min(level, 6)));
    }
  }
  define("s-heading", SHeading);

  var TEXT_TONES = { critical: "#8e0b21", success: "#0c5132", warning: "#5e4200", caution: "#4f4700", info: "#00527c" };
  class SText extends HTMLElement {
    static get observedAttributes() { return ["tone", "color", "type"]; }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    _render() {
      var type = this.getAttribute("type");
      this.style.fontWeight = type === "strong" ? "650" : "";
      this.style.color = TEXT_TONES[this.getAttribute("tone")] || (this.getAttribute("color") === "subdued" ? "#616161" : "");
      if (type === "small") this.style.fontSize = "12px";
    }
  }
  define("s-text", SText);

  class SParagraph extends SText {
    _render() {
      super._render();
      this.style.display = "block";
      this.style.margin = "0";
    }
  }
  define("s-paragraph", SParagraph);

  // -------------------------------------------------------------------------------------------------- s-badge
  var BADGE_TONES = {
    info: ["#e0f0ff", "#00527c"], success: ["#cdfee1", "#0c5132"], warning: ["#ffd6a4", "#5e4200"],
    caution: ["#ffeb78", "#4f4700"], critical: ["#fedad9", "#8e0b21"], neutral: ["#e3e3e3", "#616161"],
    auto: ["rgba(0,0,0,.06)", "#616161"],
  };
  class SBadge extends HTMLElement {
    static get observedAttributes() { return ["tone", "color", "size"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:inline-flex;vertical-align:middle;max-width:100%}" +
        "span{display:inline-flex;align-items:center;gap:4px;padding:2px 8px;border-radius:8px;font-size:12px;" +
        "line-height:16px;font-weight:550;white-space:nowrap;background:var(--bg);color:var(--fg)}" +
        ":host([size=large]) span{font-size:13px;line-height:20px;padding:2px 10px}" +
        ":host([color=strong]) span{filter:saturate(1.4) brightness(.96)}"
      ));
      root.appendChild(document.createElement("span")).appendChild(document.createElement("slot"));
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    get tone() { return attr(this, "tone", "auto"); }
    set tone(value) { this.setAttribute("tone", value); }
    _render() {
      var tone = BADGE_TONES[this.tone] || BADGE_TONES.auto;
      this.style.setProperty("--bg", tone[0]);
      this.style.setProperty("--fg", tone[1]);
    }
  }
  define("s-badge", SBadge);

  class SSpinner extends HTMLElement {
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:inline-block;vertical-align:middle}" +
        "span{display:block;width:var(--s,20px);height:var(--s,20px);border:2px solid rgba(0,0,0,.12);" +
        "border-top-color:#303030;border-radius:50%;animation:spin .8s linear infinite}" +
        ":host([size=base]) span{--s:16px}:host([size=small]) span{--s:12px}" +
        "@keyframes spin{to{transform:rotate(360deg)}}"
      ));
      root.appendChild(document.createElement("span"));
    }
    connectedCallback() {
      this.setAttribute("role", "status");
      if (!this.hasAttribute("aria-label")) this.setAttribute("aria-label", this.getAttribute("accessibilitylabel") || "Loading");
    }
  }
  define("s-spinner", SSpinner);

  // ---------------------------------------------------------------------------------------- s-banner
  var BANNER_TONES = {
    info: ["#eaf4ff", "#00527c", "#91d0ff"], success: ["#ebfff3", "#0c5132", "#29845a"],
    warning: ["#fff1e3", "#5e4200", "#ffb800"], critical: ["#fee9e8", "#8e0b21", "#e51c00"],
    auto: ["#fff", "#303030", "#e3e3e3"],
  };
  class SBanner extends HTMLElement {
    static get observedAttributes() { return ["heading", "tone", "dismissible", "hidden"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:block}:host([hidden]){display:none}" +
        ".box{display:flex;gap:10px;align-items:flex-start;padding:12px;border-radius:12px;background:var(--bg);" +
        "color:var(--fg);box-shadow:inset 0 0 0 1px var(--edge),0 1px 0 rgba(26,26,26,.07)}" +
        ".bar{flex:0 0 4px;align-self:stretch;border-radius:2px;background:var(--edge)}" +
        ".text{flex:1;min-width:0}h2{font-size:13px;font-weight:650;margin:0 0 2px}h2:empty{display:none}" +
        ".actions{display:flex;gap:8px;margin-top:8px;flex-wrap:wrap}.actions:not(.filled){display:none}" +
        "button{border:0;background:none;font:inherit;font-size:16px;color:inherit;cursor:pointer;padding:0 4px}" +
        "::slotted(a),::slotted(s-link){color:inherit}"
      ));
      var box = document.createElement("div");
      box.className = "box";
      box.innerHTML = '<div class="bar"></div><div class="text"><h2></h2><slot></slot>' +
        '<div class="actions"><slot name="secondary-actions"></slot></div></div>' +
        '<button type="button" aria-label="Dismiss" hidden>×</button>';
      root.appendChild(box);
      this._title = root.querySelector("h2");
      this._dismiss = root.querySelector("button");
      var actions = root.querySelector(".actions");
      root.querySelector('slot[name="secondary-actions"]').addEventListener("slotchange", function (event) {
        actions.classList.toggle("filled", event.target.assignedElements().length > 0);
      });
      var self = this;
      this._dismiss.addEventListener("click", function () {
        self.hidden = true;
        self.dispatchEvent(new Event("dismiss", { bubbles: true }));
        self.dispatchEvent(new Event("afterhide", { bubbles: true }));
      });
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    get heading() { return attr(this, "heading", ""); }
    set heading(value) { this.setAttribute("heading", value); }
    _render() {
      var tone = BANNER_TONES[attr(this, "tone", "auto")] || BANNER_TONES.auto;
      this.style.setProperty("--bg", tone[0]);
      this.style.setProperty("--fg", tone[1]);
      this.style.setProperty("--edge", tone[2]);
      this._title.textContent = this.heading;
      this._dismiss.hidden = !this.hasAttribute("dismissible");
    }
  }
  define("s-banner", SBanner);

  // --------------------------------------------------------------------------------------- s-link, s-button
  class SLink extends HTMLElement {
    static get observedAttributes() { return ["href", "target", "tone", "accessibilitylabel", "aria-label", "download"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:inline;font-size:inherit;line-height:inherit}" +
        "a{color:var(--p-link);text-decoration:none;cursor:pointer}a:hover{text-decoration:underline}" +
        "a:focus-visible{outline:2px solid var(--p-focus);outline-offset:1px;border-radius:2px}" +
        ":host([tone=critical]) a{color:#8e0b21}:host([tone=neutral]) a{color:inherit;text-decoration:underline}"
      ));
      this._link = document.createElement("a");
      this._link.setAttribute("part", "link");
      this._link.appendChild(document.createElement("slot"));
      root.appendChild(this._link);
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    get href() { return attr(this, "href", ""); }
    set href(value) { this.setAttribute("href", value); }
    _render() {
      var href = this.getAttribute("href");
      if (href !== null) this._link.setAttribute("href", href);
      else this._link.removeAttribute("href");
      var target = this.getAttribute("target");
      if (target && target !== "auto") {
        this._link.setAttribute("target", target);
        this._link.setAttribute("rel", "noopener");
      } else {
        this._link.removeAttribute("target");
      }
      var label = this.getAttribute("accessibilitylabel") || this.getAttribute("aria-label");
      if (label) this._link.setAttribute("aria-label", label);
      else this._link.removeAttribute("aria-label");
    }
  }
  define("s-link", SLink);

  class SButton extends HTMLElement {
    static get formAssociated() { return true; }
    static get observedAttributes() {
      return ["href", "target", "variant", "tone", "disabled", "loading", "accessibilitylabel", "aria-label", "type", "icon",
        "aria-current"];
    }
    constructor() {
      super();
      this._internals = this.attachInternals ? this.attachInternals() : null;
      var root = this.attachShadow({ mode: "open", delegatesFocus: true });
      root.appendChild(sheet(
        ":host{display:inline-flex;vertical-align:middle}" +
        ".b{display:inline-flex;align-items:center;justify-content:center;gap:6px;min-height:28px;padding:4px 12px;" +
        "border:0;border-radius:8px;font:inherit;font-weight:550;font-size:12px;line-height:16px;cursor:pointer;" +
        "white-space:nowrap;text-decoration:none;background:#fff;color:#303030;" +
        "box-shadow:0 -1px 0 0 #b5b5b5 inset,0 0 0 1px rgba(0,0,0,.1) inset,0 .5px 0 1.5px #fff inset}" +
        ".b:hover{background:#fafafa}.b:active{background:#f7f7f7;box-shadow:-.5px -.5px 0 0 rgba(26,26,26,.12) inset}" +
        ":host([variant=primary]) .b{background:linear-gradient(180deg,rgba(48,48,48,0) 63.53%,rgba(255,255,255,.15) 100%),#303030;" +
        "color:#fff;box-shadow:0 -1px 0 1px rgba(0,0,0,.8) inset,0 0 0 1px #303030 inset,0 .5px 0 1.5px rgba(255,255,255,.25) inset}" +
        ":host([variant=primary]) .b:hover{background:#1a1a1a}" +
        ":host([tone=critical]) .b{color:#8e0b21}" +
        ":host([variant=primary][tone=critical]) .b{background:#c70a24;color:#fff;box-shadow:0 -1px 0 1px #8e0b21 inset}" +
        ":host([variant=tertiary]) .b{background:none;box-shadow:none;padding:4px 6px}" +
        ":host([variant=tertiary]) .b:hover{background:rgba(0,0,0,.05)}" +
        ":host([disabled]) .b{cursor:default;background:rgba(0,0,0,.05);color:#b5b5b5;box-shadow:none}" +
        ".b:focus-visible{outline:2px solid var(--p-focus);outline-offset:1px}" +
        ".spin{width:12px;height:12px;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:s .8s linear infinite}" +
        "@keyframes s{to{transform:rotate(360deg)}}"
      ));
      this._root = root;
      var self = this;
      this.addEventListener("click", function (event) {
        if (self.hasAttribute("disabled") || self.hasAttribute("loading")) {
          event.preventDefault();
          event.stopImmediatePropagation();
          return;
        }
        self._activate(event);
      });
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { if (this.isConnected) this._render(); }
    get type() { return attr(this, "type", this.getAttribute("href") ? "button" : "button"); }
    set type(value) { this.setAttribute("type", value); }
    get disabled() { return this.hasAttribute("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", !!value); }
    get form() { return this._internals ? this._internals.form : null; }
    get href() { return attr(this, "href", ""); }
    set href(value) { this.setAttribute("href", value); }
    _activate(event) {
      if (event.defaultPrevented) return;
      // commandFor / command (e.g. command="--show" on an s-modal, "--toggle" on a popover).
      var target = this.getAttribute("commandfor");
      if (target) {
        var other = document.getElementById(target);
        var command = attr(this, "command", "--toggle");
        if (other && typeof other.showOverlay === "function") {
          if (command === "--hide") other.hideOverlay();
          else if (command === "--show") other.showOverlay();
          else other.toggleOverlay();
        } else if (other && typeof other.showModal === "function") {
          if (command === "--hide") other.close(); else if (!other.open) other.showModal();
        }
        return;
      }
      var form = this.form;
      if (!form) return;
      var type = this.getAttribute("type");
      if (type === "submit") form.requestSubmit();
      else if (type === "reset") form.reset();
    }
    _render() {
      var href = this.getAttribute("href");
      var old = this._root.querySelector(".b");
      var el = document.createElement(href ? "a" : "button");
      el.className = "b";
      el.setAttribute("part", "button");
      if (href) {
        el.setAttribute("href", href);
        var target = this.getAttribute("target");
        if (target && target !== "auto") { el.setAttribute("target", target); el.setAttribute("rel", "noopener"); }
        if (this.disabled) el.setAttribute("aria-disabled", "true");
      } else {
        el.type = "button"; // the host submits its form (ElementInternals), not this inner button
        el.disabled = this.disabled;
      }
      // accessibilityLabel names the inner control (an aria-label on the host is honoured the same way).
      var label = this.getAttribute("accessibilitylabel") || this.getAttribute("aria-label");
      if (label) el.setAttribute("aria-label", label);
      // A link button that is the current page (a tab of a button group) says so to AT, like an <a aria-current>.
      var current = this.getAttribute("aria-current");
      if (current && href) el.setAttribute("aria-current", current);
      if (this.hasAttribute("loading")) {
        el.setAttribute("aria-busy", "true");
        var spin = document.createElement("span");
        spin.className = "spin";
        spin.setAttribute("aria-hidden", "true");
        el.appendChild(spin);
      }
      el.appendChild(document.createElement("slot"));
      if (old) old.replaceWith(el); else this._root.appendChild(el);
    }
  }
  define("s-button", SButton);

  // ------------------------------------------------------------------------------ form fields (ElementInternals)
  var FIELD_CSS =
    ":host{display:block;min-width:0}:host([hidden]){display:none}" +
    "label{display:block;margin-bottom:4px;font-weight:450}" +
    ":host([labelaccessibilityvisibility=exclusive]) label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "input,select,textarea{display:block;width:100%;min-height:32px;padding:6px 12px;font:inherit;color:inherit;" +
    "background:#fdfdfd;border:.66px solid #8a8a8a;border-top-color:#898f94;border-radius:8px;outline:0}" +
    "input:hover,select:hover{border-color:#616161;background:#fafafa}" +
    "input:focus,select:focus,textarea:focus{outline:2px solid var(--p-focus);outline-offset:1px}" +
    "input[aria-invalid=true],select[aria-invalid=true]{border-color:#8e0b21;background:#fee9e8}" +
    "input:disabled,select:disabled{background:#f7f7f7;color:#b5b5b5;border-color:#e3e3e3}" +
    "select{appearance:none;padding-right:32px;background-image:url(\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='20' height='20'%3E%3Cpath d='M7 8l3-3 3 3M7 12l3 3 3-3' fill='none' stroke='%234a4a4a' stroke-width='1.5'/%3E%3C/svg%3E\");background-repeat:no-repeat;background-position:right 8px center}" +
    ".details{color:var(--p-text-secondary);margin-top:4px;font-size:12px}.details:empty,.error:empty{display:none}" +
    ".error{color:#8e0b21;margin-top:4px}";

  var FIELD_COUNTER = 0;

  class FieldBase extends HTMLElement {
    static get formAssociated() { return true; }
    static get observedAttributes() {
      return ["label", "name", "value", "placeholder", "error", "details", "disabled", "required", "readonly",
        "autocomplete", "maxlength", "minlength", "min", "max", "step", "allow", "labelaccessibilityvisibility"];
    }
    constructor() {
      super();
      this._internals = this.attachInternals ? this.attachInternals() : null;
      var root = this.attachShadow({ mode: "open", delegatesFocus: true });
      root.appendChild(sheet(FIELD_CSS));
      var id = "f" + (++FIELD_COUNTER);
      var wrap = document.createElement("div");
      wrap.innerHTML = '<label for="' + id + '"></label>' + this._control(id) +
        '<div class="error" id="' + id + '-error" role="alert"></div><div class="details" id="' + id + '-details"></div>';
      root.appendChild(wrap);
      this._label = root.querySelector("label");
      this._input = root.querySelector("#" + id);
      this._error = root.querySelector(".error");
      this._details = root.querySelector(".details");
      this._input.setAttribute("aria-describedby", id + "-error " + id + "-details");
      this._value = null;
      var self = this;
      this._input.addEventListener("input", function () {
        self._value = self._input.value;
        self._sync();
        // "input" is composed: it already reaches the host's listeners.
      });
      this._input.addEventListener("change", function () {
        self._value = self._input.value;
        self._picked = true;
        self._sync();
        self.dispatchEvent(new Event("change", { bubbles: true }));
      });
      this._input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && self._input.tagName === "INPUT" && self.form) {
          event.preventDefault();
          self.form.requestSubmit();
        }
      });
    }
    _control(id) { return '<input id="' + id + '" type="' + this._inputType() + '" part="input">'; }
    _inputType() { return "text"; }
    connectedCallback() {
      if (this._value === null) this._value = attr(this, "value", "");
      this._render();
      if (this.hasAttribute("autofocus") && !this._focused) {
        this._focused = true;
        var input = this._input;
        requestAnimationFrame(function () { input.focus(); });
      }
    }
    attributeChangedCallback(name) {
      if (name === "value") this._value = attr(this, "value", "");
      this._render();
    }
    get name() { return attr(this, "name", ""); }
    set name(value) { this.setAttribute("name", value); }
    get value() { return this._value === null ? attr(this, "value", "") : this._value; }
    set value(value) { this._value = value == null ? "" : String(value); this._input.value = this._value; this._sync(); }
    get defaultValue() { return attr(this, "value", ""); }
    get disabled() { return this.hasAttribute("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", !!value); }
    get form() { return this._internals ? this._internals.form : null; }
    get type() { return this._inputType(); }
    get error() { return attr(this, "error", ""); }
    set error(value) { if (value) this.setAttribute("error", value); else this.removeAttribute("error"); }
    focus(options) { this._input.focus(options); }
    formResetCallback() {
      this._picked = false;
      this._value = this.defaultValue;
      if (this._options) this._options();
      this._input.value = this.value;
      this._sync();
      this._render();
    }
    formDisabledCallback(disabled) { this._input.disabled = disabled || this.disabled; }
    _sync() {
      if (!this._internals) return;
      this._internals.setFormValue(this.disabled ? null : this.value);
      if (this.hasAttribute("required") && !this.value) {
        this._internals.setValidity({ valueMissing: true }, (this.getAttribute("label") || "This field") + " is required.", this._input);
      } else {
        this._internals.setValidity({});
      }
    }
    _render() {
      this._label.textContent = attr(this, "label", "");
      var input = this._input;
      ["placeholder", "autocomplete", "maxlength", "minlength", "min", "max", "step"].forEach(function (name) {
        var value = this.getAttribute(name);
        if (value === null) input.removeAttribute(name); else input.setAttribute(name, value);
      }, this);
      input.disabled = this.disabled;
      input.readOnly = this.hasAttribute("readonly");
      input.required = this.hasAttribute("required");
      if (input.value !== this.value) input.value = this.value;
      var error = this.error;
      this._error.textContent = error;
      input.setAttribute("aria-invalid", error ? "true" : "false");
      this._details.textContent = attr(this, "details", "");
      this._sync();
    }
  }

  class STextField extends FieldBase {}
  define("s-text-field", STextField);
  class SEmailField extends FieldBase { _inputType() { return "email"; } }
  define("s-email-field", SEmailField);
  class SPasswordField extends FieldBase { _inputType() { return "password"; } }
  define("s-password-field", SPasswordField);
  class SURLField extends FieldBase { _inputType() { return "url"; } }
  define("s-url-field", SURLField);
  class SNumberField extends FieldBase { _inputType() { return "number"; } }
  define("s-number-field", SNumberField);
  class SSearchField extends FieldBase { _inputType() { return "search"; } }
  define("s-search-field", SSearchField);

  // s-date-field: a text field with a calendar (the browser's own date picker here); `allow` takes the
  // documented range form "YYYY-MM-DD--YYYY-MM-DD" (either end may be empty).
  class SDateField extends FieldBase {
    _inputType() { return "date"; }
    _render() {
      super._render();
      var allow = this.getAttribute("allow");
      if (allow && allow.indexOf("--") >= 0) {
        var ends = allow.split("--");
        if (ends[0]) this._input.min = ends[0];
        if (ends[1]) this._input.max = ends[1];
      }
    }
  }
  define("s-date-field", SDateField);

  class SSelect extends FieldBase {
    _control(id) { return '<select id="' + id + '" part="input"></select>'; }
    _inputType() { return "select-one"; }
    connectedCallback() {
      this._options();
      super.connectedCallback();
      if (!this._observer) {
        var self = this;
        this._observer = new MutationObserver(function () { self._options(); self._render(); });
        this._observer.observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
      }
    }
    _options() {
      var select = this._input;
      select.textContent = "";
      var placeholder = this.getAttribute("placeholder");
      if (placeholder) {
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = placeholder;
        select.appendChild(blank);
      }
      var chosen = null;
      this.querySelectorAll("s-option").forEach(function (source) {
        var option = document.createElement("option");
        option.value = attr(source, "value", source.textContent.trim());
        option.textContent = source.textContent.trim();
        option.disabled = source.hasAttribute("disabled");
        if (source.hasAttribute("selected") || source.hasAttribute("defaultselected")) chosen = option.value;
        select.appendChild(option);
      });
      // Until the merchant picks one, the value is the value attribute, else the selected option, else the first.
      if (!this._picked && !this.hasAttribute("value")) {
        this._value = chosen !== null ? chosen : (select.options.length ? select.options[0].value : "");
      }
      select.value = this.value;
    }
  }
  define("s-select", SSelect);
  class SOption extends HTMLElement {}
  define("s-option", SOption);

  class SCheckbox extends HTMLElement {
    static get formAssociated() { return true; }
    static get observedAttributes() { return ["label", "name", "value", "checked", "disabled", "details", "error"]; }
    constructor() {
      super();
      this._internals = this.attachInternals ? this.attachInternals() : null;
      var root = this.attachShadow({ mode: "open", delegatesFocus: true });
      root.appendChild(sheet(
        ":host{display:inline-block}label{display:inline-flex;gap:8px;align-items:flex-start;cursor:pointer}" +
        "input{width:16px;height:16px;margin:2px 0 0;accent-color:#303030}" +
        ".details{color:var(--p-text-secondary);font-size:12px;margin-left:24px}.details:empty,.error:empty{display:none}" +
        ".error{color:#8e0b21;margin-left:24px}"
      ));
      var wrap = document.createElement("div");
      wrap.innerHTML = '<label><input type="checkbox" part="input"><span></span></label><div class="error"></div><div class="details"></div>';
      root.appendChild(wrap);
      this._input = root.querySelector("input");
      this._text = root.querySelector("label span");
      this._checked = null;
      var self = this;
      this._input.addEventListener("change", function () {
        self._checked = self._input.checked;
        self._sync();
        self.dispatchEvent(new Event("input", { bubbles: true }));
        self.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    connectedCallback() {
      if (this._checked === null) this._checked = this.hasAttribute("checked");
      this._render();
    }
    attributeChangedCallback(name) {
      if (name === "checked") this._checked = this.hasAttribute("checked");
      if (this.isConnected) this._render();
    }
    get name() { return attr(this, "name", ""); }
    get value() { return attr(this, "value", "on"); }
    set value(value) { this.setAttribute("value", value); }
    get type() { return "checkbox"; }
    get checked() { return !!this._checked; }
    set checked(value) { this._checked = !!value; this._input.checked = this._checked; this._sync(); }
    get disabled() { return this.hasAttribute("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", !!value); }
    get form() { return this._internals ? this._internals.form : null; }
    formResetCallback() { this.checked = this.hasAttribute("checked"); }
    _sync() {
      if (this._internals) this._internals.setFormValue(this.checked && !this.disabled ? this.value : null);
    }
    _render() {
      this._text.textContent = attr(this, "label", "");
      var label = this.getAttribute("accessibilitylabel");
      if (label) this._input.setAttribute("aria-label", label); else this._input.removeAttribute("aria-label");
      this._input.checked = this.checked;
      this._input.disabled = this.disabled;
      this.shadowRoot.querySelector(".details").textContent = attr(this, "details", "");
      this.shadowRoot.querySelector(".error").textContent = attr(this, "error", "");
      this._sync();
    }
  }
  define("s-checkbox", SCheckbox);

  // s-text-area: a multi-line field (rows), the same API and form participation as the other fields.
  class STextArea extends FieldBase {
    static get observedAttributes() { return FieldBase.observedAttributes.concat(["rows"]); }
    _control(id) { return '<textarea id="' + id + '" part="input"></textarea>'; }
    _inputType() { return "textarea"; }
    _render() {
      super._render();
      this._input.rows = parseInt(attr(this, "rows", "2"), 10) || 2;
      this._input.style.resize = "vertical";
      this._input.style.minHeight = "auto";
    }
  }
  define("s-text-area", STextArea);

  // s-choice-list: radio buttons, or checkboxes with `multiple`, drawn from its <s-choice> children (value,
  // selected/defaultSelected, disabled, the label as text, an optional slot="details" child). Like <s-select>,
  // the controls live in the list's own shadow root, so a radio group is one group for the keyboard and AT.
  // It submits its name once per chosen value (a FormData for setFormValue), as native inputs do.
  class SChoiceList extends HTMLElement {
    static get formAssociated() { return true; }
    static get observedAttributes() {
      return ["label", "name", "multiple", "disabled", "error", "details", "labelaccessibilityvisibility"];
    }
    constructor() {
      super();
      this._internals = this.attachInternals ? this.attachInternals() : null;
      var root = this.attachShadow({ mode: "open", delegatesFocus: true });
      root.appendChild(sheet(
        ":host{display:block;min-width:0}:host([hidden]){display:none}" +
        "fieldset{border:0;margin:0;padding:0;min-width:0}" +
        "legend{padding:0;margin-bottom:4px;font-weight:450}" +
        ":host([labelaccessibilityvisibility=exclusive]) legend{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
        ".choices{display:flex;flex-direction:column;gap:4px}" +
        ":host([variant=inline]) .choices{flex-direction:row;flex-wrap:wrap;gap:4px 20px}" +
        "label{display:flex;gap:8px;align-items:flex-start;cursor:pointer}" +
        "input{width:16px;height:16px;margin:2px 0 0;flex:none;accent-color:#303030}" +
        "input:focus-visible{outline:2px solid var(--p-focus);outline-offset:1px}" +
        "label.disabled{cursor:default;color:#b5b5b5}" +
        ".text{display:flex;flex-direction:column;min-width:0}" +
        ".choice-details{color:var(--p-text-secondary);font-size:12px;line-height:16px}.choice-details:empty{display:none}" +
        ".details{color:var(--p-text-secondary);margin-top:4px;font-size:12px}.details:empty,.error:empty{display:none}" +
        ".error{color:#8e0b21;margin-top:4px}"
      ));
      var wrap = document.createElement("fieldset");
      wrap.innerHTML = '<legend></legend><div class="choices" role="presentation"></div>' +
        '<div class="error" role="alert"></div><div class="details"></div>';
      root.appendChild(wrap);
      this._fieldset = wrap;
      this._legend = root.querySelector("legend");
      this._choices = root.querySelector(".choices");
      this._selected = null;
      var self = this;
      this._choices.addEventListener("change", function () {
        self._selected = Array.prototype.filter.call(self._inputs(), function (input) { return input.checked; })
          .map(function (input) { return input.value; });
        self._sync();
        self.dispatchEvent(new Event("input", { bubbles: true }));
        self.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    connectedCallback() {
      this._build();
      if (!this._observer) {
        var self = this;
        this._observer = new MutationObserver(function () { self._build(); });
        this._observer.observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
      }
    }
    attributeChangedCallback() { if (this.isConnected) this._build(); }
    get name() { return attr(this, "name", ""); }
    set name(value) { this.setAttribute("name", value); }
    get multiple() { return this.hasAttribute("multiple"); }
    get disabled() { return this.hasAttribute("disabled"); }
    set disabled(value) { this.toggleAttribute("disabled", !!value); }
    get form() { return this._internals ? this._internals.form : null; }
    get type() { return this.multiple ? "checkbox" : "radio"; }
    get values() { return (this._selected || this._defaults()).slice(); }
    set values(list) { this._selected = (list || []).map(String); this._build(); }
    get error() { return attr(this, "error", ""); }
    set error(value) { if (value) this.setAttribute("error", value); else this.removeAttribute("error"); }
    focus(options) { var first = this._inputs()[0]; if (first) first.focus(options); }
    formResetCallback() { this._selected = null; this._build(); }
    _inputs() { return this._choices.querySelectorAll("input"); }
    _sources() {
      return Array.prototype.filter.call(this.children, function (c) { return c.tagName === "S-CHOICE"; });
    }
    _defaults() {
      var chosen = this._sources().filter(function (c) {
        return c.hasAttribute("selected") || c.hasAttribute("defaultselected");
      }).map(function (c) { return attr(c, "value", ""); });
      return this.multiple ? chosen : chosen.slice(0, 1);
    }
    _build() {
      var selected = this.values;
      var multiple = this.multiple;
      var name = this.name || "choices";
      var disabled = this.disabled;
      var box = this._choices;
      box.textContent = "";
      box.setAttribute("role", multiple ? "group" : "radiogroup");
      this._sources().forEach(function (source) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = multiple ? "checkbox" : "radio";
        input.name = name; // one radio group per list, inside this shadow root
        input.value = attr(source, "value", "");
        input.checked = selected.indexOf(input.value) >= 0;
        input.disabled = disabled || source.hasAttribute("disabled");
        var a11y = source.getAttribute("accessibilitylabel");
        if (a11y) input.setAttribute("aria-label", a11y);
        label.classList.toggle("disabled", input.disabled);
        var text = document.createElement("span");
        text.className = "text";
        var main = document.createElement("span");
        var extra = document.createElement("span");
        extra.className = "choice-details";
        source.childNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.getAttribute("slot") === "details") {
            extra.textContent += node.textContent.trim();
          } else {
            main.appendChild(document.createTextNode(node.textContent));
          }
        });
        main.textContent = main.textContent.replace(/\s+/g, " ").trim();
        text.appendChild(main);
        text.appendChild(extra);
        label.appendChild(input);
        label.appendChild(text);
        box.appendChild(label);
      });
      this._legend.textContent = attr(this, "label", "");
      this.shadowRoot.querySelector(".error").textContent = this.error;
      this.shadowRoot.querySelector(".details").textContent = attr(this, "details", "");
      this._fieldset.setAttribute("aria-invalid", this.error ? "true" : "false");
      this._sync();
    }
    _sync() {
      if (!this._internals) return;
      var values = this.values;
      if (this.disabled || !values.length || !this.name) { this._internals.setFormValue(null); return; }
      var data = new FormData();
      var name = this.name;
      values.forEach(function (value) { data.append(name, value); });
      this._internals.setFormValue(data);
    }
  }
  define("s-choice-list", SChoiceList);
  class SChoice extends HTMLElement {}
  define("s-choice", SChoice);

  // s-button-group: buttons laid out together (children, or the primary-action / secondary-actions slots).
  class SButtonGroup extends HTMLElement {
    static get observedAttributes() { return ["gap", "accessibilitylabel"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:flex;flex-wrap:wrap;align-items:center;gap:8px;max-width:100%}" +
        ":host([gap=none]) {gap:0}"
      ));
      root.appendChild(document.createElement("slot")).setAttribute("name", "secondary-actions");
      root.appendChild(document.createElement("slot"));
      root.appendChild(document.createElement("slot")).setAttribute("name", "primary-action");
    }
    connectedCallback() { this._render(); }
    attributeChangedCallback() { this._render(); }
    _render() {
      if (!this.hasAttribute("role")) this.setAttribute("role", "group");
      var label = this.getAttribute("accessibilitylabel");
      if (label) this.setAttribute("aria-label", label);
    }
  }
  define("s-button-group", SButtonGroup);

  // s-modal: an overlay (heading, padding, size; slots primary-action and secondary-actions), opened by a
  // button's commandFor/command (--show, --hide, --toggle) or by showOverlay()/hideOverlay()/toggleOverlay();
  // events show, afterShow, hide, afterHide. The host is the dialog (its content stays in the page, so HTMX
  // swaps inside it), drawn above an inert page; Escape and the close button hide it.
  var MODAL_SIZES = { small: "380px", "small-100": "480px", base: "620px", large: "980px", "large-100": "1200px" };
  class SModal extends HTMLElement {
    static get observedAttributes() { return ["heading", "accessibilitylabel", "padding", "size"]; }
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(sheet(
        ":host{display:none}" +
        ":host([data-open]){display:flex;flex-direction:column;position:fixed;z-index:520;top:50%;left:50%;" +
        "transform:translate(-50%,-50%);width:min(var(--w,620px),calc(100vw - 16px));max-height:calc(100vh - 32px);" +
        "background:#fff;border-radius:12px;overflow:hidden;" +
        "box-shadow:0 0 0 100vmax rgba(0,0,0,.5),0 20px 20px -8px rgba(26,26,26,.28),0 0 0 1px rgba(0,0,0,.08)}" +
        "header{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:#f3f3f3;border-bottom:1px solid #e3e3e3}" +
        "h2{flex:1;margin:0;font-size:14px;line-height:20px;font-weight:650}" +
        ".close{border:0;background:none;border-radius:8px;width:28px;height:28px;font-size:18px;line-height:1;color:#4a4a4a;cursor:pointer}" +
        ".close:hover{background:rgba(0,0,0,.06)}.close:focus-visible{outline:2px solid var(--p-focus)}" +
        ".body{padding:16px;overflow:auto;flex:1 1 auto;min-height:0}:host([padding=none]) .body{padding:0}" +
        "footer{display:flex;justify-content:flex-end;gap:8px;padding:12px 16px;border-top:1px solid #e3e3e3}" +
        "footer:not(.filled){display:none}"
      ));
      var wrap = document.createElement("div");
      wrap.style.display = "contents";
      wrap.innerHTML = '<header part="header"><h2></h2><button type="button" class="close" aria-label="Close">×</button></header>' +
        '<div class="body"><slot></slot></div>' +
        '<footer><slot name="secondary-actions"></slot><slot name="primary-action"></slot></footer>';
      root.appendChild(wrap);
      this._title = root.querySelector("h2");
      var footer = root.querySelector("footer");
      var slots = root.querySelectorAll("footer slot");
      function fill() {
        var any = Array.prototype.some.call(slots, function (s) { return s.assignedElements().length > 0; });
        footer.classList.toggle("filled", any);
      }
      slots.forEach(function (s) { s.addEventListener("slotchange", fill); });
      var self = this;
      root.querySelector(".close").addEventListener("click", function () { self.hideOverlay(); });
      this._onKey = function (event) {
        if (event.key === "Escape" && self.hasAttribute("data-open")) { event.preventDefault(); self.hideOverlay(); }
      };
    }
    connectedCallback() {
      this.setAttribute("role", "dialog");
      this.setAttribute("aria-modal", "true");
      this._render();
    }
    attributeChangedCallback() { this._render(); }
    get heading() { return attr(this, "heading", ""); }
    set heading(value) { this.setAttribute("heading", value); }
    showOverlay() {
      if (this.hasAttribute("data-open")) return;
      this._opener = document.activeElement;
      this.dispatchEvent(new Event("show"));
      this.setAttribute("data-open", "");
      // The rest of the page is inert while the modal is open (what a modal <dialog> does).
      this._inert = [];
      for (var node = this; node && node !== document.body; node = node.parentElement) {
        var parent = node.parentElement;
        if (!parent) break;
        Array.prototype.forEach.call(parent.children, function (sibling) {
          // Live regions (the toasts) stay live: what the modal's actions report is still announced.
          if (sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT" && sibling.tagName !== "STYLE" &&
              !sibling.hasAttribute("aria-live")) {
            sibling.inert = true;
            this._inert.push(sibling);
          }
        }, this);
      }
      document.addEventListener("keydown", this._onKey, true);
      var focusable = this.querySelector("s-button, s-text-field, s-date-field, s-choice-list, s-select, a[href], button, input, select, textarea");
      var target = focusable || this.shadowRoot.querySelector(".close");
      if (target && target.focus) target.focus();
      var self = this;
      setTimeout(function () { self.dispatchEvent(new Event("afterShow")); self.dispatchEvent(new Event("aftershow")); }, 0);
    }
    hideOverlay() {
      if (!this.hasAttribute("data-open")) return;
      this.dispatchEvent(new Event("hide"));
      this.removeAttribute("data-open");
      (this._inert || []).forEach(function (el) { el.inert = false; });
      this._inert = [];
      document.removeEventListener("keydown", this._onKey, true);
      if (this._opener && this._opener.focus && this._opener.isConnected) this._opener.focus();
      var self = this;
      setTimeout(function () { self.dispatchEvent(new Event("afterHide")); self.dispatchEvent(new Event("afterhide")); }, 0);
    }
    toggleOverlay() { if (this.hasAttribute("data-open")) this.hideOverlay(); else this.showOverlay(); }
    _render() {
      this._title.textContent = this.heading;
      this._title.hidden = !this.heading;
      var label = this.getAttribute("accessibilitylabel") || this.heading;
      if (label) this.setAttribute("aria-label", label);
      this.style.setProperty("--w", MODAL_SIZES[attr(this, "size", "base")] || MODAL_SIZES.base);
    }
  }
  define("s-modal", SModal);

  // ------------------------------------------------------------------------------------------------ s-table
  // Cells take their list-layout slot and label from their column's header (listSlot), as the real table does.
  var LIST_BREAKPOINT = 600;

  class STable extends HTMLElement {
    static get observedAttributes() { return ["variant", "loading"]; }
    connectedCallback() {
      this.setAttribute("role", "table");
      var self = this;
      if (!this._observer) {
        this._observer = new MutationObserver(function () { self._label(); });
        this._observer.observe(this, { childList: true, subtree: true });
      }
      if (!this._resize && window.ResizeObserver) {
        this._resize = new ResizeObserver(function () { self._layout(); });
        this._resize.observe(this.parentElement || this);
      }
      this._label();
      this._layout();
    }
    disconnectedCallback() {
      if (this._resize) { this._resize.disconnect(); this._resize = null; }
    }
    attributeChangedCallback() { if (this.isConnected) this._layout(); }
    get variant() { return attr(this, "variant", "auto"); }
    set variant(value) { this.setAttribute("variant", value); }
    _layout() {
      var width = this.parentElement ? this.parentElement.clientWidth : window.innerWidth;
      this.toggleAttribute("aria-busy", this.hasAttribute("loading"));
      // Only a change of the container's width decides again (a change of layout changes its height only).
      if (width === this._width && this.hasAttribute("data-layout")) return;
      this._width = width;
      var list = this.variant === "list" || (this.variant !== "table" && width > 0 && width < LIST_BREAKPOINT);
      if (!list && this.variant !== "table" && width > 0) {
        // "auto": a table whose columns do not fit its container becomes a list rather than overflow it.
        this.setAttribute("data-layout", "table");
        list = this.getBoundingClientRect().width > width + 1;
      }
      var layout = list ? "list" : "table";
      if (this.getAttribute("data-layout") !== layout) this.setAttribute("data-layout", layout);
    }
    _label() {
      this._width = null; // rows came or went: their width may not fit any more (or fit again)
      if (this.isConnected) { var self = this; requestAnimationFrame(function () { self._layout(); }); }
      var headers = Array.prototype.slice.call(this.querySelectorAll("s-table-header-row > s-table-header"));
      headers.forEach(function (header) { header.setAttribute("role", "columnheader"); });
      var headerRow = this.querySelector("s-table-header-row");
      if (headerRow) headerRow.setAttribute("role", "row");
      this.querySelectorAll("s-table-body").forEach(function (body) { body.setAttribute("role", "rowgroup"); });
      this.querySelectorAll("s-table-body > s-table-row").forEach(function (row) {
        if (row.getAttribute("role") !== "row") row.setAttribute("role", "row");
        var cells = Array.prototype.filter.call(row.children, function (c) { return c.tagName === "S-TABLE-CELL"; });
        cells.forEach(function (cell, index) {
          var header = headers[index];
          if (!cell.hasAttribute("role")) cell.setAttribute("role", "cell");
          var slot = header ? attr(header, "listslot", "labeled") : "labeled";
          if (cell.getAttribute("data-list-slot") !== slot) cell.setAttribute("data-list-slot", slot);
          var label = header ? header.textContent.trim() : "";
          if (cell.getAttribute("data-list-label") !== label) cell.setAttribute("data-list-label", label);
          var format = header ? header.getAttribute("format") : null;
          if (format && cell.getAttribute("data-format") !== format) cell.setAttribute("data-format", format);
        });
      });
    }
  }
  define("s-table", STable);
  ["s-table-header-row", "s-table-header", "s-table-body", "s-table-row", "s-table-cell"].forEach(function (name) {
    define(name, class extends HTMLElement {});
  });
})();
