// 自助办: the kiosk's idle timer.  After the kiosk's idle time without a touch or a key, the
// page posts "finish" and the visit ends on the server (which ends it by then anyway); 20
// seconds before, it asks "您还在办理吗？".  While the visitor types, the visit is kept going
// on the server too (at most one request per third of the idle time).  A page brought back by
// the browser's back button is loaded afresh, so it shows nothing of an ended visit.
(function () {
  "use strict";
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var reset = document.getElementById("idle-reset");
  if (!idle || !reset) {
    return;
  }
  var left = parseInt(body.getAttribute("data-seconds-left") || "0", 10) || idle;
  var dialog = document.getElementById("idle-warning");
  var count = document.getElementById("idle-count");
  var stay = document.getElementById("idle-stay");
  var warnFor = Math.min(20, Math.floor(idle / 3));
  var endTimer = null;
  var warnTimer = null;
  var tick = null;
  var lastPing = Date.now();
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function end() {
    reset.submit();
  }

  function keepAlive() {
    lastPing = Date.now();
    fetch("/kiosk/keep-alive", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 409) {
        window.location.replace("/kiosk?e=kiosk_visit_expired");
      }
    });
  }

  function warn() {
    var remaining = warnFor;
    count.textContent = String(remaining);
    dialog.hidden = false;
    stay.focus();
    tick = setInterval(function () {
      remaining -= 1;
      count.textContent = String(Math.max(0, remaining));
    }, 1000);
  }

  function arm(seconds) {
    clearTimeout(endTimer);
    clearTimeout(warnTimer);
    clearInterval(tick);
    dialog.hidden = true;
    warnTimer = setTimeout(warn, Math.max(0, seconds - warnFor) * 1000);
    endTimer = setTimeout(end, seconds * 1000);
  }

  function activity() {
    if (!dialog.hidden) {
      return; // only "继续办理" dismisses the question
    }
    if (Date.now() - lastPing > (idle * 1000) / 3) {
      keepAlive();
    }
    arm(idle);
  }

  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true });
  });
  stay.addEventListener("click", function () {
    dialog.hidden = true;
    keepAlive();
    arm(idle);
  });
  arm(Math.min(left, idle));
})();
