// The citizen code's countdown; at zero htmx is asked for a fresh code.  The server sends the
// seconds left by its own clock; the phone only measures the time elapsed since, so a phone
// whose clock is wrong still counts down the code's real lifetime.
(function () {
  function tick() {
    var box = document.getElementById("citizen-code");
    if (!box) { return; }
    if (!box.dataset.shownAt) { box.dataset.shownAt = String(Date.now()); }
    var elapsed = Math.floor((Date.now() - Number(box.dataset.shownAt)) / 1000);
    var left = Math.max(0, Number(box.dataset.secondsLeft) - elapsed);
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
