// Reloads a status page while its PDF is being produced (issue 17): the page marks the
// region with data-refresh-seconds only while the PDF is pending. A file of its own, loaded
// with the page's CSP nonce: no inline script. Without JavaScript, the page's "Look again"
// link does the same by hand.
(function () {
  "use strict";
  var region = document.querySelector("[data-refresh-seconds]");
  if (!region) {
    return;
  }
  var seconds = parseInt(region.getAttribute("data-refresh-seconds"), 10) || 5;
  window.setTimeout(function () {
    window.location.reload();
  }, seconds * 1000);
})();
