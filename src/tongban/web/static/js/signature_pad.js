// 网办辅导: the signature pad of the help desk's tablet.  The applicant signs on the <canvas>
// with a finger, a stylus or the mouse (pointer events cover all three); on submit the drawing
// goes into the hidden "signature" field as a PNG data URL, which the server checks (a PNG,
// within its limits, not blank) before anything is filed.  Nothing else leaves the page.
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var field = document.getElementById("signature-data");
  if (!canvas || !field || !canvas.getContext) {
    return;
  }
  var context = canvas.getContext("2d");
  var clear = document.getElementById("signature-clear");
  var drawing = false;
  var drawn = false;
  var last = null;

  context.lineWidth = 3;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#111827";

  function point(event) {
    // The canvas may be shown smaller or larger than its pixels: scale to them.
    var box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * canvas.width) / box.width,
      y: ((event.clientY - box.top) * canvas.height) / box.height,
    };
  }

  function line(from, to) {
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    drawing = true;
    last = point(event);
    line(last, { x: last.x + 0.1, y: last.y + 0.1 });
    if (canvas.setPointerCapture) {
      canvas.setPointerCapture(event.pointerId);
    }
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) {
      return;
    }
    event.preventDefault();
    var next = point(event);
    line(last, next);
    last = next;
    drawn = true;
  });
  function stop() {
    drawing = false;
    last = null;
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  if (clear) {
    clear.addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    });
  }

  var form = canvas.closest("form");
  if (form) {
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }
})();
