/* The import's progress bar: polls the import's small JSON endpoint while it is writing,
   then reloads the page to show the result (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var box = document.querySelector(".import-progress[data-progress-url]");
  if (!box || !box.dataset.running) { return; }
  var bar = box.querySelector("progress");
  function set(cls, value) {
    var el = box.querySelector("." + cls);
    if (el) { el.textContent = value; }
  }
  var timer = setInterval(function () {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { clearInterval(timer); return; }
        bar.value = data.percent;
        set("p-done", data.done); set("p-label", data.label);
        set("p-created", data.created); set("p-updated", data.updated);
        set("p-skipped", data.skipped);
        if (data.finished) { clearInterval(timer); window.location.reload(); }
      });
  }, 1000);
})();
