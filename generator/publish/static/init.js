/* attention-report: draw every chart on the page, fitted to its column, in the page's colour scheme.
   The contract with the page (see docs/site.md, "How charts are drawn"):
   - div.ar-chart + script.ar-spec[data-target] (a one-element JSON array holding a Vega spec,
     compiled from Vega-Lite when the page was built: generator/render/vega.py);
   - spec.usermeta.fit: sizes to fit the column; usermeta.dark: colours for Material's slate scheme;
   - div.ar-explorer + its spec (usermeta.explorer): the head explorer of tensor layer pages. */
var SKIP = {data: 1, signals: 1, title: 1, usermeta: 1, sort: 1, tooltip: 1, transform: 1};

function specFor(target) {
  if (target.hasAttribute("data-spec")) return JSON.parse(target.getAttribute("data-spec"));
  var node = null, specs = document.querySelectorAll("script.ar-spec");
  for (var i = 0; i < specs.length; i++) {
    if (specs[i].getAttribute("data-target") === target.id) { node = specs[i]; break; }
  }
  if (!node) {
    // Material's instant navigation re-creates inline scripts without their
    // attributes; the spec script still follows its chart.
    var next = target.nextElementSibling;
    if (next && next.tagName === "SCRIPT" && !next.src) node = next;
  }
  if (!node) throw new Error("no spec found");
  var spec = JSON.parse(node.textContent);
  return Array.isArray(spec) ? spec[0] : spec;
}

function dark() {
  return document.body.getAttribute("data-md-color-scheme") === "slate";
}

/* Chart text and lines take the theme's own colours, read from Material's CSS variables. */
function themeConfig() {
  var probe = document.createElement("span");
  probe.style.display = "none";
  document.body.appendChild(probe);
  function css(name, fallback) {
    probe.style.color = "";
    probe.style.color = "var(" + name + ", " + fallback + ")";
    return getComputedStyle(probe).color || fallback;
  }
  var fg = css("--md-default-fg-color", "#000000");
  var soft = css("--md-default-fg-color--light", "#666666");
  var faint = css("--md-default-fg-color--lightest", "#eeeeee");
  probe.remove();
  // Vega's config: facet headers are titles styled "guide-label" / "guide-title".
  return {
    axis: {labelColor: fg, titleColor: fg, domainColor: soft, tickColor: soft, gridColor: faint},
    legend: {labelColor: fg, titleColor: fg},
    title: {color: fg, subtitleColor: soft},
    style: {"guide-label": {fill: fg}, "guide-title": {fill: fg}, "group-title": {fill: fg},
            "group-subtitle": {fill: soft}}
  };
}

/* Draw a Vega spec into el with the runtime's own View (its tooltips are the browser's own). */
function drawVega(el, spec) {
  return new Promise(function (resolve) {
    var vega = window.vega;
    var view = new vega.View(vega.parse(spec, themeConfig()), {
      renderer: (spec.usermeta && spec.usermeta.renderer) || "svg",
      container: el,
      hover: true
    });
    resolve(view.runAsync());
  });
}

/* Set a signal's starting value in the spec, before it is parsed. */
function setSignal(spec, name, value) {
  (spec.signals || []).forEach(function (s) { if (s.name === name) s.value = value; });
}

/* The dark scheme's colours: every colour string the spec draws with, swapped by usermeta.dark. */
function swapColours(node, map) {
  if (Array.isArray(node)) return node.map(function (n) { return swapColours(n, map); });
  if (node && typeof node === "object") {
    var out = {};
    for (var k in node) out[k] = SKIP[k] ? node[k] : swapColours(node[k], map);
    return out;
  }
  if (typeof node === "string" && map[node.toLowerCase()]) return map[node.toLowerCase()];
  return node;
}

function columnWidth(target) {
  return target.clientWidth || (target.parentElement && target.parentElement.clientWidth) || 688;
}

