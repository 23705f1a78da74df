// Application form: the commitment (告知承诺书) panel is shown only while a material is replaced by a commitment.
(function () {
  "use strict";
  var panel = document.getElementById("commitment-panel");
  if (!panel) { return; }
  var boxes = document.querySelectorAll("input[data-commitment]");
  function update() {
    var any = Array.prototype.some.call(boxes, function (box) { return box.checked; });
    panel.hidden = !any && !panel.dataset.keep;
    Array.prototype.forEach.call(boxes, function (box) { box.setAttribute("aria-expanded", String(!panel.hidden)); });
  }
  Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
  update();
})();
