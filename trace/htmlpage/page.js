// Each frame and note is written after its connection's section, in the
// order they happened; this moves each into its own connection's diagram
// and records how many arrows were laid out (data-drawn on main).
document.addEventListener('DOMContentLoaded', function () {
  var main = document.getElementById('trace');
  main.querySelectorAll(':scope > .frame, :scope > .note').forEach(function (el) {
    var section = document.getElementById('c' + el.dataset.conn);
    if (section) section.appendChild(el);
  });
  var drawn = 0;
  main.querySelectorAll('svg.arrow').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) drawn++;
  });
  main.dataset.drawn = String(drawn);
});
