// A form that came back with errors: move the focus to the summary of what to fix (screen readers read it first).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
