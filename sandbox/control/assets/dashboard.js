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

const byId = (id) => document.getElementById(id);
const say = (text) => { byId("status").textContent = text; };
const fail = (error) => say("Error: " + error.message);

const button = (label, onClick) => {
  const node = element("button", label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
};

// A row saying there is nothing to show (or that it is still loading), spanning the whole table.
const placeholderRow = (columns, text) => {
  const row = element("tr", undefined, "placeholder");
  const cell = element("td", text);
  cell.colSpan = columns;
  row.append(cell);
  return row;
};

// A cell whose text may be cut short by the layout; the tooltip keeps it whole.
const truncated = (text, className) => {
  const cell = element("td", text, className);
  cell.title = String(text);
  return cell;
};

// The label a narrow screen shows before the value (its table has no header row there).
const labelled = (cell, label) => {
  cell.dataset.label = label;
  return cell;
};

let newestId = 0;
let catalogue = [];

function addOptions(select, values) {
  for (const value of values) {
    if (![...select.options].some((option) => option.value === value)) {
      select.append(new Option(value, value));
    }
  }
}

async function loadHealth() {
  const health = await api("/health");
  byId("health").textContent = health.status + " · " + health.database;
  for (const id of ["filter-vendor", "reset-vendor", "custom-vendor"]) {
    addOptions(byId(id), health.vendors);
  }
}

function describeClock(clock) {
  return clock.mode === "offset" ? "offset " + clock.offset_seconds + " s" : clock.mode;
}

async function loadClock() {
  const clock = await api("/clock");
  byId("clock-mode").textContent = describeClock(clock);
  byId("clock-now").textContent = clock.now;
  const body = document.querySelector("#tenant-clocks tbody");
  if (!clock.tenants.length) {
    body.replaceChildren(placeholderRow(4, "No tenant has a clock of its own: all follow the global clock."));
    return;
  }
  body.replaceChildren(...clock.tenants.map((tenant) => {
    const row = element("tr");
    row.dataset.scope = tenant.scope;
    const release = button("Release", () =>
      setClock({mode: "system"}, tenant.scope).then(() => say("Released " + tenant.scope)).catch(fail));
    const cell = element("td");
    cell.append(release);
    row.append(truncated(tenant.scope, "grow"), element("td", describeClock(tenant)), truncated(tenant.now, "line"), cell);
    return row;
  }));
}

async function setClock(body, scope) {
  const query = scope ? "?" + new URLSearchParams({scope}) : "";
  await api("/clock" + query, {method: "PUT", body: JSON.stringify(body)});
  await loadClock();
  say(scope ? "Clock of " + scope + " updated" : "Clock updated");
}

const clockScope = () => byId("clock-scope").value;

async function loadTenants() {
  const container = byId("tenants");
  const [clients, surveys, clinics] = await Promise.all(
    [api("/cirrusmd/clients"), api("/intake24/surveys"), api("/sympto/clinics")]);
  const list = element("ul");
  const scopes = [];
  // Where each tenant came from: the config file (restored at every start) or the control plane (kept).
  const origin = (tenant) => " [" + tenant.source + "]";
  for (const client of clients.clients) {
    list.append(element("li", "CirrusMD client " + client.client_id + origin(client)));
    scopes.push(["cirrusmd", client.client_id]);
  }
  for (const survey of surveys.surveys) {
    list.append(element("li", "Intake24 survey " + survey.slug + origin(survey)));
    scopes.push(["intake24", survey.slug]);
  }
  for (const clinic of clinics.clinics) {
    const item = element("li", "Sympto clinic " + clinic.clinic_id + " (" + clinic.name + "), admin " +
      clinic.admin_email + (clinic.endpoint ? ", webhook " + clinic.endpoint.endpointURL : "") + origin(clinic));
    item.dataset.symptoClinic = clinic.clinic_id;
    list.append(item);
    scopes.push(["sympto", clinic.clinic_id]);
  }
  container.replaceChildren(list);
  byId("known-tenants").replaceChildren(...[...new Set(scopes.map(([, tenant]) => tenant))].map(
    (tenant) => new Option(tenant, tenant)));
  addOptions(byId("clock-scope"), scopes.map(([vendor, tenant]) => vendor + ":" + tenant));
}

async function loadCatalogue() {
  catalogue = (await api("/faults/catalogue")).faults;
  const select = byId("catalogue");
  select.replaceChildren(...catalogue.map((spec) => new Option(spec.name, spec.name)));
  showCatalogueDetail();
}

function showCatalogueDetail() {
  const name = byId("catalogue").value;
  const spec = catalogue.find((entry) => entry.name === name);
  byId("catalogue-detail").textContent =
    !spec ? "" : spec.kind === "answer" ? spec.description + " → " + spec.status + " " + JSON.stringify(spec.body) : spec.description;
}

function describeFault(fault) {
  const parts = [fault.kind === "answer" && fault.status ? "answer " + fault.status : fault.kind];
  if (fault.delay_seconds) { parts.push("after " + fault.delay_seconds + " s"); }
  if (fault.route) { parts.push("on " + fault.route); }
  return parts.join(" ");
}

async function loadArmed() {
  const armed = (await api("/faults")).faults;
  const body = document.querySelector("#armed tbody");
  if (!armed.length) {
    body.replaceChildren(placeholderRow(7, "No fault is armed."));
    return;
  }
  body.replaceChildren(...armed.map((fault) => {
    const row = element("tr");
    row.append(element("td", fault.id), truncated(fault.name, "grow"), truncated(describeFault(fault), "line"),
      labelled(truncated(fault.tenant || "any", "after"), "tenant"),
      labelled(element("td", fault.remaining === null ? "∞" : fault.remaining, "after"), "left"),
      labelled(element("td", fault.fired, "after"), "fired"));
    const cell = element("td");
    const disarm = button("Disarm", () =>
      api("/faults/" + fault.id, {method: "DELETE"}).then(loadArmed).then(() => say("Disarmed")).catch(fail));
    disarm.dataset.faultId = String(fault.id);
    cell.append(disarm);
    row.append(cell);
    return row;
  }));
}

async function armed(body) {
  const fault = await api("/faults", {method: "POST", body: JSON.stringify(body)});
  say("Armed " + fault.name + " (#" + fault.id + ")");
  await loadArmed();
}

function scoped(body, timesId, tenantId) {
  const times = parseInt(byId(timesId).value, 10);
  if (times > 0) { body.times = times; }
  const tenant = byId(tenantId).value.trim();
  if (tenant) { body.tenant = tenant; }
  return body;
}

const arm = () => armed(scoped({name: byId("catalogue").value}, "arm-times", "arm-tenant"));

// The custom form as POST /__sandbox/faults wants it; a field left empty is not sent.
function customFault() {
  const body = scoped({vendor: byId("custom-vendor").value}, "custom-times", "custom-tenant");
  const status = byId("custom-status").value.trim();
  if (status) { body.status = parseInt(status, 10); }
  const delay = byId("custom-delay").value.trim();
  if (delay) { body.delay_seconds = Number(delay); }
  if (byId("custom-drop").checked) { body.drop = true; }
  const route = byId("custom-route").value.trim();
  if (route) { body.route = route; }
  const headers = byId("custom-headers").value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (headers.length) {
    body.headers = headers.map((line) => {
      const colon = line.indexOf(":");
      if (colon < 1) { throw new Error("each header line is Name: value (got " + line.slice(0, 40) + ")"); }
      return {name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim()};
    });
  }
  const text = byId("custom-body").value;
  if (text.trim()) {
    try { body.body = JSON.parse(text); } catch (error) { body.body = text; }
  }
  return body;
}

async function reset() {
  const params = new URLSearchParams();
  const vendor = byId("reset-vendor").value;
  const tenant = byId("reset-tenant").value.trim();
  if (vendor) { params.set("vendor", vendor); }
  if (tenant) { params.set("tenant", tenant); }
  const query = params.toString() ? "?" + params : "";
  const done = await api("/reset" + query, {method: "POST"});
  const what = (vendor || "all vendors") + (tenant ? ", tenant " + tenant : "");
  await Promise.all([loadJournal(true), loadArmed(), loadClock(), loadTenants(), loadPatients(), loadDeliveries(0)]);
  say("Reset " + what + ": " + done.reset.join(", "));
}

// --- Sympto: a patient responds, and the event deliveries it causes ---------------------------------
let symptoCaused = new Set();

async function loadPatients() {
  const patients = (await api("/sympto/users")).users.filter((user) => user.type === "patient");
  byId("sympto-patients").replaceChildren(...patients.map((patient) =>
    new Option(patient.firstName + " " + patient.lastName + " · " + patient.clinic_id, patient.id)));
  byId("sympto-patient").placeholder = patients.length
    ? "pick or paste a patientTvId" : "no patient yet: create one with POST /sympto/providers/patients";
}

const sandboxTime = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 19) + "Z";

