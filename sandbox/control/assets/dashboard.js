// vendor-sandbox dashboard: drives the /__sandbox JSON API. Every recorded value is inserted with
// textContent (never innerHTML), so bodies from partners and vendors are shown, not rendered.
"use strict";

const api = (path, options = {}) =>
  fetch("/__sandbox" + path, {credentials: "same-origin", ...options,
    headers: {"Content-Type": "application/json", ...(options.headers || {})}})
    .then(async (response) => {
      const body = await response.json().catch(() => null);
      if (!response.ok) { throw new Error((body && body.error) || response.statusText); }
      return body;
    });

const element = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  if (className) { node.className = className; }
  return node;
};

const say = (text) => { document.getElementById("status").textContent = text; };
const fail = (error) => say("Error: " + error.message);

let newestId = 0;
let catalogue = [];

async function loadHealth() {
  const health = await api("/health");
  document.getElementById("health").textContent = health.status + " · " + health.database;
  const select = document.getElementById("filter-vendor");
  for (const vendor of health.vendors) {
    if (![...select.options].some((option) => option.value === vendor)) {
      select.append(new Option(vendor, vendor));
    }
  }
}

async function loadClock() {
  const clock = await api("/clock");
  document.getElementById("clock-mode").textContent = clock.mode;
  document.getElementById("clock-now").textContent = clock.now;
}

async function setClock(body) {
  await api("/clock", {method: "PUT", body: JSON.stringify(body)});
  await loadClock();
  say("Clock updated");
}

async function loadTenants() {
  const container = document.getElementById("tenants");
  container.replaceChildren();
  const [clients, surveys, clinics] = await Promise.all(
    [api("/cirrusmd/clients"), api("/intake24/surveys"), api("/sympto/clinics")]);
  const list = element("ul");
  // Where each tenant came from: the config file (restored at every start) or the control plane (kept).
  const origin = (tenant) => " [" + tenant.source + "]";
  for (const client of clients.clients) {
    list.append(element("li", "CirrusMD client " + client.client_id + origin(client)));
  }
  for (const survey of surveys.surveys) {
    list.append(element("li", "Intake24 survey " + survey.slug + origin(survey)));
  }
  for (const clinic of clinics.clinics) {
    const item = element("li", "Sympto clinic " + clinic.clinic_id + " (" + clinic.name + "), admin " +
      clinic.admin_email + (clinic.endpoint ? ", webhook " + clinic.endpoint.endpointURL : "") + origin(clinic));
    item.dataset.symptoClinic = clinic.clinic_id;
    list.append(item);
  }
  container.append(list);
}

async function loadCatalogue() {
  catalogue = (await api("/faults/catalogue")).faults;
  const select = document.getElementById("catalogue");
  select.replaceChildren(...catalogue.map((spec) => new Option(spec.name, spec.name)));
  showCatalogueDetail();
}

function showCatalogueDetail() {
  const name = document.getElementById("catalogue").value;
  const spec = catalogue.find((entry) => entry.name === name);
  document.getElementById("catalogue-detail").textContent =
    !spec ? "" : spec.kind === "answer" ? spec.description + " → " + spec.status + " " + JSON.stringify(spec.body) : spec.description;
}

async function loadArmed() {
  const armed = (await api("/faults")).faults;
  const body = document.querySelector("#armed tbody");
  body.replaceChildren(...armed.map((fault) => {
    const row = element("tr");
    row.append(element("td", fault.id), element("td", fault.name), element("td", fault.tenant || "any"),
      element("td", fault.remaining === null ? "∞" : fault.remaining), element("td", fault.fired));
    const cell = element("td");
    const button = element("button", "Disarm");
    button.type = "button";
    button.dataset.faultId = String(fault.id);
    button.addEventListener("click", () =>
      api("/faults/" + fault.id, {method: "DELETE"}).then(loadArmed).then(() => say("Disarmed")).catch(fail));
    cell.append(button);
    row.append(cell);
    return row;
  }));
}

async function arm() {
  const body = {name: document.getElementById("catalogue").value};
  const times = parseInt(document.getElementById("arm-times").value, 10);
  if (times > 0) { body.times = times; }
  const tenant = document.getElementById("arm-tenant").value.trim();
  if (tenant) { body.tenant = tenant; }
  const armed = await api("/faults", {method: "POST", body: JSON.stringify(body)});
  say("Armed " + armed.name + " (#" + armed.id + ")");
  await loadArmed();
}

function journalRow(entry) {
  const row = element("tr", undefined, "entry");
  row.dataset.entryId = String(entry.id);
  row.append(
    element("td", entry.id),
    element("td", new Date(entry.at * 1000).toISOString().slice(11, 23)),
    element("td", entry.vendor + (entry.tenant ? " · " + entry.tenant : "")),
    element("td", entry.direction),
    element("td", entry.method + " " + entry.path),
    element("td", entry.status === null ? "—" : entry.status),
    element("td", entry.verdict, "verdict-" + entry.verdict),
    element("td", entry.rule || ""),
    element("td", Math.round(entry.latency_ms)),
  );
  row.addEventListener("click", () => {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("expanded")) { next.remove(); return; }
    const detail = element("tr", undefined, "expanded");
    const cell = element("td");
    cell.colSpan = 9;
    const exchange = {rule: entry.rule, message: entry.message, warnings: entry.warnings,
      correlation_id: entry.correlation_id, request: entry.request, response: entry.response};
    cell.append(element("pre", JSON.stringify(exchange, null, 2)));
    detail.append(cell);
    row.after(detail);
  });
  return row;
}

async function loadJournal(fresh) {
  const params = new URLSearchParams({limit: "200"});
  const vendor = document.getElementById("filter-vendor").value;
  const verdict = document.getElementById("filter-verdict").value;
  if (vendor) { params.set("vendor", vendor); }
  if (verdict) { params.set("verdict", verdict); }
  if (!fresh && newestId) { params.set("since", String(newestId)); }
  const entries = (await api("/journal?" + params)).entries;
  const body = document.querySelector("#journal tbody");
  if (fresh) { body.replaceChildren(); newestId = 0; }
  for (const entry of entries.slice().reverse()) {
    body.prepend(journalRow(entry));
    newestId = Math.max(newestId, entry.id);
  }
}

function refresh() {
  if (!document.getElementById("auto-refresh").checked) { return; }
  Promise.all([loadJournal(false), loadArmed(), loadClock()]).catch(fail);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("catalogue").addEventListener("change", showCatalogueDetail);
  document.getElementById("arm").addEventListener("click", () => arm().catch(fail));
  document.getElementById("disarm-all").addEventListener("click", () =>
    api("/faults", {method: "DELETE"}).then(loadArmed).then(() => say("All faults disarmed")).catch(fail));
  document.getElementById("clock-shift").addEventListener("click", () =>
    setClock({offset_seconds: Number(document.getElementById("clock-offset").value)}).catch(fail));
  document.getElementById("clock-freeze").addEventListener("click", () =>
    setClock({frozen_at: document.getElementById("clock-frozen").value}).catch(fail));
  document.getElementById("clock-system").addEventListener("click", () =>
    setClock({mode: "system"}).catch(fail));
  for (const id of ["filter-vendor", "filter-verdict"]) {
    document.getElementById(id).addEventListener("change", () => loadJournal(true).catch(fail));
  }
  Promise.all([loadHealth(), loadClock(), loadTenants(), loadCatalogue(), loadArmed(), loadJournal(true)])
    .then(() => say("Ready"))
    .catch(fail);
  setInterval(refresh, 2000);
});
