// "Use my location" on /centres: fills the nearest-centre form from the browser's geolocation
// and submits it (htmx turns the submit into a partial update).  Without JS the button stays
// hidden and the form works with an address, typed coordinates or a town.
(function () {
  "use strict";

  function setUp() {
    var button = document.getElementById("geolocate");
    var form = document.getElementById("nearest-form");
    var status = document.getElementById("geolocate-status");
    if (!button || !form || !status) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        status.textContent = button.dataset.unsupported;
        return;
      }
      status.textContent = button.dataset.locating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          form.elements.town.value = "";
          if (form.elements.address) {
            form.elements.address.value = "";
          }
          status.textContent = "";
          button.disabled = false;
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function () {
          status.textContent = button.dataset.denied;
          button.disabled = false;
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
