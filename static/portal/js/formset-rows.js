// Progressive enhancement: an "add a row" button per list; without script, saving gives two more blank rows.
(function () {
  "use strict";
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var name = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + name + "-TOTAL_FORMS");
    var template = document.getElementById("empty-" + name);
    var rows = document.querySelector('[data-formset-rows="' + name + '"]');
    if (!total || !template || !rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      rows.insertAdjacentHTML("beforeend",
        template.innerHTML.split("__prefix__").join(index).split("__number__").join(index + 1));
      total.value = index + 1;
      var first = rows.lastElementChild.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });
})();
