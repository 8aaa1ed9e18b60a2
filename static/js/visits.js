// Visit form enhancements; the form works fully without this file.
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form) return;

  // Show only the first empty problem row; "Add a problem" reveals the next one.
  var rows = Array.prototype.slice.call(form.querySelectorAll(".problem-row"));
  var isEmpty = function (row) {
    var text = row.querySelectorAll("input[type=text], textarea");
    for (var i = 0; i < text.length; i++) { if (text[i].value.trim()) return false; }
    var box = row.querySelector("input[type=checkbox]");
    return !(box && box.checked) && !row.querySelector(".errorlist");
  };
  var firstEmptySeen = false;
  rows.forEach(function (row) {
    if (isEmpty(row)) {
      if (firstEmptySeen) row.classList.add("collapsed");
      firstEmptySeen = true;
    }
  });
  var fieldset = form.querySelector("fieldset.problems");
  if (fieldset && form.querySelector(".problem-row.collapsed")) {
    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary";
    add.textContent = fieldset.getAttribute("data-add-label") || "+";
    add.addEventListener("click", function () {
      var next = form.querySelector(".problem-row.collapsed");
      if (next) { next.classList.remove("collapsed"); var input = next.querySelector("input[type=text]"); if (input) input.focus(); }
      if (!form.querySelector(".problem-row.collapsed")) add.remove();
    });
    fieldset.appendChild(add);
  }

  // Count the photos chosen in both inputs against the limit.
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var photos = form.querySelector("fieldset.photos");
  if (!photos || !inputs.length) return;
  var max = parseInt(photos.getAttribute("data-max") || "9", 10);
  var kept = parseInt(photos.getAttribute("data-kept") || "0", 10);
  var note = document.createElement("p");
  note.className = "photo-count";
  note.setAttribute("aria-live", "polite");
  photos.appendChild(note);
  var update = function () {
    var n = kept;
    inputs.forEach(function (input) { n += input.files ? input.files.length : 0; });
    note.textContent = n + " / " + max;
    note.classList.toggle("too-many", n > max);
  };
  inputs.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();
