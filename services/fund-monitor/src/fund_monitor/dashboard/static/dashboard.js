// The province's dashboard: reads fund-monitor's API with the caller's token and draws with ECharts (SVG).
"use strict";
const LEVEL_COLOURS = { ok: "#2e7d32", early_warning: "#ef8f00", critical: "#c62828", no_expenditure: "#78909c", no_data: "#78909c" };
const LEVEL_NAMES = { ok: "正常", early_warning: "关注", critical: "预警", no_expenditure: "无支出", no_data: "无数据" };
let token = null;
const charts = {};

function tokenFromPage() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { sessionStorage.setItem("fm-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("fm-token");
}

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) {
    let detail = `${r.status}`;
    try { const p = await r.json(); detail = `${p.code || r.status}: ${p.detail || p.title}`; } catch (_) { /* not JSON */ }
    throw new Error(`${path} → ${detail}`);
  }
  return r.json();
}

const yuan = (s) => (s == null ? "—" : Number(s).toLocaleString("zh-CN", { maximumFractionDigits: 0 }) + " 元");
const chart = (id) => (charts[id] ||= echarts.init(document.getElementById(id), null, { renderer: "svg" }));

function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

function drawOverview(o) {
  const tiles = document.getElementById("tiles");
  tiles.replaceChildren();
  for (const r of o.regions) {
    const div = document.createElement("div");
    div.className = `tile level-${r.level}`;
    div.dataset.region = r.region;
    div.innerHTML = `<span class="name"></span><b></b><span class="balance"></span>`;
    div.querySelector(".name").textContent = `${r.name} · ${LEVEL_NAMES[r.level]}`;
    div.querySelector("b").textContent = r.capacity_months == null ? "—" : `${r.capacity_months} 个月`;
    div.querySelector(".balance").textContent = yuan(r.balance);
    div.onclick = () => selectRegion(r.region);
    tiles.appendChild(div);
  }
  chart("capacity-chart").setOption({
    tooltip: {}, grid: { left: 50, right: 20, bottom: 60 },
    xAxis: { type: "category", data: o.regions.map((r) => r.name), axisLabel: { rotate: 30 } },
    // capped at 24 months so the 2- and 6-month lines stay visible; the label and tooltip show the real figure
    yAxis: { type: "value", name: "月", max: 24 },
    series: [{
      type: "bar", name: "支付能力",
      label: { show: true, position: "top", formatter: (p) => (p.data.real == null ? "—" : p.data.real) },
      tooltip: { formatter: (p) => `${p.name}: ${p.data.real == null ? "无支出" : p.data.real + " 个月"}` },
      data: o.regions.map((r) => ({ value: r.capacity_months == null ? 24 : Math.min(Number(r.capacity_months), 24), real: r.capacity_months, itemStyle: { color: LEVEL_COLOURS[r.level] } })),
      markLine: { symbol: "none", data: [{ yAxis: 2, name: "2 个月 (N§8)" }, { yAxis: 6, name: "关注线" }] },
    }],
  });
  const body = document.querySelector("#alerts tbody");
  body.replaceChildren();
  for (const r of o.regions) for (const a of r.open_alerts) {
    const tr = document.createElement("tr");
    tr.className = `alert-${a.level}`;
    [r.name, a.level === "critical" ? "预警 (<2 个月)" : "关注", a.month, a.capacity_months, a.raised_at.slice(0, 16), `${a.acknowledged}/${a.recipients}`].forEach((t) => cell(tr, t));
    body.appendChild(tr);
  }
  // the books differ from what contributions or claims say they moved (GET /reconciliation/alerts)
  for (const r of o.regions) for (const m of r.reconciliation_mismatches || []) {
    const tr = document.createElement("tr");
    tr.className = "alert-reconciliation";
    [r.name, "对账差异", m.month, `${m.differences} 处`, m.raised_at.slice(0, 16), "—"].forEach((t) => cell(tr, t));
    body.appendChild(tr);
  }
  if (o.province) {
    document.getElementById("summary").textContent =
      `全省余额 ${yuan(o.province.balance)} · 省级调剂金 ${yuan(o.province.adjustment_fund)} · 预警地区 ${o.province.regions_critical} · 关注地区 ${o.province.regions_early_warning}` +
      (o.province.reconciliation_mismatches ? ` · 对账差异 ${o.province.reconciliation_mismatches}` : "");
  }
  const select = document.getElementById("region-select");
  if (!select.options.length) {
    for (const r of o.regions) select.add(new Option(r.name, r.region));
    const worst = [...o.regions].filter((r) => r.capacity_months != null).sort((a, b) => a.capacity_months - b.capacity_months)[0];
    if (worst) select.value = worst.region;
    select.onchange = () => selectRegion(select.value);
  }
}

