// The fake's dashboard. Every value from the fake is put in the page as text (textContent) or as
// an SVG attribute, never as markup: a run summary holding <script> shows as those characters.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const POLL_MS = 500;
  const COLORS = {
    pending: "#9aa5b1", running: "#2f80ed", paused: "#f2c94c", succeeded: "#27ae60",
    failed: "#eb5757", cancelled: "#6f4e37", in_progress: "#2f80ed", completed: "#27ae60",
    skipped: "#bdbdbd",
  };
  const view = { journal: [], next: 0, lastTime: null, open: new Set(), drawn: {} };

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) {
      const title = document.createElementNS(SVG, "title");
      title.textContent = text;
      node.append(title);
    }
    return node;
  }

  function json(value) {
    return el("pre", {}, value === null || value === undefined ? "(none)" : JSON.stringify(value, null, 2));
  }

  function count(number, noun) {
    return number + " " + noun + (number === 1 ? "" : "s");
  }

  function message(text) {
    document.getElementById("ptm-message").textContent = text;
  }

  // -- the journal ---------------------------------------------------------------------------
  function addEntries(entries, full) {
    if (full) { view.journal = []; view.open.clear(); }
    view.journal.push(...entries);
    if (view.journal.length) view.lastTime = view.journal[view.journal.length - 1].time;
    else view.lastTime = null;
    fillFilter("filter-operation", view.journal.map((e) => e.operation || "(no route)"));
    fillFilter("filter-status", view.journal.map((e) => String(e.status_code)));
    renderJournal();
  }

  function fillFilter(id, values) {
    const select = document.getElementById(id);
    const known = new Set(Array.from(select.options, (option) => option.value));
    for (const value of Array.from(new Set(values)).sort()) {
      if (!known.has(value)) select.append(el("option", { value }, value));
    }
  }

  function shown(entry) {
    const operation = document.getElementById("filter-operation").value;
    const status = document.getElementById("filter-status").value;
    const run = document.getElementById("filter-run").value.trim().toLowerCase();
    return (!operation || (entry.operation || "(no route)") === operation)
      && (!status || String(entry.status_code) === status)
      && (!run || (entry.run_id || "").toLowerCase().includes(run));
  }

  function renderJournal() {
    const body = document.querySelector("#journal tbody");
    const rows = [];
    const entries = view.journal.filter(shown).reverse();  // newest first
    for (const entry of entries) {
      const open = view.open.has(entry.number);
      const mark = entry.fault ? "faulted: " + entry.fault : entry.internal_error ? "internal error" : "";
      const row = el("tr", { class: "entry" + (open ? " open" : ""), "data-number": entry.number },
        el("td", {}, entry.number),
        el("td", {}, entry.time.slice(11, 23)),
        el("td", {}, entry.method),
        el("td", { class: "path" }, entry.path),
        el("td", {}, entry.operation || "(no route)"),
        el("td", { class: "status-" + String(entry.status_code).charAt(0) }, entry.status_code || "---"),
        el("td", {}, entry.duration_ms.toFixed(1) + " ms"),
        el("td", { class: "mark" }, mark));
      row.addEventListener("click", () => {
        if (view.open.has(entry.number)) view.open.delete(entry.number); else view.open.add(entry.number);
        renderJournal();
      });
      rows.push(row);
      if (open) {
        const request = el("div", {}, el("strong", {}, "Request"), json(entry.request.json ?? entry.request.body),
          el("div", { class: "muted" }, "headers"), json(entry.request.headers));
        const response = el("div", {}, el("strong", {}, "Answer " + entry.status_code), json(entry.response.json),
          el("div", { class: "muted" }, "headers"), json(entry.response.headers));
        rows.push(el("tr", { class: "details" }, el("td", { colspan: 8 }, el("div", { class: "pair" }, request, response))));
      }
    }
    body.replaceChildren(...rows);
    document.getElementById("ptm-shown").textContent =
      entries.length + " of " + view.journal.length + " requests shown";
  }

  // -- timelines -----------------------------------------------------------------------------
  function renderTimelines(timelines) {
    const section = document.getElementById("tab-timelines");
    const nodes = [el("p", { class: "legend" },
      "Each run: its status over time (top bar), its plan steps (one bar each) and its events (marks). "
      + "Positions follow the order of what happened.")];
    for (const line of timelines) nodes.push(timeline(line));
    if (!timelines.length) nodes.push(el("p", { class: "muted" }, "No runs."));
    section.replaceChildren(...nodes);
  }

  function timeline(line) {
    const times = [...line.points.map((p) => p.time), ...line.events.map((e) => e.timestamp),
      ...line.steps.flatMap((s) => [s.started_at, s.completed_at])].filter(Boolean);
    const order = Array.from(new Set(times)).sort();
    const width = 900, left = 170, slots = Math.max(order.length, 1) + 1;
    const x = (time) => left + (time ? order.indexOf(time) + 0.5 : slots - 1) * ((width - left) / slots);
    const end = width - 4;
    const height = 34 + line.steps.length * 16 + 22;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "data-run": line.run_id });
    const statusLabel = svg("text", { x: 4, y: 21, "font-size": 11 });
    statusLabel.textContent = "status";
    chart.append(statusLabel);
    line.points.forEach((point, index) => {
      const start = index === 0 ? left : x(point.time);
      const next = line.points[index + 1];
      const stop = next ? x(next.time) : end;
      const status = point.status || "as loaded";
      const rect = svg("rect", { x: start, y: 8, width: Math.max(stop - start, 2), height: 18,
        fill: COLORS[status] || "#d0d5da", class: "status-seg", "data-status": status },
        status + (point.operation ? " (" + point.operation + ")" : "") + (point.time ? " at " + point.time : ""));
      chart.append(rect);
      const label = svg("text", { x: start + 4, y: 21, fill: "#fff", "font-size": 11 });
      label.textContent = status;
      chart.append(label);
    });
    line.steps.forEach((step, index) => {
      const y = 34 + index * 16;
      const name = svg("text", { x: 4, y: y + 11, "font-size": 11 });
      const text = (step.sequence ?? "") + " " + (step.description || step.step_id);
      name.textContent = text.length > 26 ? text.slice(0, 25) + "…" : text;
      chart.append(name);
      const start = step.started_at ? x(step.started_at) : left;
      const stop = step.completed_at ? x(step.completed_at) : end;
      chart.append(svg("rect", { x: start, y, width: Math.max(stop - start, 6), height: 12,
        fill: COLORS[step.status] || "#d0d5da", class: "step", "data-step-status": step.status },
        step.step_id + ": " + step.status));
    });
    const marks = 34 + line.steps.length * 16 + 8;
    const eventsLabel = svg("text", { x: 4, y: marks + 4, "font-size": 11 });
    eventsLabel.textContent = "events";
    chart.append(eventsLabel);
    for (const event of line.events) {
      chart.append(svg("circle", { cx: x(event.timestamp), cy: marks, r: 5, fill: "#56627a",
        class: "event", "data-event-type": event.type }, event.type + ": " + (event.summary || "")));
    }
    const box = el("div", { class: "timeline" },
      el("h3", {}, line.run_id + "  (" + line.status + ")"),
      el("div", { class: "muted summary" }, line.summary ? "summary: " + line.summary : ""));
    box.append(chart);
    return box;
  }

  // -- state and fault rules -----------------------------------------------------------------
  function renderState(state) {
    const open = new Set(Array.from(document.querySelectorAll("#tab-state details[open]"), (d) => d.dataset.kind));
    const nodes = [];
    for (const [kind, items] of Object.entries(state)) {
      const details = el("details", { class: "resource", "data-kind": kind, open: open.has(kind) ? "" : null },
        el("summary", {}, kind + " (" + items.length + ")"));
      details.append(json(items.slice(0, 200)));
      if (items.length > 200) details.append(el("p", { class: "muted" }, "... and " + (items.length - 200) + " more"));
      nodes.push(details);
    }
    document.getElementById("tab-state").replaceChildren(...nodes);
  }

  function renderFaults(faults) {
    const section = document.getElementById("tab-faults");
    if (!faults.length) { section.replaceChildren(el("p", { class: "muted" }, "No fault rules.")); return; }
    const rows = faults.map((rule) => el("tr", { "data-rule": rule.number }, el("td", {}, rule.number),
      el("td", {}, rule.description), el("td", {}, rule.faults.join("; ")),
      el("td", {}, rule.times === null ? "always" : rule.times), el("td", { class: "fired" }, rule.fired)));
    const head = ["#", "rule", "answers", "times", "fired"].map((name) => el("th", {}, name));
    section.replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, ...head)), el("tbody", {}, ...rows)));
  }

  // Each part is drawn again only when its content changed, so that a reader's scroll, open
  // rows and open sections stay as they are between polls.
  function changed(part, value) {
    const text = JSON.stringify(value);
    if (view.drawn[part] === text) return false;
    view.drawn[part] = text;
    return true;
  }

  function render(data) {
    if (data.full || data.journal.length) addEntries(data.journal, data.full);
    view.next = data.next;
    if (changed("timelines", data.timelines)) renderTimelines(data.timelines);
    if (changed("state", data.state)) renderState(data.state);
    if (changed("faults", data.faults)) renderFaults(data.faults);
    const runs = (data.state.runs || []).length;
    document.getElementById("ptm-summary").textContent = count(data.total ?? data.next, "request")
      + (data.dropped ? " (" + data.dropped + " dropped)" : "") + ", " + count(runs, "run");
  }

  // -- live mode -----------------------------------------------------------------------------
  async function poll() {
    try {
      const query = "since=" + view.next + (view.lastTime ? "&last=" + encodeURIComponent(view.lastTime) : "");
      const answer = await fetch("/_fake/ui/data?" + query, { cache: "no-store" });
      if (answer.ok) render(await answer.json());
      else message("The fake answered " + answer.status);
    } catch (error) {
      message("The fake is not answering (" + error + ")");
    }
    setTimeout(poll, POLL_MS);
  }

  async function send(method, path, body, done) {
    const answer = await fetch(path, { method, body, headers: { "content-type": "application/json" } });
    const text = await answer.text();
    message(answer.ok ? done : method + " " + path + ": " + answer.status + " " + text);
  }

  function wireActions() {
    document.getElementById("ptm-reset").addEventListener("click",
      () => send("POST", "/_fake/reset", "{}", "The fake was reset."));
    document.getElementById("ptm-download").addEventListener("click", async () => {
      const answer = await fetch("/_fake/state");
      const link = el("a", { download: "state.json" });
      link.href = URL.createObjectURL(await answer.blob());
      link.click();
      URL.revokeObjectURL(link.href);
    });
    document.getElementById("ptm-load").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (file) await send("PUT", "/_fake/state", await file.text(), "Loaded " + file.name + ".");
      event.target.value = "";
    });
  }

  function start() {
    for (const button of document.querySelectorAll("nav button")) {
      button.addEventListener("click", () => {
        for (const other of document.querySelectorAll("nav button")) other.classList.toggle("active", other === button);
        for (const section of document.querySelectorAll("main section")) {
          section.hidden = section.id !== "tab-" + button.dataset.tab;
        }
      });
    }
    for (const id of ["filter-operation", "filter-status", "filter-run"]) {
      document.getElementById(id).addEventListener("input", renderJournal);
      document.getElementById(id).addEventListener("change", renderJournal);
    }
    if (document.body.dataset.mode === "static") {
      document.getElementById("ptm-actions").hidden = true;
      const data = JSON.parse(document.getElementById("ptm-data").textContent);
      document.querySelector("header h1").textContent = data.test;
      render(data);
    } else {
      wireActions();
      poll();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
