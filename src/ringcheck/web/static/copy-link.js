// Progressive enhancement: show a "Copy link" button where the clipboard is available.
document.querySelectorAll("button.copy-link").forEach(function (button) {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var link = new URL(button.dataset.link, window.location.href).href;
    navigator.clipboard.writeText(link).then(function () {
      button.textContent = "Link copied";
    });
  });
});
