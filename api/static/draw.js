// The dashboard's drawing helpers: DOM and SVG elements, Vietnamese number formats, the
// line chart of an indicator's trend. Pure functions of their arguments, shared as
// window.dashboardDraw with dashboard.js.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function $(id) { return document.getElementById(id); }
  function html(tag, attrs, children) {
    var node = document.createElement(tag);
    setAll(node, attrs, children);
    return node;
  }
  function svg(tag, attrs, children) {
    var node = document.createElementNS(NS, tag);
    setAll(node, attrs, children);
    return node;
  }
  function setAll(node, attrs, children) {
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined) return;
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      }
    });
  }
  function raw(v) { return v === null || v === undefined ? "" : String(v); }
  function digits(unit) { return unit === "%" || unit === "pp" ? 1 : 0; }
  function fmt(v, unit) {
    if (v === null || v === undefined) return "—";
    var d = digits(unit);
    return new Intl.NumberFormat("vi-VN", {minimumFractionDigits: d, maximumFractionDigits: d})
      .format(v);
  }
  function unitLabel(unit) {
    return {"%": "%", "pp": " điểm %", "households": " hộ", "models": " mô hình"}[unit] || "";
  }
  function sign(comparison) { return {">=": "≥", "<=": "≤"}[comparison] || ""; }
  function judge(value, target, comparison) {
    if (value === null || target === null || !comparison) return null;
    return comparison === ">=" ? value >= target : value <= target;
  }
  function verdict(onTrack) {
    if (onTrack === true) return html("span", {"class": "badge good", text: "Đạt · on track"});
    if (onTrack === false) {
      return html("span", {"class": "badge bad", text: "Chưa đạt · off track"});
    }
    return html("span", {"class": "badge", text: "Không có chỉ tiêu · no target"});
  }
  function cls(onTrack) { return onTrack === true ? "good" : onTrack === false ? "bad" : ""; }
  function getJSON(url) {
    var headers = Object.assign({"Accept": "application/json"}, window.dashboardAuth.header());
    return fetch(url, {headers: headers}).then(function (r) {
      if (r.status === 401) window.dashboardAuth.expired();
      if (!r.ok) {
        return r.text().then(function (t) { throw new Error(url + ": " + r.status + " " + t); });
      }
      return r.json();
    });
  }
  function q(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function niceStep(span) {
    var raw10 = Math.pow(10, Math.floor(Math.log10(span / 4)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (span / (steps[i] * raw10) <= 5) return steps[i] * raw10;
    }
    return 10 * raw10;
  }

  function lineChart(item, years) {
    var W = 320, H = 168, L = 30, R = 6, T = 20, B = 22;
    var trend = item.trend || [];
    var valueOf = {};
    trend.forEach(function (p) { valueOf[p.year] = p.value; });
    var known = trend.map(function (p) { return p.value; })
      .filter(function (v) { return v !== null; });
    var pool = known.concat(item.target === null ? [] : [item.target]);
    var lo, hi;
    if (item.unit === "%") {
      lo = 0;
      hi = Math.min(100, Math.max.apply(null, pool.concat([1])) * 1.18);
    } else {
      lo = Math.min.apply(null, pool.concat([0])) * 1.18;
      hi = Math.max.apply(null, pool.concat([0])) * 1.18;
    }
    if (hi - lo < 1) { hi = lo + 1; }
    var step = niceStep(hi - lo);
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
    var PAD = 18;  // keeps the first and last labels clear of the axis and the edge
    var x = function (i) { return L + PAD + (years.length === 1 ? (W - L - R - 2 * PAD) / 2
      : i * (W - L - R - 2 * PAD) / (years.length - 1)); };
    var y = function (v) { return T + (hi - v) * (H - T - B) / (hi - lo); };
    var parts = [];
    for (var t = lo; t <= hi + step / 2; t += step) {
      var ty = y(t).toFixed(1);
      parts.push(svg("line", {"class": Math.abs(t) < step / 1e6 ? "zero" : "axis",
        x1: L, x2: W - R, y1: ty, y2: ty}));
      parts.push(svg("text", {"class": "tick", x: L - 5, y: Number(ty) + 3, "text-anchor": "end",
        text: fmt(Math.round(t * 100) / 100, step < 1 ? "%" : "")}));
    }
    years.forEach(function (yr, i) {
      parts.push(svg("text", {"class": "tick", x: x(i), y: H - 6, "text-anchor": "middle",
        text: String(yr)}));
    });
    if (item.target !== null && item.comparison) {
      var gy = y(item.target).toFixed(1);
      parts.push(svg("line", {"class": "target", x1: L, x2: W - R, y1: gy, y2: gy,
        "data-code": item.code, "data-target": raw(item.target)}));
    }
    var path = [];
    years.forEach(function (yr, i) {
      var v = valueOf[yr];
      if (v === null || v === undefined) return;
      path.push((path.length ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1));
    });
    if (path.length > 1) parts.push(svg("path", {"class": "line", d: path.join(" ")}));
    years.forEach(function (yr, i) {
      var v = yr in valueOf ? valueOf[yr] : null;
      var onTrack = judge(v, item.target, item.comparison);
      var py = v === null ? y(lo) : y(v);
      parts.push(svg("circle", {"class": "point " + cls(onTrack) + (v === null ? " missing" : ""),
        cx: x(i).toFixed(1), cy: py.toFixed(1), r: v === null ? 0 : 4.2,
        "data-code": item.code, "data-year": String(yr), "data-value": raw(v)},
        [svg("title", {text: yr + ": " + fmt(v, item.unit)})]));
      if (v !== null) {
        parts.push(svg("text", {"class": "value-label", x: x(i).toFixed(1),
          y: (py - 8).toFixed(1), "text-anchor": "middle", text: fmt(v, item.unit)}));
      }
    });
    return svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": item.name_vi}, parts);
  }

  window.dashboardDraw = {
    "$": $, html: html, svg: svg, raw: raw, fmt: fmt, unitLabel: unitLabel, sign: sign,
    judge: judge, verdict: verdict, cls: cls, getJSON: getJSON, q: q, lineChart: lineChart,
  };
})();
