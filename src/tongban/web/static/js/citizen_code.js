// The citizen code's countdown; at zero htmx is asked for a fresh code.
(function () {
  function tick() {
    var box = document.getElementById("citizen-code");
    if (!box) { return; }
    var left = Math.max(0, Number(box.dataset.expires) - Math.floor(Date.now() / 1000));
    var out = box.querySelector(".remaining");
    if (out) {
      out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    }
    if (left === 0 && !box.dataset.refreshing) {
      box.dataset.refreshing = "1";
      document.body.dispatchEvent(new Event("refresh-code"));
    }
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
