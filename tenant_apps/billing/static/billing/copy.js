/* The transfer box's copy button: copies 户名, 账号 and 开户行 (the text of the element named by
   data-copy-target) to the clipboard. Loaded as a file, no inline script: the pages' Content-
   Security-Policy forbids inline code. Without the clipboard API the text is selected so the
   payer can copy it by hand. */
(function () {
  "use strict";
  function done(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var node = document.getElementById(button.getAttribute("data-copy-target"));
      if (!node) { return; }
      var text = node.getAttribute("data-copy-text") || node.innerText;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(button); },
                                                 function () { select(node); });
      } else {
        select(node);
        try { if (document.execCommand("copy")) { done(button); } } catch (e) { /* selected */ }
      }
    });
  });
})();
