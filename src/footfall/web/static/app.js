// Footfall pages: theme toggle and copy buttons. No dependencies, no data via innerHTML.
(function () {
  "use strict";
  var root = document.documentElement;

  function current() {  // base.html has set it, from the stored choice or the system
    return root.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("footfall-theme", next); } catch (e) { /* private mode */ }
      document.dispatchEvent(new CustomEvent("footfall:theme", { detail: next }));
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!target) return;
    var source = document.getElementById(target.getAttribute("data-copy") || "");
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    var done = function () {
      var label = target.textContent;
      target.textContent = "Copied";
      setTimeout(function () { target.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text || "").then(done, function () {});
    } else if ("select" in source) {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // A new site's time zone starts as the browser's (the server only knows UTC); a form
  // sent back with an error keeps what was chosen.
  var zones = document.querySelector("select[data-browser-default]");
  if (zones) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      for (var i = 0; i < zones.options.length; i++) {
        if (zones.options[i].value === zone) { zones.value = zone; break; }
      }
    } catch (e) { /* no Intl: UTC stays */ }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