function steps(fit, width, gutter) {
  var x = Math.floor((width - gutter) / Math.max(1, fit.columns));
  x = Math.max(fit.min_step, Math.min(fit.max_step, x));
  return [x, Math.max(fit.min_row_step, Math.min(fit.max_step, x))];
}

/* Before drawing: cells from the column's width (estimated gutter), a legend that wraps to it,
   as many small multiples per row as fit. */
function fitSpec(spec, target) {
  var fit = spec.usermeta && spec.usermeta.fit;
  if (!fit) return spec;
  var width = columnWidth(target);
  if (fit.panel) {
    var columns = Math.max(1, Math.min(fit.facets,
      Math.floor((width - fit.gutter + fit.spacing) / (fit.panel + fit.spacing))));
    spec.layout.columns = columns;
    setSignal(spec, "ar_columns", columns);
    return spec;
  }
  var s = steps(fit, width, fit.gutter);
  setSignal(spec, "x_step", s[0]);
  setSignal(spec, "y_step", s[1]);
  if (fit.legend_entry) {
    (spec.legends || []).forEach(function (legend) {
      if (legend.fill === "color" || legend.stroke === "color") {
        legend.columns = Math.max(1, Math.floor((width - 10) / fit.legend_entry));
      }
    });
  }
  return spec;
}

/* After drawing: the real gutter is known (the plot's origin), so set the step that fills the
   column exactly; then, if the chart is still wider than its column, it scrolls inside its box. */
function refit(target) {
  var view = target.arView, fit = target.arFit;
  if (!view) return Promise.resolve();
  var done = Promise.resolve();
  if (fit && !fit.panel) {
    var s = steps(fit, columnWidth(target), view.origin()[0] + 10);
    if (s[0] !== view.signal("x_step") || s[1] !== view.signal("y_step")) {
      done = view.signal("x_step", s[0]).signal("y_step", s[1]).runAsync();
    }
  }
  return done.then(function () { markScroll(target); return pinRowLabels(target); });
}

/* A chart that scrolls sideways keeps its row labels in view: the strip left of the plot that
   holds the row axis (its labels and title), copied from a canvas rendering of the same view, is
   pinned over the box's left edge while the box is scrolled. A copy for the eye only
   (aria-hidden): the chart's text alternative and data table already carry the labels. */
function pinRowLabels(target) {
  var view = target.arView, old = target.querySelector(".ar-row-labels");
  if (old) old.remove();
  if (!view || !target.classList.contains("ar-scroll")) return Promise.resolve();
  var axis = rowAxis(view), origin = view.origin(), ratio = window.devicePixelRatio || 1;
  if (!axis) return Promise.resolve();
  var top = Math.max(0, Math.floor(origin[1] + axis.bounds.y1)), bottom = Math.ceil(origin[1] + axis.bounds.y2);
  var width = Math.ceil(origin[0]), height = bottom - top;
  if (width < 1 || height < 1) return Promise.resolve();
  return view.toCanvas(ratio).then(function (drawn) {
    var pin = document.createElement("canvas");
    pin.className = "ar-row-labels";
    pin.setAttribute("aria-hidden", "true");
    pin.width = Math.round(width * ratio);
    pin.height = Math.round(height * ratio);
    pin.style.width = width + "px";
    pin.style.height = height + "px";
    pin.style.top = (target.firstElementChild ? target.firstElementChild.offsetTop : 0) + top + "px";
    var context = pin.getContext("2d");
    context.drawImage(drawn, 0, Math.round(top * ratio), pin.width, pin.height, 0, 0, pin.width, pin.height);
    // Above and below the rows only the (rotated) axis title belongs: not the column labels' ends.
    var from = Math.ceil(origin[0] + axis.titleRight) + 1, plotTop = origin[1] - top, plotBottom = plotTop + view.height();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(from, 0, width - from, Math.max(0, plotTop - 1));
    context.clearRect(from, plotBottom + 1, width - from, height - plotBottom);
    target.appendChild(pin);
    placePin(target);
    if (!target.arPinWatch) {
      target.arPinWatch = true;
      target.addEventListener("scroll", function () { placePin(target); }, {passive: true});
    }
  });
}

