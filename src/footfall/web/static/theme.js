// The theme: the visitor's choice (the toggle), else the system's, followed live.
(function () {
  var media = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    var t = null;
    try { t = localStorage.getItem("footfall-theme"); } catch (e) {}
    if (t !== "dark" && t !== "light") t = media.matches ? "dark" : "light";
    document.documentElement.setAttribute("data-theme", t);
  }
  apply();
  media.addEventListener("change", apply);
})();
