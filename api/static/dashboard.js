// The dashboard's script: reads the JSON endpoints and draws the page (helpers in draw.js).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var generation = 0;
  var byCode = {};
  config.plan.indicators.forEach(function (i) { byCode[i.code] = i; });

  var draw = window.dashboardDraw;
  var $ = draw.$, html = draw.html, svg = draw.svg, raw = draw.raw, fmt = draw.fmt;
  var unitLabel = draw.unitLabel, sign = draw.sign, verdict = draw.verdict, cls = draw.cls;
  var getJSON = draw.getJSON, q = draw.q, lineChart = draw.lineChart;

  // Selectors -------------------------------------------------------------------------------
  var district = $("district"), commune = $("commune"), yearSelect = $("year");
  function fill(select, items, allLabel) {
    select.replaceChildren(html("option", {value: "", text: allLabel}));
    items.forEach(function (u) {
      select.appendChild(html("option", {value: u.code, text: u.name}));
    });
  }
  function loadCommunes(parent) {
    if (!parent) {
      fill(commune, [], "— Toàn huyện —");
      commune.disabled = true;
      return Promise.resolve();
    }
    return getJSON("/reference/units?" + q({parent: parent})).then(function (d) {
      fill(commune, d.items, "— Toàn huyện —");
      commune.disabled = false;
    });
  }
  function area() { return commune.value || district.value || config.province.code; }
  function areaName() {
    var s = commune.value ? commune : district.value ? district : null;
    return s ? s.options[s.selectedIndex].text : config.province.name;
  }
  function year() { return Number(yearSelect.value); }
  var todayYear = Number(config.today.slice(0, 4));
  // The last day a year's registers and movements are read at: today while it is running.
  function periodEnd(y) { return y === todayYear ? config.today : y + "-12-31"; }
  function vnDate(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4); }
  function when(y) {
    return y === todayYear ? "đến ngày " + vnDate(config.today) : "tại 31/12/" + y;
  }
  function whenEn(y) {
    return y === todayYear ? "figures up to " + config.today + " (the year is still running)"
      : "figures as of 31 December " + y;
  }

  // Rendering -------------------------------------------------------------------------------
  function renderCards(ind, summary) {
    var f = ind.figures;
    var rate = function (n) {
      return summary.households ? fmt(n * 100 / summary.households, "%") + "%" : "—";
    };
    var cards = [
      ["households", "Số hộ", "households", summary.households, ""],
      ["poor", "Hộ nghèo", "poor", summary.poor, "tỷ lệ " + rate(summary.poor)],
      ["near_poor", "Hộ cận nghèo", "near-poor", summary.near_poor,
        "tỷ lệ " + rate(summary.near_poor)],
      ["newly_escaped", "Hộ mới thoát nghèo", "newly escaped", summary.newly_escaped, ""],
      ["baseline", "Hộ nghèo đầu kỳ (" + config.plan.baseline.slice(0, 4) + ")",
        "poor at the baseline", f.baseline_poor, "cận nghèo: " + fmt(f.baseline_near_poor)],
    ];
    $("cards").replaceChildren.apply($("cards"), cards.map(function (c) {
      return html("div", {"class": "card " + c[0], "data-kind": c[0], "data-value": raw(c[3])}, [
        html("div", {"class": "label"}, [c[1], html("span", {"class": "en", text: c[2]})]),
        html("div", {"class": "number", text: fmt(c[3])}),
        html("div", {"class": "rate", text: c[4]}),
      ]);
    }));
    $("overview-when").textContent = when(ind.year);
  }

  function renderProgress(ind) {
    var province = ind.area === config.province.code;
    var items = ind.items.filter(function (i) {
      return byCode[i.code] && byCode[i.code].count_target;
    });
    var panel = $("progress");
    panel.replaceChildren();
    if (!province) {
      panel.appendChild(html("p", {"class": "note", text: "Chỉ tiêu số lượng chỉ giao cho toàn " +
        "tỉnh; dưới đây là kết quả của đơn vị. (Count targets are set for the province only.)"}));
    }
    items.forEach(function (item) {
      var plan = byCode[item.code];
      var full = province ? plan.target : null;
      var scale = Math.max(full || 0, item.target || 0, item.value || 0, 1);
      var pct = function (v) { return Math.max(0, Math.min(100, (v || 0) * 100 / scale)); };
      var bar = item.target === null ? null : svg("svg", {viewBox: "0 0 100 10",
        preserveAspectRatio: "none",
        role: "img", "aria-label": item.name_vi}, [
        svg("rect", {"class": "track", x: 0, y: 0, width: 100, height: 10}),
        svg("rect", {"class": "fill " + cls(item.on_track), x: 0, y: 0,
          width: pct(item.value).toFixed(2), height: 10,
          "data-code": item.code, "data-value": raw(item.value)}),
        item.target === null ? null : svg("line", {"class": "marker",
          x1: pct(item.target).toFixed(2), x2: pct(item.target).toFixed(2), y1: 0, y2: 10,
          "vector-effect": "non-scaling-stroke"}),
      ]);
      var share = item.target && item.value !== null
        ? " · đạt " + fmt(item.value * 100 / item.target, "%") + "%" : "";
      var sub = item.target === null ? "Chỉ tiêu giao cho toàn tỉnh: " + fmt(plan.target) +
          unitLabel(item.unit) + " đến " + config.plan.last_year + " · no target below the province"
        : "Chỉ tiêu đến hết năm " + ind.year + ": " + fmt(item.target) + unitLabel(item.unit) +
          " (vạch đỏ)" + share + " · mục tiêu " + config.plan.last_year + ": " + fmt(full) +
          unitLabel(item.unit);
      panel.appendChild(html("div", {"class": "progress", "data-code": item.code,
        "data-value": raw(item.value), "data-target": raw(item.target),
        "data-plan-target": raw(full), "data-on-track": raw(item.on_track)}, [
        html("div", {"class": "head"}, [
          html("span", {"class": "name"}, [item.name_vi,
            html("span", {"class": "en", text: item.name})]),
          html("span", {"class": "figure"}, [
            html("b", {text: fmt(item.value) + unitLabel(item.unit)}), " ",
            item.target === null ? null : verdict(item.on_track)]),
        ]),
        bar,
        html("div", {"class": "sub", text: sub}),
      ]));
    });
  }

  function renderCharts(ind) {
    var years = config.years.filter(function (y) { return y <= ind.year; });
    var charts = ind.items.filter(function (i) { return i.trend; }).map(function (item) {
      return html("figure", {"class": "chart", "data-code": item.code,
        "data-value": raw(item.value), "data-target": raw(item.target),
        "data-on-track": raw(item.on_track)}, [
        html("figcaption", {}, [
          html("div", {"class": "title", text: item.name_vi}),
          html("span", {"class": "en", text: item.name}),
          html("div", {"class": "current"}, [
            html("b", {text: fmt(item.value, item.unit) + unitLabel(item.unit)}),
            verdict(item.on_track),
            item.target === null ? null : html("span", {"class": "goal",
              text: "chỉ tiêu " + sign(item.comparison) + " " + fmt(item.target, item.unit) +
                unitLabel(item.unit)}),
          ]),
        ]),
        lineChart(item, years),
      ]);
    });
    $("charts").replaceChildren.apply($("charts"), charts);
  }

  function renderRegisters(summary) {
    var rows = summary.units.length ? summary.units
      : [{code: summary.area, name: areaName(), households: summary.households,
         poor: summary.poor, near_poor: summary.near_poor,
         newly_escaped: summary.newly_escaped}];
    var kinds = ["poor", "near_poor", "newly_escaped"];
    var top = 1;
    rows.forEach(function (u) { kinds.forEach(function (k) { top = Math.max(top, u[k]); }); });
    var panel = $("register-bars");
    panel.replaceChildren();
    rows.forEach(function (u) {
      var bars = kinds.map(function (k) {
        var w = (u[k] * 100 / top).toFixed(2);
        return html("div", {"class": "reg-bar"}, [
          svg("svg", {viewBox: "0 0 100 10", preserveAspectRatio: "none"}, [
            svg("rect", {"class": "bg", x: 0, y: 0, width: 100, height: 10}),
            svg("rect", {"class": k, x: 0, y: 0, width: w, height: 10,
              "data-unit": u.code, "data-kind": k, "data-value": String(u[k])}),
          ]),
          html("b", {text: fmt(u[k])}),
        ]);
      });
      var share = u.households ? " · nghèo " + fmt(u.poor * 100 / u.households, "%") + "%" : "";
      panel.appendChild(html("div", {"class": "reg-row", "data-unit": u.code,
        "data-households": String(u.households)}, [
        html("div", {"class": "reg-name"}, [u.name,
          html("small", {text: fmt(u.households) + " hộ" + share})]),
        html("div", {}, bars),
      ]));
    });
  }

  function renderMovements(m) {
    var groups = [
      ["poor", "Hộ nghèo", "Poor households", [
        ["start", "Đầu kỳ", "at the start"], ["new_poverty", "Phát sinh mới", "new"],
        ["re_poverty", "Tái nghèo", "fell back"], ["escaped", "Thoát nghèo", "escaped"],
        ["end", "Cuối kỳ", "at the end"]]],
      ["near_poor", "Hộ cận nghèo", "Near-poor households", [
        ["start", "Đầu kỳ", "at the start"], ["new_near_poverty", "Phát sinh mới", "new"],
        ["from_poverty", "Từ hộ nghèo", "from poor"], ["escaped", "Thoát cận nghèo", "escaped"],
        ["to_poverty", "Chuyển thành hộ nghèo", "became poor"],
        ["end", "Cuối kỳ", "at the end"]]],
    ];
    $("movements").replaceChildren.apply($("movements"), groups.map(function (g) {
      var figures = m[g[0]];
      return html("table", {"class": "movement", "data-status": g[0]}, [
        html("thead", {}, [html("tr", {}, [
          html("th", {colspan: "2"}, [g[1], html("span", {"class": "en", text: g[2]})])])]),
        html("tbody", {}, g[3].map(function (c) {
          return html("tr", {}, [
            html("td", {}, [c[1], " ", html("span", {"class": "en", text: c[2]})]),
            html("td", {"data-status": g[0], "data-field": c[0],
              "data-value": String(figures[c[0]]), text: fmt(figures[c[0]])}),
          ]);
        })),
      ]);
    }));
  }

  function renderUnitTable(data, own, token) {
    if (token !== generation) return;
    var wrap = $("unit-table");
    if (!data.units.length) {
      wrap.replaceChildren(html("p", {"class": "note", text: "Không có đơn vị trực thuộc."}));
      $("unit-table-hint").classList.remove("shown");
      return;
    }
    var codes = data.units[0].items.map(function (i) { return i.code; });
    var head = html("tr", {}, [html("th", {text: "Đơn vị"}),
      html("th", {}, ["Đạt", html("span", {"class": "en", text: "on track"})])].concat(
      codes.map(function (c) {
        var i = byCode[c] || {name_vi: c, name: c};
        return html("th", {title: i.name}, [i.name_vi]);
      })));
    var body = data.units.map(function (u) {
      var judged = u.items.filter(function (i) { return i.on_track !== null; });
      var met = judged.filter(function (i) { return i.on_track; }).length;
      var link = html("a", {href: "#", "data-unit": u.code, text: u.name});
      link.addEventListener("click", function (e) { e.preventDefault(); drill(u.code); });
      return html("tr", {"data-unit": u.code}, [html("td", {}, [link]),
        html("td", {text: met + "/" + judged.length})].concat(u.items.map(function (i) {
        return html("td", {"class": cls(i.on_track), "data-code": i.code,
          "data-value": raw(i.value), text: fmt(i.value, i.unit)});
      })));
    });
    var judgedOwn = own.items.filter(function (i) { return i.on_track !== null; });
    var metOwn = judgedOwn.filter(function (i) { return i.on_track; }).length;
    var codesOwn = {};
    own.items.forEach(function (i) { codesOwn[i.code] = i; });
    var total = html("tr", {"class": "own", "data-unit": own.area}, [
      html("th", {text: "Chung: " + areaName()}),
      html("th", {text: metOwn + "/" + judgedOwn.length})].concat(codes.map(function (c) {
      var i = codesOwn[c];
      return html("td", {"class": cls(i.on_track), "data-code": c, "data-value": raw(i.value),
        text: fmt(i.value, i.unit)});
    })));
    wrap.replaceChildren(html("table", {"class": "units"}, [html("thead", {}, [head]),
      html("tbody", {}, body), html("tfoot", {}, [total])]));
    $("unit-table-hint").classList.toggle("shown", wrap.scrollWidth > wrap.clientWidth);
    document.body.dataset.units = "ready";
  }

  function drill(code) {
    if (!district.value) {
      district.value = code;
      loadCommunes(code).then(refresh);
    } else {
      commune.value = code;
      refresh();
    }
  }

  // Loading ---------------------------------------------------------------------------------
  function links(a, y) {
    $("dl-indicators").href = "/indicators.xlsx?" + q({area: a, year: y});
    $("dl-movements").href = "/reports/movements.xlsx?" +
      q({area: a, from: y + "-01-01", to: periodEnd(y)});
    $("dl-deprivations").href = "/reports/deprivations.xlsx?" + q({area: a, as_of: periodEnd(y)});
  }

  function refresh() {
    var token = ++generation;
    var a = area(), y = year();
    document.body.dataset.state = "loading";
    document.body.dataset.units = "loading";
    $("status").className = "status";
    $("status").replaceChildren("Đang tải " + areaName() + ", năm " + y + "… ",
      html("span", {"class": "en", text: "Loading…"}));
    links(a, y);
    Array.prototype.forEach.call(document.querySelectorAll(".year-label"),
      function (n) { n.textContent = String(y); });
    history.replaceState(null, "", "?" + q({area: a, year: y}));
    var indicators = getJSON("/indicators?" + q({area: a, year: y}));
    var summary = getJSON("/registers/summary?" + q({area: a, as_of: periodEnd(y)}));
    var movements = getJSON("/reports/movements?" +
      q({area: a, from: y + "-01-01", to: periodEnd(y)}));
    Promise.all([indicators, summary, movements]).then(function (answers) {
      if (token !== generation) return;
      renderCards(answers[0], answers[1]);
      renderProgress(answers[0]);
      renderCharts(answers[0]);
      renderRegisters(answers[1]);
      renderMovements(answers[2]);
      $("status").replaceChildren(areaName() + " — số liệu " + when(y) + " ",
        html("span", {"class": "en", text: whenEn(y)}));
      document.body.dataset.area = a;
      document.body.dataset.end = periodEnd(y);
      document.body.dataset.year = String(y);
      document.body.dataset.state = "ready";
    }).catch(function (error) {
      if (token !== generation) return;
      $("status").className = "status error";
      $("status").textContent = "Không tải được số liệu / could not load: " + error.message;
      document.body.dataset.state = "error";
    });
    $("unit-table").replaceChildren(html("p", {"class": "note", text: "Đang tải… / Loading…"}));
    Promise.all([getJSON("/indicators/by-unit?" + q({area: a, year: y})), indicators])
      .then(function (d) { renderUnitTable(d[0], d[1], token); }).catch(function (error) {
      if (token !== generation) return;
      $("unit-table").replaceChildren(html("p", {"class": "status error", text: error.message}));
      document.body.dataset.units = "error";
    });
  }

  function start(user) {
    // A user below the province opens on their own unit (the server answers for it only).
    if (!new URLSearchParams(location.search).has("area") &&
        user.unit_code !== config.province.code) {
      var params = new URLSearchParams(location.search);
      params.set("area", user.unit_code);
      location.search = "?" + params.toString();
      return;
    }
    ["dl-indicators", "dl-movements", "dl-deprivations"].forEach(function (id) {
      $(id).addEventListener("click", function (event) {
        event.preventDefault();
        window.dashboardAuth.download($(id).href).catch(function (error) {
          $("status").className = "status error";
          $("status").textContent = "Không tải được tệp / could not download: " + error.message;
        });
      });
    });
    $("plan-name").textContent = config.plan.name;
    $("sample").hidden = !config.sample;
    config.years.forEach(function (y) {
      yearSelect.appendChild(html("option", {value: String(y), text: String(y)}));
    });
    yearSelect.value = String(config.year);
    var chain = config.chain;
    getJSON("/reference/units?" + q({parent: config.province.code})).then(function (d) {
      fill(district, d.items, "— Toàn tỉnh —");
      if (chain.length > 1) district.value = chain[1];
      return loadCommunes(district.value);
    }).then(function () {
      if (chain.length > 2) commune.value = chain[2];
      refresh();
    }).catch(function (error) {
      $("status").className = "status error";
      $("status").textContent = "Không tải được danh mục đơn vị: " + error.message;
      document.body.dataset.state = "error";
    });
    district.addEventListener("change", function () {
      loadCommunes(district.value).then(refresh);
    });
    commune.addEventListener("change", refresh);
    yearSelect.addEventListener("change", refresh);
  }
  window.dashboardAuth.require(start);
})();