async function selectRegion(region) {
  document.getElementById("region-select").value = region;
  const [months, projection] = await Promise.all([api(`/regions/${region}/months`), api(`/regions/${region}/projection`)]);
  const items = months.items.slice(-36);
  chart("trend-chart").setOption({
    tooltip: { trigger: "axis" }, legend: { data: ["月末余额", "支付能力"] },
    xAxis: { type: "category", data: items.map((m) => m.month) },
    yAxis: [{ type: "value", name: "元" }, { type: "value", name: "月" }],
    series: [
      { name: "月末余额", type: "line", data: items.map((m) => Number(m.closing_balance)) },
      { name: "支付能力", type: "line", yAxisIndex: 1, data: items.map((m) => (m.capacity_months == null ? null : Number(m.capacity_months))) },
    ],
  }, true);
  chart("projection-chart").setOption({
    tooltip: { trigger: "axis" }, legend: { data: ["基线支出", "裁员预计支出", "预计支付能力"] },
    xAxis: { type: "category", data: projection.months.map((m) => m.month) },
    yAxis: [{ type: "value", name: "元" }, { type: "value", name: "月" }],
    series: [
      { name: "基线支出", type: "bar", stack: "x", data: projection.months.map((m) => Number(m.baseline_expenditure)) },
      { name: "裁员预计支出", type: "bar", stack: "x", data: projection.months.map((m) => Number(m.layoff_cost)) },
      { name: "预计支付能力", type: "line", yAxisIndex: 1, data: projection.months.map((m) => (m.capacity_months == null ? null : Number(m.capacity_months))) },
    ],
  }, true);
  const body = document.querySelector("#layoffs tbody");
  body.replaceChildren();
  for (const t of projection.layoffs) {
    const tr = document.createElement("tr");
    [t.filing_id, t.unit_credit_code, t.people, t.expected_claimants, t.claimed, t.first_benefit_month, yuan(t.cost_in_horizon)].forEach((v) => cell(tr, String(v)));
    body.appendChild(tr);
  }
}

async function download(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: path.split("/").pop() });
  a.click();
  URL.revokeObjectURL(url);
}

async function start() {
  const error = document.getElementById("error");
  try {
    const o = await api("/dashboard/overview");
    document.getElementById("login").hidden = true;
    document.getElementById("main").hidden = false;
    drawOverview(o);
    await selectRegion(document.getElementById("region-select").value);
    error.hidden = true;
    document.body.dataset.state = "ready";
  } catch (e) {
    error.textContent = `无法加载: ${e.message}`;
    error.hidden = false;
    document.body.dataset.state = "error";
    document.getElementById("login").hidden = false;
  }
}

document.getElementById("login").onsubmit = (ev) => {
  ev.preventDefault();
  token = document.getElementById("token").value.trim();
  sessionStorage.setItem("fm-token", token);
  start();
};
for (const a of document.querySelectorAll("a[data-csv]")) a.onclick = (ev) => { ev.preventDefault(); download(a.dataset.csv); };
window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
token = tokenFromPage();
if (token) { start(); setInterval(() => api("/dashboard/overview").then(drawOverview).catch(() => {}), 60000); }
else { document.getElementById("login").hidden = false; document.body.dataset.state = "login"; }
