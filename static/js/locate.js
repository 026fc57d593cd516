// Progressive enhancement for the sign-up forms: with JavaScript on, a supporter
// may share their browser's location to place them exactly. Without it (or if they
// decline) the address or ZIP code is used, so nothing depends on this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  if (!form || !("geolocation" in navigator)) return;
  var lat = form.querySelector("input[name=lat]");
  var lng = form.querySelector("input[name=lng]");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button--secondary locate";
  button.textContent = form.dataset.locateLabel;
  var status = document.createElement("p");
  status.className = "help";
  status.setAttribute("role", "status");
  var zip = form.querySelector("#id_zip");
  var anchor = zip ? zip.closest(".field") : form.lastElementChild;
  anchor.after(button, status);
  button.addEventListener("click", function () {
    status.textContent = form.dataset.locateWaiting;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        status.textContent = form.dataset.locateDone;
      },
      function () {
        status.textContent = form.dataset.locateFailed;
      },
      { timeout: 10000 }
    );
  });
})();