/* The axis left of the plot (the row labels): its bounds and its title's right edge, in the
   plot's coordinates. */
function rowAxis(view) {
  var found = null, group = view.scenegraph().root.items[0];
  ((group && group.items) || []).forEach(function (mark) {
    if (mark.role !== "axis") return;
    mark.items.forEach(function (axis) {
      if (!axis.bounds || axis.bounds.x1 >= 0 || axis.bounds.x2 > 2) return;
      var titleRight = axis.bounds.x1;
      (axis.items || []).forEach(function (part) {
        if (part.role !== "axis-title") return;
        part.items.forEach(function (t) { if (t.bounds) titleRight = Math.max(titleRight, (axis.x || 0) + t.bounds.x2); });
      });
      found = {bounds: axis.bounds, titleRight: titleRight};
    });
  });
  return found;
}

function placePin(target) {
  var pin = target.querySelector(".ar-row-labels");
  if (!pin) return;
  pin.style.transform = "translateX(" + target.scrollLeft + "px)";
  pin.style.visibility = target.scrollLeft > 0 ? "visible" : "hidden";
}

function markScroll(target) {
  var scrolls = target.scrollWidth > target.clientWidth + 1;
  target.classList.toggle("ar-scroll", scrolls);
  // A scrolling region must be reachable by keyboard (axe: scrollable-region-focusable).
  if (scrolls) target.setAttribute("tabindex", "0"); else target.removeAttribute("tabindex");
}

function prepared(spec) {
  var map = spec.usermeta && spec.usermeta.dark;
  return dark() && map ? swapColours(spec, map) : spec;
}

function renderCharts() {
  var charts = document.querySelectorAll("div.ar-chart");
  for (var i = 0; i < charts.length; i++) {
    var target = charts[i];
    if (target.getAttribute("data-ar-rendered")) continue;
    target.setAttribute("data-ar-rendered", "pending");
    try {
      var spec = fitSpec(prepared(specFor(target)), target);
      target.arFit = spec.usermeta && spec.usermeta.fit;
      drawVega(host(target), spec).then(
        function (t) { return function (view) {
          t.arView = view;
          return refit(t).then(function () {
            t.setAttribute("data-ar-rendered", "done");
            t.setAttribute("data-ar-scheme", dark() ? "slate" : "default");
          });
        }; }(target),
        function (t) { return function (err) { chartFailed(t, err); }; }(target));
      watchWidth(target);
    } catch (err) {
      chartFailed(target, err);
    }
  }
  renderExplorers();
  nameSearchDialog();
  markScrollBoxes();
  (window.requestAnimationFrame || setTimeout)(markScrollBoxes);
}

/* Vega draws into a child, so it cannot replace the chart's role="img" and its text alternative
   with its own ("Vega visualization"). */
function host(target) {
  var inner = document.createElement("div");
  inner.className = "ar-host";
  target.appendChild(inner);
  return inner;
}

function chartFailed(target, err) {
  target.setAttribute("data-ar-rendered", "failed");
  console.error("attention-report: chart " + target.id + " could not be drawn:", err);
}

/* Redraw a chart when its column changes width (small multiples re-flow; grids re-step). */
function watchWidth(target) {
  if (target.arObserver || !window.ResizeObserver) return;
  var last = columnWidth(target);
  target.arObserver = new ResizeObserver(function () {
    var now = columnWidth(target);
    if (Math.abs(now - last) < 2 || target.getAttribute("data-ar-rendered") !== "done") return;
    last = now;
    if (target.arFit && target.arFit.panel) { redraw(target); renderCharts(); } else refit(target);
  });
  target.arObserver.observe(target);
}

function redraw(target) {
  if (target.arView) target.arView.finalize();
  target.arView = null;
  target.innerHTML = "";
  target.removeAttribute("data-ar-rendered");
  target.removeAttribute("data-ar-scheme");
}

