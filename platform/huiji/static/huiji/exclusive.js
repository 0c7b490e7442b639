/* Exclusive choices of a multiple-choice question (CACEM's 资质信息 "无"): ticking one
   marked data-exclusive unticks the others of its question, and ticking another unticks
   it. The server refuses the combination anyway; this only saves a round trip.
   Loaded from our own origin, no inline script (Content-Security-Policy). */
(function () {
  "use strict";
  document.querySelectorAll(".checks").forEach(function (group) {
    var boxes = group.querySelectorAll("input[type=checkbox]");
    if (!group.querySelector("input[data-exclusive]")) return;
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) return;
        boxes.forEach(function (other) {
          if (other === box) return;
          if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
            other.checked = false;
          }
        });
      });
    });
  });
})();