// One attempt as the operator needs it: its number, what the receiver answered (or why nothing), how long.
function attemptItem(attempt) {
  const answered = attempt.status === null ? "no answer" : "HTTP " + attempt.status;
  const parts = ["#" + attempt.attempt + " " + answered];
  if (attempt.error) { parts.push(attempt.error); }
  parts.push(Math.round(attempt.latency_ms) + " ms");
  if (attempt.fault) { parts.push("fault " + attempt.fault); }
  const item = element("span", parts.join(" · "), attempt.status === 200 ? "attempt ok" : "attempt bad");
  item.title = (attempt.url || "no registered URL") + " at " + sandboxTime(attempt.at);
  return item;
}

function deliveryRow(delivery) {
  const row = element("tr", undefined, symptoCaused.has(delivery.delivery_id) ? "caused" : undefined);
  row.dataset.deliveryId = delivery.delivery_id;
  const attempts = element("td", undefined, "line attempts");
  attempts.append(...delivery.history.map(attemptItem));
  if (delivery.state === "pending") {
    attempts.append(element("span", delivery.next_attempt_at === null ? "sending…"
      : "next attempt " + sandboxTime(delivery.next_attempt_at) + " (sandbox clock)", "attempt next"));
  } else if (delivery.state === "failed" && delivery.last_error) {
    attempts.append(element("span", "given up: " + delivery.last_error, "attempt bad"));
  }
  // Which event it is, on hover: the response's or the patient's id, as the receiver will see it.
  const sent = delivery.body || {};
  const about = sent.Response && sent.Response.response ? "responseId " + sent.Response.response.responseId
    : sent.patientTvId ? "patientTvId " + sent.patientTvId : "";
  const event = truncated(delivery.event, "grow");
  event.title = [delivery.event, about].filter(Boolean).join(" · ");
  row.append(event,
    labelled(truncated(delivery.target + " · " + delivery.clinic_id, "after"), "to"),
    element("td", delivery.state, "state-" + delivery.state), attempts);
  return row;
}

