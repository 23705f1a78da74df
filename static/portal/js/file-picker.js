// The portal's file picker (portal/widgets.py): the browser's own file button speaks the browser's language
// ("Choose File" / "No file chosen"), so it is hidden and a <label> says 选择文件; this script writes the chosen
// file names beside it (the server renders 未选择文件, the texts come from the page in its language). Loaded on
// every page from base.html: upload fields appear on many pages, and the CSP allows no inline script.
(function () {
  "use strict";
  function show(input) {
    var picker = input.closest("[data-file-picker]");
    var out = picker && picker.querySelector(".file-picker-names");
    if (!out) { return; }
    var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    if (names.length === 0) {
      out.textContent = out.dataset.none;
    } else if (names.length === 1) {
      out.textContent = names[0];
    } else {
      out.textContent = out.dataset.count.replace("{n}", String(names.length)) + names.join("、");
    }
    picker.classList.toggle("has-files", names.length > 0);
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.type === "file" && target.closest("[data-file-picker]")) {
      show(target);
    }
  });
  // Coming back to a page (back button), the browser may restore the chosen files: name them again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-file-picker] input[type=file]"), show);
  });
})();
