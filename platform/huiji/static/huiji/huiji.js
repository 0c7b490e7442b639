/* Huiji's small behaviours, without any outside library:
   - the human check (drag the piece into the picture's gap; keyboard arrows work too),
   - "get SMS code" buttons with a countdown,
   - wizard helpers (province -> city selects),
   - confirmations (data-confirm on a form) and auto-submitting selects (data-autosubmit).
   No inline script, style or on*= handler anywhere: the Content-Security-Policy forbids them. */
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // The human check (huiji/humancheck.py): the piece follows the handle; the page sends the
  // piece's final x and the drag's trace ("t,x;t,x;...": milliseconds since the first move,
  // x in the picture's pixels). The page never knows where the gap is: only the server does.
  document.querySelectorAll(".humancheck").forEach(function (box) {
    var track = box.querySelector(".hc-track");
    var handle = box.querySelector(".hc-handle");
    var piece = box.querySelector(".hc-piece");
    var background = box.querySelector(".hc-bg");
    var token = box.querySelector("input[name=hc_token]");
    var position = box.querySelector("input[name=hc_position]");
    var traceInput = box.querySelector("input[name=hc_trace]");
    var width = parseFloat(box.dataset.width);
    var travel = width - parseFloat(box.dataset.pieceWidth);
    var x = 0, trace = [], start = null, drag = null, timer = null, reloaded = {};

    function show() {
      piece.style.left = (x / width * 100) + "%";
      handle.style.left = (x / travel * 100) + "%";
      track.setAttribute("aria-valuenow", Math.round(x / travel * 100));
      position.value = x.toFixed(1);
    }
    function note() {
      var now = performance.now();
      if (start === null) { start = now; trace = [[0, 0]]; }
      var sample = [Math.round(now - start), Math.round(x * 10) / 10];
      if (trace.length >= 500) { trace[trace.length - 1] = sample; } else { trace.push(sample); }
      traceInput.value = trace.map(function (s) { return s[0] + "," + s[1]; }).join(";");
    }
    function moveTo(value) {
      x = Math.max(0, Math.min(travel, value));
      show();
      note();
      box.classList.add("hc-moved");
    }
    function reset() {
      x = 0; trace = []; start = null; traceInput.value = "";
      box.classList.remove("hc-moved");
      show();
      position.value = "";
    }
    function load(puzzle) {
      token.value = puzzle.id;
      background.src = puzzle.background;
      piece.src = puzzle.piece;
      reset();
      expireIn(puzzle.expires_in);
    }
    function renew() {
      fetch(box.dataset.newUrl, {method: "POST", headers: {"X-CSRFToken": csrf()},
                                 credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(load)
        .catch(function () {});
    }
    function expireIn(seconds) {
      // a puzzle lives two minutes: a fresh one before it expires, so the form still passes
      clearTimeout(timer);
      timer = setTimeout(renew, Math.max(5, seconds - 5) * 1000);
    }

    track.addEventListener("pointerdown", function (e) {
      drag = {from: e.clientX, x: x};
      track.setPointerCapture(e.pointerId);
      if (start === null) { note(); }
      e.preventDefault();
    });
    track.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var span = track.getBoundingClientRect().width || 1;
      moveTo(drag.x + (e.clientX - drag.from) * travel / span);
    });
    function release() { drag = null; }
    track.addEventListener("pointerup", release);
    track.addEventListener("pointercancel", release);
    track.addEventListener("keydown", function (e) {
      var step = e.shiftKey ? 10 : 2;
      if (e.key === "ArrowRight" || e.key === "ArrowUp") { moveTo(x + step); e.preventDefault(); }
      if (e.key === "ArrowLeft" || e.key === "ArrowDown") { moveTo(x - step); e.preventDefault(); }
    });
    box.querySelector(".hc-refresh").addEventListener("click", renew);
    background.addEventListener("error", function () {
      // the puzzle is gone (tried, expired; a page restored by the back button): a new one
      if (!reloaded[token.value]) { reloaded[token.value] = true; renew(); }
    });
    reset();
    expireIn(parseFloat(box.dataset.expiresIn));
  });

  document.querySelectorAll("[data-send-code]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var phone = form.querySelector("input[name=phone]");
      var status = form.querySelector(".code-status");
      // No phone field: the code goes to the account's own phone or e-mail (账户设置).
      var body = new URLSearchParams({phone: phone ? phone.value : "",
                                      purpose: button.dataset.sendCode});
      button.disabled = true;
      fetch(button.dataset.url, {method: "POST", body: body,
                                 headers: {"X-CSRFToken": csrf()}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.error) {
            status.textContent = data.error.message;
            status.className = "code-status error";
            button.disabled = false;
            return;
          }
          status.textContent = button.dataset.sent;
          status.className = "code-status help";
          var left = data.resend_after || 60;
          var label = button.textContent;
          var timer = setInterval(function () {
            left -= 1;
            button.textContent = left + "s";
            if (left <= 0) { clearInterval(timer); button.textContent = label;
                             button.disabled = false; }
          }, 1000);
        })
        .catch(function () { button.disabled = false; });
    });
  });

  // Confirmations and auto-submitting selects, declared in the markup: pages carry no inline
  // event handlers, which the Content-Security-Policy forbids.
  document.addEventListener("submit", function (e) {
    var message = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { e.preventDefault(); }
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var scan = document.querySelector(".scan[data-status-url]");
  if (scan) {
    // poll the order until the gateway's notification has confirmed it
    var poll = setInterval(function () {
      fetch(scan.dataset.statusUrl, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status === "confirmed" || data.status === "paid") {
            clearInterval(poll);
            window.location = scan.dataset.doneUrl;
          }
        });
    }, 2000);
  }

  var currentStep = document.querySelector(".wizard-nav .current");
  if (currentStep && currentStep.parentElement.scrollTo) {
    // keep the current step of the wizard in view on a narrow screen
    currentStep.parentElement.scrollLeft = currentStep.offsetLeft - 16;
  }

  var currentEntry = document.querySelector(".centre-nav .current");
  if (currentEntry && currentEntry.parentElement.scrollWidth >
      currentEntry.parentElement.clientWidth) {
    // the member centre's menu is a strip on a phone: show the page's own entry
    currentEntry.parentElement.scrollLeft = currentEntry.offsetLeft - 16;
  }

  // 查看 on the staff member page: the masked value in full, in place (the server logs every
  // reveal). Without script the form posts and the page comes back with the value shown.
  document.querySelectorAll("form[data-reveal]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var shown = document.querySelector('[data-personal="' + form.dataset.reveal + '"]');
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.error) { form.textContent = data.error.message; return; }
          if (shown) { shown.textContent = data.value; shown.classList.add("revealed"); }
          form.remove();
        })
        .catch(function () { form.submit(); });
    });
  });

  document.querySelectorAll("select[data-cities]").forEach(function (province) {
    var city = document.getElementById(province.dataset.cities);
    var all = JSON.parse(document.getElementById("region-data").textContent);
    function fill() {
      var chosen = city.dataset.value || city.value;
      city.innerHTML = "";
      var cities = (all[province.value] || {}).cities || [];
      city.appendChild(new Option("—", ""));
      cities.forEach(function (c) {
        var opt = new Option(c[1], c[0]);
        if (c[0] === chosen) opt.selected = true;
        city.appendChild(opt);
      });
      city.dataset.value = "";
    }
    province.addEventListener("change", fill);
    fill();
  });
})();
