/* The rich text editor for `richtext` answers (Jiangsu's 单位介绍): Quill 2 (static/vendor,
   BSD-3-Clause), loaded only on pages that have such a field. The textarea stays the form's
   field: the editor writes its HTML there, and the server sanitises it (huiji/richtext.py).
   No inline script or style, so the Content-Security-Policy holds. */
(function () {
  "use strict";
  if (window.huijiRichtext) return;  // one <script> per field may load this file twice
  window.huijiRichtext = true;

  var TOOLBAR = [[{ header: [2, 3, false] }], ["bold", "italic", "underline"],
                 [{ list: "ordered" }, { list: "bullet" }], ["link"], ["clean"]];

  // The toolbar's tooltips, translated by the page: data-editor-titles on the textarea holds
  // {"bold": "加粗", "list-ordered": "编号列表", ...}, keyed by format (and value).
  function titled(toolbar, area) {
    var titles = {};
    try { titles = JSON.parse(area.dataset.editorTitles || "{}"); } catch (e) { return; }
    toolbar.querySelectorAll("button, .ql-picker").forEach(function (control) {
      var format = "";
      control.classList.forEach(function (c) {
        if (c.indexOf("ql-") === 0 && c !== "ql-picker" && !format) format = c.slice(3);
      });
      var value = control.getAttribute("value");
      var title = titles[value ? format + "-" + value : format] || titles[format];
      if (title) {
        control.setAttribute("title", title);
        if (control.tagName === "BUTTON") control.setAttribute("aria-label", title);
      }
    });
  }

  function attach(area) {
    var box = document.createElement("div");
    box.className = "richtext-editor";
    area.parentNode.insertBefore(box, area);
    var quill = new window.Quill(box, { theme: "snow", modules: { toolbar: TOOLBAR } });
    titled(quill.getModule("toolbar").container, area);
    if (area.value) {
      quill.setContents(quill.clipboard.convert({ html: area.value }), "silent");
    }
    var label = document.querySelector('label[for="' + area.id + '"]');
    if (label) {
      label.id = label.id || area.id + "_label";
      quill.root.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { quill.focus(); });
    }
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    area.hidden = true;
    quill.on("text-change", function () {
      area.value = quill.getText().trim() ? quill.getSemanticHTML().replace(/&nbsp;/g, " ")
        : "";
    });
  }

  function start() {
    var areas = document.querySelectorAll("textarea[data-richtext]");
    if (!areas.length) return;
    [areas[0].dataset.editorCss, areas[0].dataset.frameCss].forEach(function (href) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = href;
      document.head.appendChild(css);
    });
    var script = document.createElement("script");
    script.src = areas[0].dataset.editorJs;
    script.onload = function () { Array.prototype.forEach.call(areas, attach); };
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
