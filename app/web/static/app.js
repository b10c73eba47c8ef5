// Servicedesk: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // htmx would add an inline <style> for its indicators, which our CSP forbids (app.css has what we need).
  if (window.htmx) { window.htmx.config.includeIndicatorStyles = false; }
  // htmx requests carry the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { e.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // Composer forms posted by htmx: clear them when the new entry is in the timeline; show a 4xx
  // answer (a short error fragment) next to the form instead of dropping it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var form = e.detail.requestConfig && e.detail.requestConfig.elt;
    var status = e.detail.xhr.status;
    if (form && form.dataset && form.dataset.errors && status >= 400 && status < 500) {
      var box = document.querySelector(form.dataset.errors);
      if (box) {
        e.detail.shouldSwap = true;
        e.detail.isError = false;
        e.detail.target = box;
        e.detail.swapOverride = "innerHTML";
      }
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    var xhr = e.detail.xhr;
    if (!form || form.tagName !== "FORM" || !xhr || xhr.status < 200 || xhr.status >= 300) { return; }
    if (form.hasAttribute("data-reset-on-success")) { form.reset(); }
    if (form.dataset.errors) {
      var box = document.querySelector(form.dataset.errors);
      if (box) { box.textContent = ""; }
    }
  });

  // "Select all" in the queue table.
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "select-all") {
      document.querySelectorAll('table.queue tbody input[type=checkbox][name="ids"]').forEach(function (box) {
        box.checked = e.target.checked;
      });
    }
  });

  // Keyboard shortcuts (ignored while typing): see the "?" help on queue and ticket pages.
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function click(sel) { var el = document.querySelector(sel); if (el) { el.click(); return true; } return false; }
  function focus(sel) {
    var el = document.querySelector(sel);
    if (!el) { return false; }
    var closed = el.closest("details:not([open])");
    if (closed) { closed.open = true; }
    el.focus();
    if (el.scrollIntoView) { el.scrollIntoView({block: "center"}); }
    return true;
  }

  var rowIndex = -1;
  function moveRow(delta) {
    var rows = document.querySelectorAll("table.queue tbody tr");
    if (!rows.length) { return; }
    if (rowIndex >= 0 && rows[rowIndex]) { rows[rowIndex].classList.remove("row-focus"); }
    rowIndex = Math.max(0, Math.min(rows.length - 1, rowIndex + delta));
    rows[rowIndex].classList.add("row-focus");
    var link = rows[rowIndex].querySelector("a.ticket-link");
    if (link) { link.focus(); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && typing(document.activeElement)) {
        var form = document.activeElement.form;
        if (form) { e.preventDefault(); form.requestSubmit(); }
      }
      return;
    }
    if (typing(document.activeElement)) {
      if (e.key === "Escape") { document.activeElement.blur(); }
      return;
    }
    var handled = true;
    switch (e.key) {
      case "j": moveRow(1); break;
      case "k": moveRow(-1); break;
      case "x": {
        var rows = document.querySelectorAll("table.queue tbody tr");
        var box = rows[rowIndex] && rows[rowIndex].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; } else { handled = false; }
        break;
      }
      case "/": handled = focus("#q"); break;
      case "r": handled = focus("#reply-body"); break;
      case "n": handled = focus("#note-body"); break;
      case "a": handled = click("#assign-me"); break;
      case "c": handled = click("#nav-new-ticket"); break;
      case "?": { var help = document.getElementById("shortcuts"); if (help) { help.open = !help.open; } break; }
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });
})();
