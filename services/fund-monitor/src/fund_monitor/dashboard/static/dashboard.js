// The province's dashboard: reads fund-monitor's API with the caller's token and draws with ECharts (SVG).
// Every figure shown comes from the API; the page only formats it (Beijing time, yuan, months clipped on the axes).
"use strict";
const LEVEL_COLOURS = { ok: "#2e7d32", early_warning: "#ef8f00", critical: "#c62828", no_expenditure: "#78909c", no_data: "#78909c" };
const LEVEL_NAMES = { ok: "正常", early_warning: "关注 (<6 个月)", critical: "预警 (<2 个月)", no_expenditure: "无支出", no_data: "无数据" };
const CAP = 36; // capacity axes stop here: a fund's first months can read thousands of months and flatten the line
const REFRESH_SECONDS = 60;
const LINES = { symbol: "none", label: { formatter: "{b}" }, data: [{ yAxis: 2, name: "2 个月 (N§8)", lineStyle: { color: "#c62828" } }, { yAxis: 6, name: "6 个月", lineStyle: { color: "#ef8f00" } }] };
let token = null;
let timer = null;
let lastGood = null;
const charts = {};

class ApiError extends Error {
  constructor(status, code, detail) { super(`${status} ${code}: ${detail}`); this.status = status; this.code = code; this.detail = detail; }
}

function tokenFromPage() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { sessionStorage.setItem("fm-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("fm-token");
}

// what the token says of its holder, to offer only the acknowledgements it may make (the service decides)
function claims() {
  try {
    const p = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(p + "=".repeat((4 - (p.length % 4)) % 4)), (c) => c.charCodeAt(0))));
  } catch (_) { return {}; }
}

function speaksFor(alertRegion) {
  const c = claims(); const roles = c.roles || []; const out = new Set();
  if (roles.includes("local_government") && c.region === alertRegion) out.add("local_government");
  if (c.region === "220000" && roles.includes("labor_department")) out.add("provincial_labor_department");
  if (c.region === "220000" && roles.includes("social_insurance")) out.add("provincial_social_insurance");
  return out;
}

async function api(path, init = {}) {
  const r = await fetch(path, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers || {}) } });
  if (!r.ok) {
    let code = String(r.status), detail = r.statusText;
    try { const p = await r.json(); code = p.code || code; detail = p.detail || p.title || detail; } catch (_) { /* not JSON */ }
    throw new ApiError(r.status, code, detail);
  }
  return r.status === 204 ? null : r.json();
}

const yuan = (s) => (s == null ? "—" : Number(s).toLocaleString("zh-CN", { maximumFractionDigits: 0 }) + " 元");
const BJ = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const bj = (iso) => (iso == null ? "—" : BJ.format(new Date(iso)));
const clip = (v) => (v == null ? null : Math.min(Number(v), CAP));
const months = (v) => (v == null ? "—" : `${v} 个月`);
const chart = (id) => (charts[id] ||= echarts.init(document.getElementById(id), null, { renderer: "svg" }));

function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }

