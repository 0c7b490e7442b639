/* Huiji's small behaviours, without any outside library:
   - the slider check (drag the handle onto the mark; keyboard arrows work too),
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

  document.querySelectorAll(".humancheck").forEach(function (box) {
    var track = box.querySelector(".hc-track");
    var handle = box.querySelector(".hc-handle");
    var input = box.querySelector("input[name=hc_position]");
    var dragging = false;
    // the mark's place comes from the data attribute: no inline style (Content-Security-Policy)
    box.querySelector(".hc-mark").style.left = parseFloat(box.dataset.target) + "%";
    function set(percent) {
      percent = Math.max(0, Math.min(100, percent));
      handle.style.left = percent + "%";
      input.value = percent.toFixed(1);
      track.setAttribute("aria-valuenow", Math.round(percent));
      var target = parseFloat(box.dataset.target);
      box.classList.toggle("hc-ok", Math.abs(percent - target) <= 4);
    }
    function fromEvent(e) {
      var rect = track.getBoundingClientRect();
      var x = (e.touches ? e.touches[0].clientX : e.clientX) - rect.left;
      set((x / rect.width) * 100);
    }
    handle.addEventListener("mousedown", function (e) { dragging = true; e.preventDefault(); });
    handle.addEventListener("touchstart", function () { dragging = true; }, {passive: true});
    document.addEventListener("mousemove", function (e) { if (dragging) fromEvent(e); });
    document.addEventListener("touchmove", function (e) { if (dragging) fromEvent(e); },
                              {passive: true});
    document.addEventListener("mouseup", function () { dragging = false; });
    document.addEventListener("touchend", function () { dragging = false; });
    track.addEventListener("click", fromEvent);
    track.addEventListener("keydown", function (e) {
      var now = parseFloat(input.value || "0");
      if (e.key === "ArrowRight") { set(now + 1); e.preventDefault(); }
      if (e.key === "ArrowLeft") { set(now - 1); e.preventDefault(); }
    });
    set(0);
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