/* Material switches schemes by setting body[data-md-color-scheme]: draw everything again. */
function watchScheme() {
  if (window.__attentionReportSchemeObserver || !window.MutationObserver) return;
  window.__attentionReportSchemeObserver = new MutationObserver(function () {
    var scheme = dark() ? "slate" : "default";
    var all = document.querySelectorAll("div.ar-chart[data-ar-scheme], div.ar-explorer-chart[data-ar-scheme]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-ar-scheme") === scheme) continue;
      if (all[i].classList.contains("ar-chart")) redraw(all[i]);
      else if (all[i].arRedraw) all[i].arRedraw();
    }
    renderCharts();
  });
  window.__attentionReportSchemeObserver.observe(document.body,
    {attributes: true, attributeFilter: ["data-md-color-scheme"]});
}

/* Material's search dialog has no accessible name (axe: aria-dialog-name). */
function nameSearchDialog() {
  var dialog = document.querySelector(".md-search[role=dialog]");
  if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
}

/* A table (or static image) wider than the column scrolls inside its box; with nothing focusable
   in it, a keyboard user could not scroll it (axe: scrollable-region-focusable). Such a box
   becomes a named region in the tab order while it overflows, and leaves it when it fits. Material
   wraps tables in .md-typeset__scrollwrap from its own script, possibly after this one ran, so this
   runs again on the next frame, on resize and once the page has loaded. */
var SCROLL_BOXES = ".md-typeset .md-typeset__scrollwrap, .md-typeset .ar-static p";
var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";

function markScrollBoxes() {
  var boxes = document.querySelectorAll(SCROLL_BOXES);
  for (var i = 0; i < boxes.length; i++) {
    var box = boxes[i], ours = box.hasAttribute("data-ar-scroll");
    var overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows && !ours && !box.querySelector(FOCUSABLE) && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", scrollBoxName(box));
      box.setAttribute("data-ar-scroll", "");
    } else if (!overflows && ours) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("data-ar-scroll");
    }
  }
}

/* "Every head (table, scrolls sideways)": the nearest heading before the box names it. */
function scrollBoxName(box) {
  var kind = box.querySelector("table") ? "table" : "image";
  var node = box.closest("details") || box, heading = null;
  while (node && !heading) {
    var previous = node.previousElementSibling;
    while (previous && !/^H[1-6]$/.test(previous.tagName)) previous = previous.previousElementSibling;
    heading = previous;
    node = node.parentElement;
    if (node && node.classList.contains("md-typeset")) break;
  }
  var title = heading ? heading.textContent.replace(/\u00b6/g, "").trim() : "";
  return (title ? title + " (" + kind + ", scrolls sideways)" : "Wide " + kind + ", scrolls sideways");
}

function watchScrollBoxes() {
  if (window.__attentionReportScrollBoxes) return;
  window.__attentionReportScrollBoxes = true;
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    setTimeout(function () { pending = false; markScrollBoxes(); }, 150);
  });
  window.addEventListener("load", markScrollBoxes);
  // A static image's box has no width until its <details> opens ("toggle" does not bubble).
  document.addEventListener("toggle", markScrollBoxes, true);
}

/* ---- The head explorer ------------------------------------------------------------------ */
var pendingHeads = {};
window.attentionReportHead = function (payload) {
  var waiting = pendingHeads[payload.key];
  delete pendingHeads[payload.key];
  if (waiting) waiting(payload);
};

function loadHead(src, key) {
  return new Promise(function (resolve, reject) {
    pendingHeads[key] = resolve;
    var script = document.createElement("script");
    script.src = src;
    script.onerror = function () { delete pendingHeads[key]; reject(new Error("could not load " + src)); };
    document.head.appendChild(script);
  });
}

function decode(payload) {
  var text = atob(payload.weights), n = payload.n, rows = new Array(text.length);
  for (var i = 0; i < text.length; i++) rows[i] = {q: (i / n) | 0, k: i % n, v: text.charCodeAt(i)};
  return rows;
}