async function loadDeliveries(wait) {
  const params = new URLSearchParams({limit: "20"});  // the newest: what the panel shows
  if (wait) { params.set("wait", String(wait)); }
  const deliveries = (await api("/sympto/deliveries?" + params)).deliveries.reverse();
  const body = document.querySelector("#sympto-deliveries tbody");
  body.replaceChildren(...(deliveries.length ? deliveries.map(deliveryRow)
    : [placeholderRow(4, "No event delivery yet: register a webhook, then create a patient or simulate a response.")]));
}

// The form as POST /__sandbox/sympto/responses wants it; an empty survey name takes the sandbox's default.
function symptoResponse() {
  const body = {patientTvId: byId("sympto-patient").value.trim(), responseCompletion: byId("sympto-completion").value};
  const survey = byId("sympto-survey").value.trim();
  if (survey) { body.surveyName = survey; }
  return body;
}

async function simulateResponse() {
  const result = byId("sympto-result");
  const problem = byId("sympto-error");
  result.hidden = true;
  problem.hidden = true;
  let answer;
  try {
    answer = await api("/sympto/responses", {method: "POST", body: JSON.stringify(symptoResponse())});
  } catch (error) {
    problem.textContent = "Not simulated: " + error.message;
    problem.hidden = false;
    throw error;
  }
  symptoCaused = new Set(answer.deliveries);
  const sent = answer.deliveries.length
    ? answer.deliveries.length + " delivery to the responses webhook (below, highlighted)"
    : "nothing sent: this patient's clinic has no responses webhook";
  result.replaceChildren("responseId ", element("code", answer.responseId, "response-id"),
    ", patientSurveyId ", element("code", answer.patientSurveyId, "patient-survey-id"), " — " + sent);
  result.hidden = false;
  say("Simulated response " + answer.responseId);
  await loadDeliveries(answer.deliveries.length ? 5 : 0);
}

