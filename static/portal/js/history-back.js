// Links marked data-history-back go back one page when there is one; otherwise they follow their href.
(function () {
  "use strict";
  document.querySelectorAll("[data-history-back]").forEach(function (link) {
    if (window.history.length < 2) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.history.back();
    });
  });
})();
