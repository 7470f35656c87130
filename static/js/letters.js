// Letters to the referring provider: "Log as sent" waits until the letter, as it stands, has been previewed.
// Loaded as a file (CSP: no inline script). Without JavaScript both buttons work and the order is the hint's.
(function () {
  "use strict";
  document.querySelectorAll("form[data-preview-first]").forEach((form) => {
    const preview = form.querySelector("[data-preview]");
    const log = form.querySelector("[data-log]");
    const hint = form.querySelector("[data-preview-hint]");
    if (!preview || !log) return;
    function waitForPreview() {
      log.disabled = true;
      if (hint) hint.textContent = "Preview the PDF first (it opens in a new tab and is not logged), then log it as sent.";
    }
    waitForPreview();
    preview.addEventListener("click", () => {
      log.disabled = false;
      if (hint) hint.textContent = "Check the preview in its tab, then log the letter as sent.";
    });
    // A changed letter is a different letter: preview it again.
    form.addEventListener("input", waitForPreview);
    form.addEventListener("change", waitForPreview);
  });
})();
