// Drivers' home: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A double tap on "Check in" sends one request (the server returns the same check-in anyway).
  var form = document.querySelector(".checkin-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
  var print = document.getElementById("print-poster");
  if (print) {
    print.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
  }
})();
