// A lesson's glossary terms. Their definitions show on hover and keyboard focus by CSS alone; this
// script adds what CSS cannot (WCAG 1.4.13): Escape hides an open definition, and on a touch screen
// the first tap on a term shows its definition (with a link to the glossary) instead of leaving
// the lesson, and a second tap hides it. Without JavaScript a term is a plain link to the glossary.
(function () {
  "use strict";
  var lastPointer = "mouse";
  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  document.addEventListener("keydown", function () { lastPointer = "keyboard"; }, true);

  function close(wrap) {
    wrap.classList.remove("open");
    wrap.classList.add("dismissed");
  }

  document.querySelectorAll(".term-wrap").forEach(function (wrap) {
    var term = wrap.querySelector("a.term");
    var tip = wrap.querySelector(".term-tip");
    if (!term || !tip) { return; }
    term.addEventListener("click", function (event) {
      if (lastPointer !== "touch") { return; }  // a mouse click or Enter goes to the glossary
      event.preventDefault();
      if (wrap.classList.contains("open")) { close(wrap); return; }
      document.querySelectorAll(".term-wrap.open").forEach(close);
      if (!tip.querySelector(".tip-more")) {
        var more = document.createElement("a");
        more.className = "tip-more";
        more.href = term.getAttribute("href");
        more.textContent = "Open in the glossary";
        tip.appendChild(document.createTextNode(" "));
        tip.appendChild(more);
      }
      wrap.classList.remove("dismissed");
      wrap.classList.add("open");
    });
    // shown again by the next hover or focus
    wrap.addEventListener("mouseleave", function () { wrap.classList.remove("dismissed"); });
    wrap.addEventListener("focusout", function () { wrap.classList.remove("dismissed"); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".term-wrap").forEach(function (wrap) {
      if (wrap.classList.contains("open") || wrap.matches(":hover, :focus-within")) { close(wrap); }
    });
  });
  document.addEventListener("click", function (event) {  // a tap elsewhere hides an open definition
    if (!event.target.closest(".term-wrap")) { document.querySelectorAll(".term-wrap.open").forEach(close); }
  });
}());
