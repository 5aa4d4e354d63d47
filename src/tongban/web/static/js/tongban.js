// Send the page's CSRF token with every htmx request that changes something.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});

// A printed queue ticket or slip: the page's print button (no inline handlers under the CSP).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest(".print-button")) {
    window.print();
  }
});
