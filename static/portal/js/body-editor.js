// The item form's body text: buttons insert {字段名称} at the cursor, a renamed field is renamed in the body, and the
// certificate preview (desk:catalog_preview, the same fragment the director reads) follows what is typed.
(function () {
  "use strict";
  var tools = document.querySelector("[data-body-tools]");
  var body = tools && document.getElementById(tools.getAttribute("data-body-tools"));
  var form = document.getElementById("item-form");
  if (!tools || !body || !form) { return; }
  tools.hidden = false;
  var itemButtons = tools.querySelector("[data-item-field-buttons]");

  function insert(text, caretBack) {
    var start = body.selectionStart, end = body.selectionEnd;
    body.setRangeText(text, start, end, "end");
    if (caretBack) { body.setSelectionRange(start + text.length - caretBack, start + text.length - caretBack); }
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function labels() {
    var found = [];
    form.querySelectorAll("[data-field-label]").forEach(function (input) {
      var row = input.closest(".formset-row");
      var gone = row && row.querySelector('input[type=checkbox][name$="-DELETE"]:checked');
      var value = input.value.trim();
      if (value && !gone && found.indexOf(value) < 0) { found.push(value); }
    });
    return found;
  }

  function drawItemButtons() {
    itemButtons.textContent = "";
    labels().forEach(function (label) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-primary btn-sm";
      button.setAttribute("data-insert", label);
      button.textContent = label;
      itemButtons.appendChild(button);
    });
  }

  tools.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.hasAttribute("data-insert-optional")) { insert("[[]]", 2); return; }
    var label = button.getAttribute("data-insert");
    if (label) { insert("{" + label + "}"); }
  });

  // A field renamed in the list is renamed in the body, so the body never points at a name that is gone.
  form.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute("data-field-label")) { event.target.setAttribute("data-was", event.target.value.trim()); }
  });
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.hasAttribute("data-field-label")) {
      var was = input.getAttribute("data-was"), now = input.value.trim();
      if (was && now && was !== now) { body.value = body.value.split("{" + was + "}").join("{" + now + "}"); }
      input.setAttribute("data-was", now);
    }
    // Redraw only when the list of fields changed: a redraw on the body's own change (fired when a button takes
    // the focus) would remove the very button being clicked.
    if (input.hasAttribute("data-field-label") || /-DELETE$/.test(input.name || "")) { drawItemButtons(); }
    schedule();
  });

  var preview = document.querySelector("[data-preview-url]");
  var target = document.getElementById("body-preview");
  var timer = null, sent = 0;
  function refresh() {
    var mine = ++sent;
    fetch(preview.getAttribute("data-preview-url"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      if (mine === sent) { target.innerHTML = html; }  // server-rendered and escaped: typed text is text
    }).catch(function () {
      if (mine === sent) { target.textContent = preview.getAttribute("data-failed") || "预览暂不可用。"; }
    });
  }
  function schedule() {
    if (!preview) { return; }
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  if (preview) {
    preview.hidden = false;
    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute("data-field-label")) { drawItemButtons(); }
      schedule();
    });
    refresh();
  }
  drawItemButtons();
})();
