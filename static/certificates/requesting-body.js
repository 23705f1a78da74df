/* The requesting-body picker (certificates/forms/items.py): shows the "其他" name box only when "其他" is chosen,
   and copies the registry's basis for the chosen body into an empty basis box. The page works without it: both
   boxes are then shown and the server fills in the registry's basis. No inline script (strict CSP). */
(function () {
  "use strict";
  var pickers = document.querySelectorAll("select[data-body-picker]");
  Array.prototype.forEach.call(pickers, function (picker) {
    var form = picker.form;
    var other = form.querySelector("[data-body-other]");
    var basis = form.querySelector("[name$='requesting_basis']");
    var filled = "";
    function update() {
      var option = picker.options[picker.selectedIndex];
      if (other) {
        other.hidden = picker.value !== "other" && !other.querySelector(".is-invalid, .invalid-feedback");
      }
      // "其他" makes the typed name and the basis required: say so to the eye (the asterisk) and to a screen
      // reader (aria-required); the server checks it either way.
      var isOther = picker.value === "other";
      Array.prototype.forEach.call(form.querySelectorAll("[data-required-when-other]"), function (input) {
        input.setAttribute("aria-required", isOther ? "true" : "false");
        var label = form.querySelector("label[for='" + input.id + "'] [data-other-marker]");
        if (label) {
          label.hidden = !isOther;
        }
      });
      if (basis) {
        var known = option ? option.getAttribute("data-basis") || "" : "";
        if (!basis.value || basis.value === filled) {
          basis.value = known;
          filled = known;
        }
      }
    }
    picker.addEventListener("change", update);
    update();
  });
})();
