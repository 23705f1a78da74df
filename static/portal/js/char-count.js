// Long text is never cut silently: under each text box with a limit the page states the limit (rendered by the
// server, so it shows without this script); this script turns it into a live count of what is left, and says
// plainly when the text is over the limit. The inputs carry no maxlength attribute, which would cut a pasted text
// without a word; the server refuses an over-long text with a message instead.
(function () {
  "use strict";
  var counters = document.querySelectorAll(".char-count[data-limit][data-for]");
  Array.prototype.forEach.call(counters, function (counter) {
    var input = document.getElementById(counter.dataset.for);
    if (!input) { return; }
    var limit = parseInt(counter.dataset.limit, 10);
    var left = counter.dataset.left, over = counter.dataset.over;
    function update() {
      var used = Array.from(input.value).length;  // characters, not UTF-16 units: 汉字 and emoji count once
      var rest = limit - used;
      counter.textContent = (rest >= 0 ? left : over).replace("{n}", String(Math.abs(rest))).replace("{limit}", String(limit));
      counter.classList.toggle("text-danger", rest < 0);
      counter.classList.toggle("fw-semibold", rest < 0);
    }
    input.addEventListener("input", update);
    update();
  });
})();
