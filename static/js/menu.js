// The site's header on a narrow screen: its links fold behind the "Menu" button. Loaded in <head>
// (not deferred) so the page is marked as scripted before its first paint, and the links never
// flash open and shut; without JavaScript the button stays hidden and the links simply wrap.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var header = document.querySelector("header.site");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) { return; }
    function show(open) {
      header.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
    }
    button.addEventListener("click", function () { show(!header.classList.contains("open")); });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) { show(false); button.focus(); }
    });
  });
}());