function drawOverview(o) {
  const tiles = document.getElementById("tiles");
  tiles.replaceChildren();
  for (const r of o.regions) {
    const div = document.createElement("div");
    div.className = `tile level-${r.level}`;
    div.dataset.region = r.region;
    div.innerHTML = `<span class="name"></span><b></b><span class="balance"></span>`;
    div.querySelector(".name").textContent = `${r.name} · ${LEVEL_NAMES[r.level]}`;
    div.querySelector("b").textContent = months(r.capacity_months);
    div.querySelector(".balance").textContent = yuan(r.balance);
    div.onclick = () => selectRegion(r.region);
    tiles.appendChild(div);
  }
  chart("capacity-chart").setOption({
    tooltip: {}, grid: { left: 50, right: 20, bottom: 60 },
    xAxis: { type: "category", data: o.regions.map((r) => r.name), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: `月 (上限 ${CAP})`, max: CAP },
    series: [{
      type: "bar", name: "支付能力",
      label: { show: true, position: "top", formatter: (p) => (p.data.real == null ? "—" : p.data.real) },
      tooltip: { formatter: (p) => `${p.name}: ${p.data.real == null ? LEVEL_NAMES[o.regions[p.dataIndex].level] : p.data.real + " 个月"}` },
      // no bar where there is no figure (no data, or no expenditure to divide by): the label says why
      data: o.regions.map((r) => ({ value: clip(r.capacity_months), real: r.capacity_months, itemStyle: { color: LEVEL_COLOURS[r.level] } })),
      markLine: LINES,
    }],
  });
  const body = document.querySelector("#alerts tbody");
  body.replaceChildren();
  for (const r of o.regions) for (const a of r.open_alerts) {
    const tr = document.createElement("tr");
    tr.className = `alert-${a.level}`;
    tr.dataset.alert = a.id;
    // the figure when raised, and now if it has moved since (the alert stays open while the level holds)
    const capacity = r.capacity_months != null && r.capacity_months !== a.capacity_months ? `${r.capacity_months} (发出时 ${a.capacity_months})` : a.capacity_months;
    [r.name, LEVEL_NAMES[a.level], a.month, capacity, bj(a.raised_at)].forEach((t) => cell(tr, t));
    const who = cell(tr, "");
    const mine = speaksFor(r.region);
    for (const x of a.addressed_to) {
      const line = document.createElement("div");
      line.className = x.acknowledged_at ? "acknowledged" : "pending";
      line.textContent = x.acknowledged_at ? `✓ ${x.title} (${x.acknowledged_by}, ${bj(x.acknowledged_at)})` : `○ ${x.title} 未确认`;
      if (!x.acknowledged_at && mine.has(x.recipient)) {
        const button = document.createElement("button");
        button.textContent = "确认收悉";
        button.dataset.acknowledge = a.id;
        button.onclick = () => acknowledge(a.id, button);
        line.append(" ", button);
      }
      who.appendChild(line);
    }
    body.appendChild(tr);
  }
  // the books differ from what contributions or claims say they moved (GET /reconciliation/alerts)
  for (const r of o.regions) for (const m of r.reconciliation_mismatches || []) {
    const tr = document.createElement("tr");
    tr.className = "alert-reconciliation";
    [r.name, "对账差异", m.month, `${m.differences} 处`, bj(m.raised_at), "省劳动保障厅、省社会保险公司"].forEach((t) => cell(tr, t));
    body.appendChild(tr);
  }
  if (!body.children.length) { const tr = document.createElement("tr"); cell(tr, "无未关闭预警").colSpan = 6; body.appendChild(tr); }
  if (o.province) {
    document.getElementById("summary").textContent =
      `全省余额 ${yuan(o.province.balance)} · 省级调剂金 ${yuan(o.province.adjustment_fund)} · 预警地区 (<2 个月) ${o.province.regions_critical} · 关注地区 (<6 个月) ${o.province.regions_early_warning}` +
      (o.province.reconciliation_mismatches ? ` · 对账差异 ${o.province.reconciliation_mismatches}` : "");
  }
  const select = document.getElementById("region-select");
  if (!select.options.length) {
    for (const r of o.regions) select.add(new Option(r.name, r.region));
    const worst = [...o.regions].filter((r) => r.capacity_months != null).sort((a, b) => a.capacity_months - b.capacity_months)[0];
    if (worst) select.value = worst.region;
    select.onchange = () => selectRegion(select.value).catch(failed);
  }
}

