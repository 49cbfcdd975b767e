// The theme: an embed's (?theme=), else the visitor's choice (the toggle), else the
// system's, followed live.
(function () {
  var media = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    var t = document.documentElement.getAttribute("data-theme-forced");  // an embed's
    if (t !== "dark" && t !== "light") {
      try { t = localStorage.getItem("footfall-theme"); } catch (e) {}
    }
    if (t !== "dark" && t !== "light") t = media.matches ? "dark" : "light";
    document.documentElement.setAttribute("data-theme", t);
  }
  apply();
  media.addEventListener("change", apply);
})();