/* The explorer's spec for one head: its tokens, its query menu, its weights, its size
   (usermeta.explorer.vega names the signals and the data set). */
function explorerSpec(base, payload, rows, width) {
  var meta = base.usermeta.explorer, names = meta.vega;
  var spec = JSON.parse(JSON.stringify(base));
  var labels = payload.tokens.map(function (t, i) { return i + ": " + t; });
  var positions = payload.tokens.map(function (t, i) { return i; });
  var side = Math.max(160, Math.min(meta.max, width - meta.gutter));
  spec.signals.forEach(function (s) {
    if (s.name === names.tokens) s.value = payload.tokens;
    if (s.name === names.query) { s.bind.options = positions; s.bind.labels = labels; }
    if (s.name === names.height) s.value = side;
  });
  spec.data.forEach(function (d) { if (d.name === names.data) d.values = rows; });
  spec.width = side;
  return prepared(spec);
}

function renderExplorers() {
  var boxes = document.querySelectorAll("div.ar-explorer");
  for (var i = 0; i < boxes.length; i++) {
    if (boxes[i].getAttribute("data-ar-ready")) continue;
    try { setUpExplorer(boxes[i]); } catch (err) { chartFailed(boxes[i], err); }
  }
}

function setUpExplorer(box) {
  var base = specFor(box), meta = base.usermeta.explorer;
  box.setAttribute("data-ar-ready", "1");
  var label = document.createElement("label");
  label.textContent = "Head ";
  var select = document.createElement("select");
  select.className = "ar-explorer-head";
  var prompt = document.createElement("option");
  prompt.value = "";
  prompt.textContent = "Choose a head…";
  select.appendChild(prompt);
  meta.heads.forEach(function (h, i) {
    var o = document.createElement("option");
    o.value = String(i);
    o.textContent = "Head " + h.head + (h.pattern ? " · " + h.pattern : "");
    select.appendChild(o);
  });
  label.appendChild(select);
  var status = document.createElement("p");
  status.className = "ar-explorer-status";
  status.setAttribute("aria-live", "polite");
  status.textContent = "Choose a head to see it at full token resolution; hover a row or pick a query token.";
  var chart = document.createElement("div");
  chart.className = "ar-explorer-chart";
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", box.getAttribute("aria-label") || "One head's attention, query by key");
  box.appendChild(label);
  box.appendChild(status);
  box.appendChild(chart);
  var current = null;
  function draw(payload, rows, arrived) {
    var started = arrived || performance.now();
    if (chart.arView) chart.arView.finalize();
    chart.innerHTML = "";
    chart.removeAttribute("data-ar-rendered");
    var spec = explorerSpec(base, payload, rows, columnWidth(box));
    return drawVega(host(chart), spec).then(function (view) {
      chart.arView = view;
      chart.arDrawMs = performance.now() - started;
      chart.setAttribute("data-ar-head", String(payload.head));
      chart.setAttribute("data-ar-scheme", dark() ? "slate" : "default");
      chart.setAttribute("data-ar-rendered", "done");
      markScroll(chart);
      status.textContent = "Head " + payload.head + ": " + payload.n + " tokens, weights to ±0.002 (uint8). " +
        "Hover a row of the map or pick a query token below it.";
    });
  }
  chart.arRedraw = function () { if (current) draw(current.payload, current.rows); };
  select.addEventListener("change", function () {
    if (select.value === "") return;
    var head = meta.heads[Number(select.value)];
    status.textContent = "Loading head " + head.head + "…";
    chart.setAttribute("data-ar-rendered", "pending");
    loadHead(head.src, head.key).then(function (payload) {
      var arrived = performance.now();  // the draw budget counts from here, decoding included
      var rows = decode(payload);
      current = {payload: payload, rows: rows};
      return draw(payload, rows, arrived);
    }).catch(function (err) { chartFailed(chart, err); status.textContent = String(err.message || err); });
  });
}

watchScheme();
watchScrollBoxes();
if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(renderCharts);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", renderCharts);
} else {
  renderCharts();
}
