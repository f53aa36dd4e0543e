// Forms on every page (issue 14 items 4 and 8), loaded as a file (the CSP allows no inline script).
// - Idempotency keys: a form's hidden idempotency_key that the server left empty (a live part shared by
//   many readers) gets a random key when the form is sent, kept while the form's content stays the same,
//   so a double click or a retry is recognised by the server and stored once; new content, new key.
// - Long texts: a field with a limit (data-limit, or a maxlength of 1000 or more) shows "n / limit" as
//   one types, and is never cut: the browser's maxlength is lifted; the server refuses more, with a message.
(function () {
  "use strict";

  function randomKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function content(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "idempotency_key" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files || [], function (f) { parts.push(el.name + "=" + f.name + ":" + f.size); });
      } else if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      } else {
        parts.push(el.name + "=" + el.value);
      }
    });
    return parts.join("\u0000");
  }

  // Capture phase: runs before any page script reads the form (dashboard.js sends it with fetch).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var field = form.querySelector("input[name=idempotency_key][data-idempotency=client]");
    if (!field) return;
    var now = content(form);
    if (!field.value || field.getAttribute("data-content") !== now) {
      field.value = randomKey();
      field.setAttribute("data-content", now);
    }
  }, true);

  // --- Counters on long text fields.
  var en = document.documentElement.lang === "en";
  function limitOf(el) {
    var limit = parseInt(el.getAttribute("data-limit") || "0", 10);
    if (!limit) {
      var max = parseInt(el.getAttribute("maxlength") || "0", 10);
      if (max >= 1000) {
        limit = max;
        el.setAttribute("data-limit", String(max));
      }
    }
    return limit;
  }
  function counterFor(el) {
    var id = el.getAttribute("data-counter-id");
    var counter = id && document.getElementById(id);
    if (counter) return counter;
    counter = document.createElement("span");
    counter.className = "char-count";
    counter.id = "count-" + Math.random().toString(36).slice(2);
    counter.setAttribute("aria-live", "polite");
    el.setAttribute("data-counter-id", counter.id);
    el.insertAdjacentElement("afterend", counter);
    return counter;
  }
  function update(el) {
    var limit = limitOf(el);
    if (!limit) return;
    el.removeAttribute("maxlength"); // never cut what someone typed or pasted
    var counter = counterFor(el);
    var n = el.value.length;
    var over = n > limit;
    counter.textContent = n.toLocaleString() + " / " + limit.toLocaleString() +
      (over ? (en ? " (too long: shorten by " + (n - limit).toLocaleString() + ")" : "（超出 " + (n - limit).toLocaleString() + " 字，请删减）") : "");
    counter.classList.toggle("over", over);
    el.setCustomValidity(over ? (en ? "At most " + limit.toLocaleString() + " characters." : "最多 " + limit.toLocaleString() + " 字。") : "");
  }
  function scan(root) {
    (root || document).querySelectorAll("textarea[data-limit], input[data-limit], textarea[maxlength], input[maxlength]").forEach(function (el) {
      if (limitOf(el)) update(el);
    });
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if ((el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) && limitOf(el)) update(el);
  });
  // Live parts are replaced or morphed: new fields get their counters too.
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (node) { if (node.nodeType === 1) scan(node.parentNode || node); });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();
})();

// Parts that follow a select (issue 16): an element with data-follows-select="<name>" and data-cause="<value>"
// is shown only while the page's select[name=<name>] holds that value (the issuing form's target panel per cause).
(function () {
  "use strict";
  function sync(select) {
    document.querySelectorAll("[data-follows-select='" + select.name + "']").forEach(function (el) {
      el.hidden = el.getAttribute("data-cause") !== select.value;
    });
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.name && document.querySelector("[data-follows-select='" + el.name + "']")) sync(el);
  });
})();