async function acknowledge(id, button) {
  button.disabled = true;
  try {
    await api(`/alerts/${id}/acknowledgements`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    await refresh();
  } catch (e) { failed(e); button.disabled = false; }
}

async function selectRegion(region) {
  document.getElementById("region-select").value = region;
  const [history, projection] = await Promise.all([api(`/regions/${region}/months`), api(`/regions/${region}/projection`)]);
  const items = history.items.slice(-36);
  const tip = (p) => `${p.seriesName}: ${p.seriesIndex === 1 ? (p.data.real == null ? "—" : p.data.real + " 个月") : yuan(p.value)}`;
  chart("trend-chart").setOption({
    tooltip: { trigger: "axis", formatter: (ps) => `${ps[0].name}<br>${ps.map(tip).join("<br>")}` },
    legend: { data: ["月末余额", "支付能力"] },
    xAxis: { type: "category", data: items.map((m) => m.month) },
    yAxis: [{ type: "value", name: "元" }, { type: "value", name: `月 (上限 ${CAP})`, max: CAP }],
    series: [
      { name: "月末余额", type: "line", data: items.map((m) => Number(m.closing_balance)) },
      { name: "支付能力", type: "line", yAxisIndex: 1, data: items.map((m) => ({ value: clip(m.capacity_months), real: m.capacity_months })), markLine: LINES },
    ],
  }, true);
  const out = projection.runs_out;
  document.getElementById("runs-out").textContent = out
    ? `按目前收支与已报告裁员推算, ${out} 基金余额用尽 (N§8)`
    : `按目前收支与已报告裁员推算, 未来 ${projection.months.length} 个月内余额不会用尽`;
  document.getElementById("runs-out").className = out ? "runs-out" : "";
  chart("projection-chart").setOption({
    tooltip: { trigger: "axis" }, legend: { data: ["基线支出", "裁员预计支出", "预计支付能力"] },
    xAxis: { type: "category", data: projection.months.map((m) => m.month) },
    yAxis: [{ type: "value", name: "元" }, { type: "value", name: `月 (上限 ${CAP})`, max: CAP }],
    series: [
      { name: "基线支出", type: "bar", stack: "x", data: projection.months.map((m) => Number(m.baseline_expenditure)),
        markLine: out && projection.months.some((m) => m.month === out) ? { symbol: "none", label: { formatter: "基金用尽" }, lineStyle: { color: "#c62828", width: 2 }, data: [{ xAxis: out }] } : undefined },
      { name: "裁员预计支出", type: "bar", stack: "x", data: projection.months.map((m) => Number(m.layoff_cost)) },
      { name: "预计支付能力", type: "line", yAxisIndex: 1, data: projection.months.map((m) => clip(m.capacity_months)), markLine: LINES },
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

function drawMonitoring(m) {
  document.getElementById("monitoring-month").textContent = `(${m.month}; 参保人数同比未增加者标记, N§2)`;
  const body = document.querySelector("#monitoring tbody");
  body.replaceChildren();
  for (const r of [...m.regions, ...(m.province ? [{ ...m.province, name: "全省" }] : [])]) {
    const tr = document.createElement("tr");
    tr.dataset.region = r.region;
    [r.name, r.registered_unemployed, r.new_claims, r.drawing_benefits, r.filed_layoffs, r.layoff_people, r.insured,
      (r.insured_change > 0 ? "+" : "") + r.insured_change, r.insured_not_rising ? "参保未增长" : ""].forEach((v) => cell(tr, String(v)));
    if (r.insured_not_rising) tr.className = "flagged";
    body.appendChild(tr);
  }
}

function drawSubsidy(m) {
  // N§6: the subsidy is paid from re-employment funds, apart from the unemployment-insurance fund; a region that
  // paid none in a whole quarter has those funds reduced, so it is flagged
  const rows = m.regions.filter((r) => r.si_subsidy);
  const quarter = rows.length ? rows[0].si_subsidy.quarter : "";
  document.getElementById("subsidy-note").textContent = `(再就业资金列支, 非失业保险基金; ${quarter} 整季度未发放者标记, N§6)`;
  const body = document.querySelector("#subsidy tbody");
  body.replaceChildren();
  for (const r of rows) {
    const s = r.si_subsidy;
    const tr = document.createElement("tr");
    tr.dataset.region = r.region;
    const used = s.budget_used === null ? "未安排" : `${(Number(s.budget_used) * 100).toFixed(1)}%`;
    [r.name, yuan(s.budget), yuan(s.spent), used, s.person_months, s.people_last_run,
      `${s.quarter}: ${yuan(s.quarter_amount)}`, s.uptake_zero ? "整季度未发放" : ""].forEach((v) => cell(tr, String(v)));
    if (s.uptake_zero) tr.className = "flagged";
    body.appendChild(tr);
  }
}

async function download(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) return failed(new ApiError(r.status, String(r.status), r.statusText));
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: path.split("/").pop() });
  a.click();
  URL.revokeObjectURL(url);
}

function showAsOf(o) {
  document.getElementById("as-of").textContent = `数据截至 ${bj(o.generated_at)} (北京时间) · 每 ${REFRESH_SECONDS} 秒自动刷新`;
}

function failed(e) {
  const error = document.getElementById("error");
  if (e instanceof ApiError && e.status === 401) {
    // an expired or broken token: say so and ask for a new one; no stale figures left on the page as if current
    clearInterval(timer); timer = null;
    sessionStorage.removeItem("fm-token");
    error.textContent = `登录已失效, 请重新输入访问令牌 (${e.code === "token_expired" ? "令牌已过期" : e.code === "token_invalid" ? "令牌无效" : "未提供令牌"}: ${e.detail})`;
    document.getElementById("main").hidden = true;
    document.getElementById("login").hidden = false;
    document.body.dataset.state = "signed-out";
  } else if (e instanceof ApiError && e.status === 403) {
    error.textContent = `此令牌无权查看 (${e.code}: ${e.detail}); 看板需要省级令牌`;
    document.body.dataset.state = "error";
  } else {
    error.textContent = `刷新失败 (${e.message}); ${lastGood ? `页面显示的是 ${bj(lastGood)} (北京时间) 的数据` : "尚无数据"}`;
    document.body.dataset.state = lastGood ? "stale" : "error";
    if (!lastGood) document.getElementById("login").hidden = false;
  }
  error.hidden = false;
}

async function refresh() {
  const [o, m] = await Promise.all([api("/dashboard/overview"), api("/monitoring")]);
  document.getElementById("login").hidden = true;
  document.getElementById("main").hidden = false;
  drawOverview(o);
  drawMonitoring(m);
  drawSubsidy(m);
  await selectRegion(document.getElementById("region-select").value);
  lastGood = o.generated_at;
  showAsOf(o);
  document.getElementById("error").hidden = true;
  document.body.dataset.state = "ready";
}

async function start() {
  try { await refresh(); } catch (e) { failed(e); return; }
  clearInterval(timer);
  timer = setInterval(() => refresh().catch(failed), REFRESH_SECONDS * 1000);
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
if (token) start();
else { document.getElementById("login").hidden = false; document.body.dataset.state = "login"; }