function journalRow(entry) {
  const row = element("tr", undefined, "entry");
  row.dataset.entryId = String(entry.id);
  const request = entry.method + " " + entry.path;
  const rule = element("td", undefined, "rule-cell");
  if (entry.rule) { rule.append(element("span", entry.rule, "rule")); }
  if (entry.message) { rule.append(element("span", entry.message, "message")); }
  rule.title = [entry.rule, entry.message].filter(Boolean).join(": ");
  row.append(
    element("td", entry.id),
    element("td", new Date(entry.at * 1000).toISOString().slice(11, 23), "time"),
    truncated(entry.vendor + (entry.tenant ? " · " + entry.tenant : ""), "vendor"),
    Object.assign(element("td", entry.direction === "inbound" ? "in" : "out", "dir"), {title: entry.direction}),
    truncated(request, "request"),
    element("td", entry.status === null ? "—" : entry.status, "status"),
    truncated(entry.verdict, "verdict-" + entry.verdict),
    rule,
    element("td", Math.round(entry.latency_ms), "ms"),
  );
  row.addEventListener("click", () => {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("expanded")) { next.remove(); return; }
    const detail = element("tr", undefined, "expanded");
    const cell = element("td");
    cell.colSpan = 9;
    const exchange = {request_line: request, status: entry.status, verdict: entry.verdict, rule: entry.rule,
      message: entry.message, warnings: entry.warnings, correlation_id: entry.correlation_id,
      request: entry.request, response: entry.response};
    cell.append(element("pre", JSON.stringify(exchange, null, 2)));
    detail.append(cell);
    row.after(detail);
  });
  return row;
}

async function loadJournal(fresh) {
  const params = new URLSearchParams({limit: "200"});
  const vendor = byId("filter-vendor").value;
  const verdict = byId("filter-verdict").value;
  if (vendor) { params.set("vendor", vendor); }
  if (verdict) { params.set("verdict", verdict); }
  if (!fresh && newestId) { params.set("since", String(newestId)); }
  const entries = (await api("/journal?" + params)).entries;
  const body = document.querySelector("#journal tbody");
  if (fresh) { body.replaceChildren(); newestId = 0; }
  if (entries.length) { body.querySelector("tr.placeholder")?.remove(); }
  for (const entry of entries.slice().reverse()) {
    body.prepend(journalRow(entry));
    newestId = Math.max(newestId, entry.id);
  }
  if (!body.children.length) { body.append(placeholderRow(9, "No exchange recorded yet.")); }
}

function refresh() {
  if (!byId("auto-refresh").checked) { return; }
  Promise.all([loadJournal(false), loadArmed(), loadClock(), loadDeliveries(0)]).catch(fail);
}

document.addEventListener("DOMContentLoaded", () => {
  byId("catalogue").addEventListener("change", showCatalogueDetail);
  byId("arm").addEventListener("click", () => arm().catch(fail));
  byId("arm-custom").addEventListener("click", () => {
    try { armed(customFault()).catch(fail); } catch (error) { fail(error); }
  });
  byId("disarm-all").addEventListener("click", () =>
    api("/faults", {method: "DELETE"}).then(loadArmed).then(() => say("All faults disarmed")).catch(fail));
  byId("reset").addEventListener("click", () => reset().catch(fail));
  byId("sympto-respond").addEventListener("click", () => simulateResponse().catch(fail));
  byId("sympto-patient").addEventListener("focus", () => loadPatients().catch(fail));
  byId("clock-shift").addEventListener("click", () =>
    setClock({offset_seconds: Number(byId("clock-offset").value)}, clockScope()).catch(fail));
  byId("clock-freeze").addEventListener("click", () =>
    setClock({frozen_at: byId("clock-frozen").value}, clockScope()).catch(fail));
  byId("clock-system").addEventListener("click", () => setClock({mode: "system"}, clockScope()).catch(fail));
  for (const id of ["filter-vendor", "filter-verdict"]) {
    byId(id).addEventListener("change", () => loadJournal(true).catch(fail));
  }
  Promise.all([loadHealth(), loadClock(), loadTenants(), loadCatalogue(), loadArmed(), loadJournal(true),
    loadPatients(), loadDeliveries(0)])
    .then(() => say("Ready"))
    .catch(fail)
    .finally(() => byId("main").removeAttribute("aria-busy"));
  setInterval(refresh, 2000);
});
