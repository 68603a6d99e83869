"""The dashboard: one self-contained page served by the backend (no CDN, fonts or scripts from
elsewhere). Its small script reads the same JSON endpoints an analyst would (``/indicators``,
``/registers/summary``, ``/reports/movements``, ``/indicators/by-unit``, ``/reference/units``)
and draws the charts as inline SVG, every number also carried as a ``data-*`` attribute."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.dependencies import ContainerDep, today
from api.problems import problem_responses
from application.demo import holds_demo_data
from domain.indicators import plan
from domain.limits import MAX_YEAR, MIN_YEAR
from domain.units import PROVINCE_CODE

router = APIRouter(tags=["dashboard"])


def dashboard_config(built: ContainerDep, on: date, area: str | None, year: int | None) -> Any:
    the_plan = plan()
    province = built.units.get(PROVINCE_CODE)
    chosen = area if area and built.units.get(area) is not None else PROVINCE_CODE
    last = max(on.year, the_plan.last_year)
    return {
        "province": {"code": PROVINCE_CODE, "name": province.name if province else PROVINCE_CODE},
        # A year still running is shown up to today, not as if it had ended.
        "today": on.isoformat(),
        "sample": holds_demo_data(built.case_files),
        # From the province down to the chosen unit: the selectors to set on load.
        "chain": list(reversed(built.units.ancestors(chosen))),
        "year": year if year is not None and the_plan.first_year <= year <= last else on.year,
        "years": list(range(the_plan.first_year, last + 1)),
        "plan": {
            "name": the_plan.name,
            "baseline": the_plan.baseline.isoformat(),
            "first_year": the_plan.first_year,
            "last_year": the_plan.last_year,
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "name_vi": i.name_vi,
                    "unit": i.unit,
                    "target": i.target,
                    "comparison": i.comparison,
                    "count_target": i.count_target,
                    "trend": i.trend,
                }
                for i in the_plan.indicators
            ],
        },
    }


@router.get("/dashboard", response_class=HTMLResponse, responses=problem_responses(422))
def dashboard(
    built: ContainerDep,
    on: Annotated[date, Depends(today)],
    area: Annotated[str | None, Query(description="unit to show first")] = None,
    year: Annotated[
        int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="year to show first")
    ] = None,
) -> HTMLResponse:
    """The province's, a district's or a commune's indicators against the plan's targets, the
    registers' sizes and the year's movements, for a laptop or a phone."""
    config = json.dumps(dashboard_config(built, on, area, year), ensure_ascii=False)
    page = PAGE.replace("__CONFIG__", config.replace("</", "<\\/"))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


PAGE = r"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Theo dõi giảm nghèo bền vững — Poverty reduction dashboard</title>
<link rel="icon" href="data:,">
<style>
:root {
  --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --paper: #ffffff; --page: #f3f5f8;
  --brand: #0f4c5c; --poor: #c0392b; --near: #e08e0b; --escaped: #2e8b57;
  --good: #1e8449; --bad: #c0392b; --none: #8a94a3; --target: #7b241c;
  --good-bg: #e3f4e8; --bad-bg: #fbe4e1;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.45 system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans",
    "DejaVu Sans", sans-serif;
}
header.top { background: var(--brand); color: #fff; padding: 14px 20px 16px; }
header.top h1 { margin: 0; font-size: 1.35rem; line-height: 1.25; }
.en { display: block; font-weight: 400; font-size: .8rem; opacity: .8; }
header.top .en { opacity: .85; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 14px; margin-top: 12px; align-items: end; }
.controls label { display: flex; flex-direction: column; font-size: .8rem; gap: 3px; }
.controls select {
  font: inherit; font-size: .95rem; padding: 6px 8px; border-radius: 6px; border: 0;
  min-width: 150px; max-width: 100%; color: var(--ink); background: #fff;
}
.downloads { display: flex; flex-wrap: wrap; gap: 8px; margin-left: auto; }
.downloads a {
  color: #fff; text-decoration: none; border: 1px solid rgba(255,255,255,.55);
  border-radius: 6px; padding: 6px 10px; font-size: .82rem; white-space: nowrap;
}
.downloads a:hover { background: rgba(255,255,255,.15); }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
section { margin-top: 22px; }
section > h2 { margin: 0 0 10px; font-size: 1.1rem; color: var(--brand); }
section > h2 .en { color: var(--muted); opacity: 1; }
.note { color: var(--muted); font-size: .82rem; margin: 4px 0 10px; }
.status { padding: 10px 14px; border-radius: 8px; background: #fff; border: 1px solid var(--line); }
.status.error { background: var(--bad-bg); border-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card, .panel, figure.chart {
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px; margin: 0;
}
.card { padding: 12px 14px; }
.card .label { font-size: .85rem; color: var(--muted); }
.card .number { font-size: 1.7rem; font-weight: 700; line-height: 1.15; margin-top: 4px; }
.card .rate { font-size: .85rem; color: var(--muted); }
.card.poor .number { color: var(--poor); }
.card.near_poor .number { color: var(--near); }
.card.newly_escaped .number { color: var(--escaped); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
figure.chart { padding: 12px 12px 6px; display: flex; flex-direction: column; }
figure.chart .title { font-weight: 600; font-size: .95rem; line-height: 1.3; }
figure.chart .current {
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; margin-top: 6px;
}
figure.chart .current b { font-size: 1.3rem; }
figure.chart .current .goal { font-size: .78rem; color: var(--target); }
figure.chart svg { width: 100%; height: auto; display: block; margin-top: auto; padding-top: 6px; }
.badge {
  display: inline-block; font-size: .72rem; padding: 1px 7px; border-radius: 10px;
  background: #eef0f3; color: var(--muted); white-space: nowrap;
}
.badge.good { background: var(--good-bg); color: var(--good); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .zero { stroke: #9aa4b1; stroke-width: 1; }
svg .tick { fill: var(--muted); font-size: 10px; }
svg .line { fill: none; stroke: var(--brand); stroke-width: 2.2; }
svg .target { stroke: var(--target); stroke-width: 1.5; stroke-dasharray: 5 4; }
svg .point { stroke: #fff; stroke-width: 1.5; fill: var(--none); }
svg .point.good { fill: var(--good); }
svg .point.bad { fill: var(--bad); }
svg .value-label { fill: var(--ink); font-size: 10.5px; font-weight: 600; }
.panel { padding: 12px 14px; }
.progress { padding: 10px 0; border-bottom: 1px solid var(--line); }
.progress:last-child { border-bottom: 0; }
.progress .head { display: flex; justify-content: space-between; gap: 10px; align-items: baseline; }
.progress .name { font-weight: 600; font-size: .92rem; }
.progress .figure { white-space: nowrap; font-size: .92rem; }
.progress svg { width: 100%; height: 16px; display: block; margin: 6px 0 4px; }
.progress .track { fill: #e6e9ee; }
.progress .fill { fill: var(--brand); }
.progress .fill.good { fill: var(--good); }
.progress .fill.bad { fill: var(--bad); }
.progress .marker { stroke: var(--target); stroke-width: 2; }
.progress .sub { font-size: .78rem; color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: .8rem; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px;
  vertical-align: -2px; margin-right: 5px; }
#register-bars {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); column-gap: 28px;
}
.reg-row {
  display: grid; grid-template-columns: minmax(110px, 40%) 1fr; gap: 4px 12px;
  padding: 7px 0; border-bottom: 1px solid var(--line); align-items: center;
}
.reg-name { font-size: .9rem; font-weight: 600; }
.reg-name small { display: block; font-weight: 400; color: var(--muted); }
.reg-bar { display: grid; grid-template-columns: 1fr 3.2em; gap: 6px; align-items: center; }
.reg-bar svg { width: 100%; height: 9px; display: block; }
.reg-bar b { font-size: .8rem; text-align: right; }
.reg-bar rect.bg { fill: #eef0f3; }
rect.poor { fill: var(--poor); } rect.near_poor { fill: var(--near); }
rect.newly_escaped { fill: var(--escaped); }
.table-wrap {
  overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%;
  border: 1px solid var(--line); border-radius: 10px; background: var(--paper);
  scrollbar-color: #9aa4b1 #eef0f3;
}
.table-wrap::-webkit-scrollbar { height: 10px; }
.table-wrap::-webkit-scrollbar-thumb { background: #9aa4b1; border-radius: 5px; }
.table-wrap::-webkit-scrollbar-track { background: #eef0f3; }
.table-wrap table { border-style: hidden; }
.scroll-hint { display: none; }
.scroll-hint.shown { display: block; }
.status.sample { background: #fff8e1; border-color: var(--near); margin-top: 10px; }
table { border-collapse: collapse; width: 100%; background: var(--paper); font-size: .86rem; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: right; }
th { background: #e9eef4; font-weight: 600; text-align: center; vertical-align: bottom; }
th .en { color: var(--muted); font-size: .72rem; }
td:first-child, th:first-child { text-align: left; }
td.good { background: var(--good-bg); color: var(--good); }
td.bad { background: var(--bad-bg); color: var(--bad); }
table.units th:first-child, table.units td:first-child {
  position: sticky; left: 0; background: #fff; z-index: 1; min-width: 140px;
}
table.units th:first-child { background: #e9eef4; }
table.units tfoot th, table.units tfoot td { font-weight: 700; border-top: 2px solid #9aa4b1; }
table.units tfoot th { text-align: left; }
table.units tfoot th:nth-child(2) { text-align: right; }
table.units th { min-width: 88px; font-size: .76rem; }
table.units a { color: var(--brand); }
.movements {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px;
}
.movements table td:first-child { width: 65%; }
footer { color: var(--muted); font-size: .78rem; text-align: center; padding: 0 16px 24px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  header.top { padding: 12px 14px; }
  header.top h1 { font-size: 1.12rem; }
  main { padding: 10px 12px 30px; }
  .controls label { flex: 1 1 140px; }
  .controls select { min-width: 0; width: 100%; }
  .downloads { margin-left: 0; }
  .cards { grid-template-columns: repeat(2, 1fr); gap: 8px; }
  .card .number { font-size: 1.35rem; }
  .grid { grid-template-columns: 1fr; }
  #register-bars { grid-template-columns: 1fr; }
  .progress .head { flex-wrap: wrap; }
}
</style>
</head>
<body data-state="loading">
<header class="top">
  <h1>Theo dõi giảm nghèo bền vững — Kế hoạch <span id="plan-name"></span>
    <span class="en">Sustainable poverty reduction: progress against the plan's targets</span></h1>
  <form class="controls" id="controls" onsubmit="return false">
    <label>Huyện, thành phố <span class="en">District</span>
      <select id="district" name="district"></select></label>
    <label>Xã, phường, thị trấn <span class="en">Commune</span>
      <select id="commune" name="commune" disabled></select></label>
    <label>Năm <span class="en">Year</span><select id="year" name="year"></select></label>
    <nav class="downloads" aria-label="Tải báo cáo">
      <a id="dl-indicators" href="#">⬇ Chỉ tiêu (XLSX)</a>
      <a id="dl-movements" href="#">⬇ Diễn biến (XLSX)</a>
      <a id="dl-deprivations" href="#">⬇ Thiếu hụt (XLSX)</a>
    </nav>
  </form>
</header>
<main>
  <div id="status" class="status" role="status">Đang tải… <span class="en">Loading…</span></div>
  <div id="sample" class="status sample" hidden>Dữ liệu mẫu (demo): các hộ do chương trình tạo
    ngẫu nhiên ở các xã thật của tỉnh, không phải hồ sơ thật. Chỉ tiêu số lượng giao cho toàn
    tỉnh nên chỉ so sánh được khi mẫu có quy mô toàn tỉnh; các tỷ lệ là tỷ lệ của mẫu.
    <span class="en">Demo data: generated households in the province's real communes, not real
    case files. The count targets are the whole province's, so a sample smaller than the
    province reads far below them; the rates are the sample's.</span></div>

  <section id="overview">
    <h2>Tổng quan <span id="overview-when"></span>
      <span class="en">Overview: households and registers</span></h2>
    <div class="cards" id="cards"></div>
  </section>

  <section id="targets">
    <h2>Chỉ tiêu số lượng <span class="en">Count targets (province, pro rata over the plan's
      years)</span></h2>
    <div class="panel" id="progress"></div>
  </section>

  <section id="rates">
    <h2>Tỷ lệ qua các năm so với chỉ tiêu
      <span class="en">Rates over the years against their targets</span></h2>
    <div class="legend">
      <span><i style="background:var(--good)"></i>Đạt / on track</span>
      <span><i style="background:var(--bad)"></i>Chưa đạt / off track</span>
      <span><i style="background:var(--none)"></i>Không có chỉ tiêu / no target</span>
      <span><i style="background:none;border-top:2px dashed var(--target);border-radius:0;
        height:0"></i>Chỉ tiêu / target</span>
    </div>
    <div class="grid" id="charts" style="margin-top:10px"></div>
  </section>

  <section id="registers">
    <h2>Quy mô danh sách theo đơn vị
      <span class="en">Registers' sizes by unit</span></h2>
    <div class="legend">
      <span><i style="background:var(--poor)"></i>Hộ nghèo / poor</span>
      <span><i style="background:var(--near)"></i>Hộ cận nghèo / near-poor</span>
      <span><i style="background:var(--escaped)"></i>Hộ mới thoát nghèo / newly escaped</span>
    </div>
    <div class="panel" id="register-bars" style="margin-top:10px"></div>
  </section>

  <section id="movement-report">
    <h2>Diễn biến hộ nghèo, hộ cận nghèo năm <span class="year-label"></span>
      <span class="en">Movements during the year</span></h2>
    <div class="movements" id="movements"></div>
  </section>

  <section id="by-unit">
    <h2>Kết quả theo đơn vị năm <span class="year-label"></span>
      <span class="en">Indicators in each unit (green: on track, red: off track)</span></h2>
    <p class="note scroll-hint" id="unit-table-hint">Bảng rộng: cuộn ngang trong khung để xem
      mọi chỉ tiêu. <span class="en">A wide table: scroll sideways inside its box to see every
      indicator.</span></p>
    <div class="table-wrap" id="unit-table"><p class="note">Đang tải… / Loading…</p></div>
  </section>
</main>
<footer>Số liệu từ hệ thống quản lý hồ sơ hộ nghèo, hộ cận nghèo; tỷ lệ tính tại ngày 31/12 của năm,
  với năm chưa kết thúc là theo số liệu đến hôm nay.
  <span class="en">Figures as of 31 December of the year (for a year still running, what is
  recorded up to today), from the case files' read models.</span>
</footer>
<script type="application/json" id="dashboard-config">__CONFIG__</script>
<script>
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var generation = 0;
  var byCode = {};
  config.plan.indicators.forEach(function (i) { byCode[i.code] = i; });

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
    return fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
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

  function start() {
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
  start();
})();
</script>
</body>
</html>
"""
