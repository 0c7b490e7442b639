// The certificate design screen: a live preview (the server draws the submitted design with
// sample data as PNG; nothing is saved until Save), markers to drag items on the page, and
// "Add an item". Without this script the form still saves, one new item at a time.
(function () {
  "use strict";
  var form = document.getElementById("design-form");
  if (!form) { return; }
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  var image = document.getElementById("design-image");
  var stage = document.getElementById("design-stage");
  var markers = document.getElementById("design-markers");
  var problems = document.getElementById("design-preview-problems");
  var items = document.getElementById("design-items");
  var pageSelect = form.querySelector("[name=page]");
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var sequence = 0, timer = null;

  function pageSize() {
    var option = pageSelect.options[pageSelect.selectedIndex];
    return { w: parseFloat(option.dataset.width), h: parseFloat(option.dataset.height) };
  }

  function refresh() {
    var mine = ++sequence;
    stage.classList.add("loading");
    fetch(form.dataset.preview, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (mine !== sequence) { return null; }
      if (response.ok) {
        return response.json().then(function (data) {
          if (mine !== sequence) { return; }
          image.src = data.url;
          problems.hidden = true;
          problems.textContent = "";
          image.dataset.version = String(mine);
        });
      }
      return response.json().then(function (data) {
        problems.textContent = "";
        (data.problems || []).forEach(function (text) {
          var p = document.createElement("p");
          p.textContent = text;
          problems.appendChild(p);
        });
        problems.hidden = false;
      });
    }).catch(function () { /* the next change tries again */ }).then(function () {
      if (mine === sequence) { stage.classList.remove("loading"); }
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }

  function kindOf(fieldset) {
    var select = fieldset.querySelector("[data-role=field]");
    var option = select.options[select.selectedIndex];
    return option && option.dataset.kind ? option.dataset.kind : "new";
  }

  function number(input) {
    var v = parseFloat(String(input.value).replace(",", "."));
    return isNaN(v) ? null : v;
  }

  function place(marker, x, y) {
    var size = pageSize();
    marker.style.left = (x / size.w * 100) + "%";
    marker.style.top = (y / size.h * 100) + "%";
  }

  function drawMarkers() {
    markers.textContent = "";
    var pairs = [];
    items.querySelectorAll(".design-item").forEach(function (fieldset) {
      var removed = fieldset.querySelector("[name$=-delete]");
      if (kindOf(fieldset) === "new" || (removed && removed.checked)) { return; }
      pairs.push({ x: fieldset.querySelector("[data-role=x]"),
                   y: fieldset.querySelector("[data-role=y]"), owner: fieldset });
    });
    var sealX = form.querySelector("[name=seal_x]"), sealY = form.querySelector("[name=seal_y]");
    if (number(sealX) !== null && number(sealY) !== null) {
      pairs.push({ x: sealX, y: sealY, owner: sealX.closest("section") });
    }
    pairs.forEach(function (pair) {
      var x = number(pair.x), y = number(pair.y);
      if (x === null || y === null) { return; }
      var marker = document.createElement("span");
      marker.className = "design-marker";
      place(marker, x, y);
      drag(marker, pair);
      markers.appendChild(marker);
    });
  }

  function drag(marker, pair) {
    marker.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      marker.setPointerCapture(event.pointerId);
      marker.classList.add("active");
      pair.owner.classList.add("active");
      function move(e) {
        var rect = stage.getBoundingClientRect(), size = pageSize();
        var x = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 1) * size.w;
        var y = Math.min(Math.max((e.clientY - rect.top) / rect.height, 0), 1) * size.h;
        pair.x.value = String(Math.round(x * 2) / 2);
        pair.y.value = String(Math.round(y * 2) / 2);
        place(marker, number(pair.x), number(pair.y));
      }
      function up() {
        marker.removeEventListener("pointermove", move);
        marker.removeEventListener("pointerup", up);
        marker.classList.remove("active");
        pair.owner.classList.remove("active");
        refresh();
      }
      marker.addEventListener("pointermove", move);
      marker.addEventListener("pointerup", up);
    });
  }

  var blank = items.querySelector(".design-item[data-kind=new]");
  var pristine = blank ? blank.cloneNode(true) : null;
  var add = document.getElementById("design-add");
  if (add && pristine) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var next = 0;
      items.querySelectorAll(".design-item").forEach(function (f) {
        next = Math.max(next, parseInt(f.dataset.index, 10) + 1);
      });
      var copy = pristine.cloneNode(true);
      copy.dataset.index = String(next);
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^f-\d+-/, "f-" + next + "-");
      });
      items.appendChild(copy);
      copy.querySelector("[data-role=field]").focus();
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.dataset && event.target.dataset.role === "field") {
      var fieldset = event.target.closest(".design-item");
      fieldset.dataset.kind = kindOf(fieldset);
    }
    drawMarkers();
    later();
  });
  form.addEventListener("input", function () { drawMarkers(); later(); });
  drawMarkers();
  refresh();
})();
