/* A bulk job's page (tenant_apps/bulk): polls its progress (JSON) until it is done, moves
   the bar, and shows the download when the export is ready. */
(function () {
  "use strict";
  var page = document.querySelector("[data-progress]");
  if (!page) { return; }
  var url = page.getAttribute("data-progress");
  function show(p) {
    page.querySelector("[data-status]").textContent = p.status_label;
    page.querySelector("[data-counts]").textContent = p.done + " / " + p.total;
    page.querySelector("[data-bar]").value = p.percent;
    if (p.download) {
      page.querySelector("[data-download-link]").href = p.download;
      page.querySelector("[data-download]").hidden = false;
    }
    return p.status === "done" || p.status === "failed";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (show(p)) {
          window.location.reload();  // the finished page: counts, errors
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (!page.hasAttribute("data-finished")) { poll(); }
}());
