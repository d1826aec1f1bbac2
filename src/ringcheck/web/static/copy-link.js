// Progressive enhancement: a "Copy link" button where the clipboard can be used.
// The link itself is always on the page, so nothing depends on this file.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button.copy-link").forEach(function (button) {
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = new URL(button.getAttribute("data-link"), window.location.href).href;
      navigator.clipboard.writeText(link).then(
        function () { if (status) status.textContent = "Link copied."; },
        function () { if (status) status.textContent = "Couldn't copy. Press and hold the link above to copy it."; }
      );
    });
  });
})();
