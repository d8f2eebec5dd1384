// The Slack stand-in's page: shows the workspace as one person sees it and sends what they do
// to the stand-in, which signs it and delivers it to the app. Every piece of text from a message,
// a user or the app is put in the page with textContent (never innerHTML), so nothing the app or
// a person typed can run as HTML.

const params = new URLSearchParams(location.search);
const ui = {
  me: params.get("user") || sessionStorage.getItem("standin.me") || "U0REQUESTER",
  channel: params.get("channel") || sessionStorage.getItem("standin.channel") || "",
  tab: "messages",
  seen: JSON.parse(sessionStorage.getItem("standin.seen") || "{}"),
  state: null,
  modalErrors: {},
  modalNotice: "",
  modalShown: "",
  busy: false,
};

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style")
      node.style.cssText = v; // CSSOM, allowed by the page's CSP (style attributes are not)
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: ui.me, ...body }) });
  return res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
}

// ---- Slack's mrkdwn, rendered as DOM nodes

const EMOJI = {
  white_check_mark: "✅",
  x: "❌",
  inbox_tray: "📥",
  hourglass: "⌛",
  hourglass_flowing_sand: "⏳",
  rotating_light: "🚨",
  warning: "⚠️",
  no_entry: "⛔",
  grey_question: "❔",
  tada: "🎉",
  wave: "👋",
  "+1": "👍",
  eyes: "👀",
  lock: "🔒",
  bell: "🔔",
  memo: "📝",
  rocket: "🚀",
  heavy_check_mark: "✔️",
  clock1: "🕐",
  information_source: "ℹ️",
  no_entry_sign: "🚫",
  ballot_box_with_ballot: "🗳️",
  busts_in_silhouette: "👥",
  handshake: "🤝",
};
const decode = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const userName = (id) => ui.state?.users.find((u) => u.id === id)?.real_name;

function slackDate(unix, format, fallback) {
  const d = new Date(Number(unix) * 1000);
  if (Number.isNaN(d.getTime())) return fallback;
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const dayDiff = Math.round((new Date(d.toDateString()) - new Date(new Date().toDateString())) / 86_400_000);
  const pretty = dayDiff === 0 ? "Today" : dayDiff === -1 ? "Yesterday" : dayDiff === 1 ? "Tomorrow" : null;
  const tokens = {
    date_short: d.toLocaleDateString([], { month: "short", day: "numeric", year: "numeric" }),
    date: d.toLocaleDateString([], { month: "long", day: "numeric", year: "numeric" }),
    date_long: d.toLocaleDateString([], { weekday: "long", month: "long", day: "numeric", year: "numeric" }),
    time,
    time_secs: d.toLocaleTimeString(),
  };
  tokens.date_short_pretty = pretty ?? tokens.date_short;
  tokens.date_pretty = pretty ?? tokens.date;
  tokens.date_long_pretty = pretty ?? tokens.date_long;
  return format.replace(/\{(\w+)\}/g, (all, t) => tokens[t] ?? all);
}

function entity(inner) {
  let m;
  if ((m = /^@([UW][A-Z0-9]+)(?:\|(.*))?$/.exec(inner))) return el("span", { class: "mention", text: `@${userName(m[1]) ?? m[2] ?? m[1]}` });
  if ((m = /^#([CG][A-Z0-9]+)(?:\|(.*))?$/.exec(inner))) return el("span", { class: "mention", text: `#${m[2] ?? m[1]}` });
  if ((m = /^!date\^(\d+)\^([^^|]+)(?:\^[^|]*)?\|(.*)$/.exec(inner)))
    return el("time", { class: "slack-date", datetime: new Date(Number(m[1]) * 1000).toISOString(), text: slackDate(m[1], m[2], decode(m[3])) });
  if ((m = /^!(here|channel|everyone)(?:\|.*)?$/.exec(inner))) return el("span", { class: "mention broadcast", text: `@${m[1]}` });
  if ((m = /^!subteam\^([A-Z0-9]+)(?:\|(.*))?$/.exec(inner)))
    return el("span", { class: "mention", text: m[2] ?? `@${ui.state?.usergroups?.find((g) => g.id === m[1])?.handle ?? "group"}` });
  if ((m = /^((?:https?:\/\/|mailto:)[^|]+)(?:\|(.*))?$/.exec(inner)))
    return el("a", { href: decode(m[1]), target: "_blank", rel: "noopener noreferrer", text: decode(m[2] ?? m[1]) });
  return document.createTextNode(decode(`<${inner}>`));
}

const INLINE = /<([^<>\n]+)>|`([^`\n]+)`|\*([^*\n]+)\*|(?<![A-Za-z0-9])_([^_\n]+)_(?![A-Za-z0-9])|~([^~\n]+)~|:([a-z0-9_+-]+):/g;

function inline(text, out) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.append(decode(text.slice(last, m.index)));
    if (m[1] !== undefined) out.append(entity(m[1]));
    else if (m[2] !== undefined) out.append(el("code", { text: decode(m[2]) }));
    else if (m[3] !== undefined) out.append(inline(m[3], el("strong")));
    else if (m[4] !== undefined) out.append(inline(m[4], el("em")));
    else if (m[5] !== undefined) out.append(inline(m[5], el("s")));
    else out.append(EMOJI[m[6]] ?? m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.append(decode(text.slice(last)));
  return out;
}

function mrkdwn(text, cls = "mrkdwn") {
  const root = el("div", { class: cls });
  const parts = String(text ?? "").split("```");
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      root.append(el("pre", { text: decode(part) }));
      return;
    }
    let quote = null;
    part.split("\n").forEach((line, j, lines) => {
      if (line.startsWith(">")) {
        quote ??= root.appendChild(el("blockquote"));
        if (quote.childNodes.length) quote.append(el("br"));
        inline(line.slice(1), quote);
        return;
      }
      quote = null;
      inline(line, root);
      if (j < lines.length - 1) root.append(el("br"));
    });
  });
  return root;
}

function textObject(t, cls) {
  if (!t) return el("span");
  if (t.type === "mrkdwn") return mrkdwn(t.text, cls);
  return el("span", { class: cls, text: t.emoji === false ? t.text : String(t.text ?? "").replace(/:([a-z0-9_+-]+):/g, (a, n) => EMOJI[n] ?? a) });
}

// ---- Block Kit

function unknownBlock(block) {
  return el(
    "div",
    { class: "block unknown" },
    el("div", { class: "unknown-label", text: `Block type "${block.type}" (shown as JSON)` }),
    el("pre", { text: JSON.stringify(block, null, 2) }),
  );
}

function element(e, ctx) {
  if (e.type === "button") {
    return el("button", {
      type: "button",
      class: `sk-button ${e.style ?? ""}`,
      dataset: { actionId: e.action_id ?? "", blockId: ctx.blockId ?? "" },
      onclick: (ev) => ctx.onAction?.(ev.currentTarget, { action_id: e.action_id, block_id: ctx.blockId }),
      text: e.text?.text ?? "",
    });
  }
  if (e.type === "static_select") {
    const select = el(
      "select",
      {
        class: "sk-select",
        dataset: { actionId: e.action_id ?? "" },
        onchange: (ev) => ctx.onAction?.(ev.currentTarget, { action_id: e.action_id, block_id: ctx.blockId, value: ev.currentTarget.value }),
      },
      el("option", { value: "", text: e.placeholder?.text ?? "Select an item" }),
      (e.options ?? []).map((o) => el("option", { value: o.value, text: o.text?.text ?? o.value })),
    );
    return select;
  }
  if (e.type === "image") return el("img", { class: "sk-image-small", src: safeImage(e.image_url), alt: e.alt_text ?? "" });
  if (e.type === "mrkdwn" || e.type === "plain_text") return textObject(e);
  return el("code", { class: "unknown-element", text: JSON.stringify(e) });
}

const safeImage = (url) => (/^(https?:|data:image\/)/.test(String(url ?? "")) ? url : "");

function blocks(list, ctx = {}) {
  const root = el("div", { class: "blocks" });
  for (const block of list ?? []) {
    const bctx = { ...ctx, blockId: block.block_id };
    switch (block.type) {
      case "section": {
        const body = el("div", { class: "section-body" });
        if (block.text) body.append(textObject(block.text));
        if (block.fields?.length)
          body.append(
            el(
              "div",
              { class: "fields" },
              block.fields.map((f) => el("div", { class: "field" }, textObject(f))),
            ),
          );
        root.append(el("div", { class: "block section" }, body, block.accessory ? el("div", { class: "accessory" }, element(block.accessory, bctx)) : null));
        break;
      }
      case "context":
        root.append(
          el(
            "div",
            { class: "block context" },
            (block.elements ?? []).map((e) => element(e, bctx)),
          ),
        );
        break;
      case "actions":
        root.append(
          el(
            "div",
            { class: "block actions" },
            (block.elements ?? []).map((e) => element(e, bctx)),
          ),
        );
        break;
      case "header":
        root.append(el("div", { class: "block header" }, textObject(block.text)));
        break;
      case "divider":
        root.append(el("hr", { class: "block divider" }));
        break;
      case "image":
        root.append(
          el(
            "figure",
            { class: "block image" },
            block.title ? textObject(block.title) : null,
            el("img", { src: safeImage(block.image_url), alt: block.alt_text ?? "" }),
          ),
        );
        break;
      case "input":
        if (ctx.form) root.append(inputBlock(block));
        else root.append(unknownBlock(block));
        break;
      default:
        root.append(unknownBlock(block));
    }
  }
  return root;
}

// ---- the modal's inputs

function inputBlock(block) {
  const e = block.element ?? {};
  const id = `in-${block.block_id}`;
  const common = { id, name: block.block_id, dataset: { actionId: e.action_id ?? "", type: e.type ?? "" } };
  let control;
  switch (e.type) {
    case "plain_text_input":
      control = e.multiline
        ? el("textarea", { ...common, rows: 4, placeholder: e.placeholder?.text, maxlength: e.max_length }, e.initial_value ?? "")
        : el("input", { ...common, type: "text", placeholder: e.placeholder?.text, value: e.initial_value, maxlength: e.max_length });
      break;
    case "number_input":
      control = el("input", { ...common, type: "number", value: e.initial_value, step: e.is_decimal_allowed ? "any" : "1" });
      break;
    case "email_text_input":
    case "url_text_input":
      control = el("input", { ...common, type: e.type === "email_text_input" ? "email" : "url", value: e.initial_value, placeholder: e.placeholder?.text });
      break;
    case "datepicker":
      control = el("input", { ...common, type: "date", value: e.initial_date });
      break;
    case "static_select":
      control = el(
        "select",
        common,
        el("option", { value: "", text: e.placeholder?.text ?? "Select an option" }),
        (e.options ?? []).map((o) => el("option", { value: o.value, text: o.text?.text ?? o.value, selected: e.initial_option?.value === o.value })),
      );
      break;
    case "users_select":
    case "multi_users_select": {
      const initial = e.initial_users ?? (e.initial_user ? [e.initial_user] : []);
      control = el(
        "select",
        { ...common, multiple: e.type === "multi_users_select" },
        e.type === "users_select" ? el("option", { value: "", text: e.placeholder?.text ?? "Select a person" }) : null,
        ui.state.users.map((u) => el("option", { value: u.id, text: `${u.real_name} (@${u.name})`, selected: initial.includes(u.id) })),
      );
      break;
    }
    case "checkboxes":
      control = el(
        "div",
        { ...common, class: "checkboxes" },
        (e.options ?? []).map((o) => el("label", {}, el("input", { type: "checkbox", value: o.value }), textObject(o.text))),
      );
      break;
    default:
      control = el("pre", { text: JSON.stringify(e, null, 2) });
  }
  return el(
    "div",
    { class: "block input", dataset: { blockId: block.block_id } },
    el("label", { for: id }, textObject(block.label), block.optional ? el("span", { class: "optional", text: " (optional)" }) : null),
    control,
    block.hint ? el("div", { class: "hint" }, textObject(block.hint)) : null,
  );
}

/** Errors under their inputs and the modal's notice, without redrawing what the person typed. */
function showModalFeedback(form) {
  for (const wrap of form.querySelectorAll(".block.input")) {
    const message = ui.modalErrors[wrap.dataset.blockId];
    wrap.classList.toggle("has-error", Boolean(message));
    wrap.querySelector(".error")?.remove();
    if (message) wrap.append(el("div", { class: "error", role: "alert", text: message }));
  }
  const notice = form.querySelector(".modal-notice");
  notice.hidden = !ui.modalNotice;
  notice.textContent = ui.modalNotice;
}

function modalValues(form) {
  const values = {};
  for (const wrap of form.querySelectorAll(".block.input")) {
    const c = wrap.querySelector("[data-action-id]");
    if (!c) continue;
    let v;
    if (c.tagName === "SELECT" && c.multiple) v = [...c.selectedOptions].map((o) => o.value);
    else if (c.classList.contains("checkboxes")) v = [...c.querySelectorAll("input:checked")].map((i) => i.value);
    else v = c.value;
    values[wrap.dataset.blockId] = { [c.dataset.actionId]: v };
  }
  return values;
}

function renderModal() {
  const modal = ui.state.modal;
  const backdrop = $("#modal-backdrop");
  const form = $("#modal");
  if (!modal) {
    backdrop.hidden = true;
    form.replaceChildren();
    ui.modalShown = "";
    return;
  }
  // Keep what the person typed while the same view is shown; a new view or a new hash redraws.
  const key = `${modal.view.id}:${modal.view.hash}`;
  if (ui.modalShown !== key || backdrop.hidden) {
    if (ui.modalShown !== key && ui.modalShown) {
      ui.modalErrors = {};
      ui.modalNotice = "";
    }
    ui.modalShown = key;
    drawModal(form, modal.view);
    backdrop.hidden = false;
  }
  showModalFeedback(form);
}

function drawModal(form, v) {
  form.replaceChildren(
    el(
      "div",
      { class: "modal-head" },
      el("h2", { id: "modal-title" }, textObject(v.title)),
      el("button", { type: "button", class: "modal-x", "aria-label": "Close", onclick: closeModal, text: "×" }),
    ),
    el("div", { class: "modal-body" }, blocks(v.blocks, { form: true, onAction: sendAction })),
    el("div", { class: "modal-notice", role: "alert", hidden: true }),
    el(
      "div",
      { class: "modal-foot" },
      el("button", { type: "button", class: "sk-button", onclick: closeModal, text: v.close?.text ?? "Cancel" }),
      v.submit ? el("button", { type: "submit", class: "sk-button primary", id: "modal-submit", text: v.submit.text }) : "",
    ),
  );
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const submit = $("#modal-submit");
    if (submit) submit.disabled = true;
    try {
      const out = await post("/_ui/view_submission", { view_id: v.id, values: modalValues(form) });
      ui.modalErrors = out.errors ?? {};
      ui.modalNotice = out.ok || out.errors ? "" : (out.error ?? "");
    } finally {
      if (submit) submit.disabled = false;
    }
    await refresh();
  };
}

async function closeModal() {
  if (!ui.state.modal) return;
  ui.modalErrors = {};
  ui.modalNotice = "";
  await post("/_ui/view_closed", { view_id: ui.state.modal.id });
  await refresh();
}

// ---- the workspace

const initials = (name) =>
  name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();

function avatar(item) {
  if (item.user === "USLACKBOT") return el("div", { class: "avatar slackbot", text: "S", "aria-hidden": "true" });
  if (item.bot_id || item.source === ui.state.app.botUser || item.user === ui.state.app.botUser)
    return el("div", { class: "avatar app", text: "A", "aria-hidden": "true" });
  const u = ui.state.users.find((x) => x.id === item.user);
  return el("div", { class: "avatar", style: `background:${u?.color ?? "#616061"}`, text: initials(u?.real_name ?? item.user ?? "?"), "aria-hidden": "true" });
}

function author(item) {
  if (item.kind === "ephemeral") return item.source === "USLACKBOT" ? ["Slackbot", null] : [ui.state.app.name, "APP"];
  if (item.username) return [item.username, "WORKFLOW"];
  if (item.bot_id) return [ui.state.app.name, "APP"];
  return [userName(item.user) ?? item.user, null];
}

/** A click in a message names the message (channel + ts); one in the Home tab names the view. */
function sendAction(button, action) {
  if (button.tagName === "BUTTON") button.classList.add("pressed");
  if (button.closest("#home")) return post("/_ui/action", { view_id: ui.state.home?.id, ...action }).then(refresh);
  const item = button.closest("[data-ts]");
  post("/_ui/action", { channel: item?.dataset.channel ?? ui.channel, ts: item?.dataset.ts, ...action }).then(refresh);
}

function renderMessage(item) {
  const [name, badge] = author(item);
  const when = new Date(Number(item.ts.split(".")[0]) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const content = item.blocks?.length ? blocks(item.blocks, { onAction: sendAction }) : mrkdwn(item.text);
  return el(
    "article",
    { class: `message ${item.kind}`, dataset: { ts: item.ts, channel: item.channel, testid: item.kind === "ephemeral" ? "ephemeral" : "message" } },
    avatar(item),
    el(
      "div",
      { class: "message-main" },
      el(
        "div",
        { class: "message-meta" },
        el("span", { class: "author", text: name }),
        badge ? el("span", { class: "badge", text: badge }) : null,
        el("span", { class: "when", text: when }),
        item.updated ? el("span", { class: "edited", text: "(updated)" }) : null,
      ),
      content,
      item.kind === "ephemeral" ? el("div", { class: "only-you", text: "👁 Only visible to you" }) : null,
    ),
  );
}

function renderPeople() {
  const nav = $("#people");
  nav.replaceChildren(
    el("span", { class: "act-as", text: "Act as" }),
    ...ui.state.users.map((u) => {
      const fresh = Math.max(0, u.activity - (ui.seen[u.id] ?? 0));
      return el(
        "button",
        {
          type: "button",
          class: `person${u.id === ui.me ? " active" : ""}`,
          dataset: { testid: `person-${u.id}`, user: u.id },
          "aria-pressed": u.id === ui.me,
          onclick: () => switchUser(u.id),
        },
        el("span", { class: "avatar tiny", style: `background:${u.color}`, text: initials(u.real_name) }),
        el("span", { class: "person-name" }, el("strong", { text: u.real_name }), el("small", { text: u.role })),
        fresh ? el("span", { class: "unread", "aria-label": `${fresh} new in their DM`, text: String(fresh) }) : null,
      );
    }),
  );
}

function renderSidebar() {
  const me = ui.state.users.find((u) => u.id === ui.me);
  $("#me").replaceChildren(
    el("span", { class: "avatar tiny", style: `background:${me?.color}`, text: initials(me?.real_name ?? "?") }),
    el("span", { text: `${me?.real_name ?? ui.me} (you)` }),
  );
  const item = (c) =>
    el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          class: `conv${c.id === ui.channel ? " active" : ""}`,
          dataset: { channel: c.id, testid: `conversation-${c.kind === "app" ? "app" : c.name}` },
          onclick: () => openConversation(c.id),
        },
        c.kind === "app" ? el("span", { class: "avatar tiny app", text: "A" }) : el("span", { class: "hash", text: "#" }),
        el("span", { text: c.name }),
      ),
    );
  $("#channel-list").replaceChildren(...ui.state.channels.filter((c) => c.kind === "channel").map(item));
  $("#app-list").replaceChildren(...ui.state.channels.filter((c) => c.kind === "app").map(item));
}

/** The Workflows panel: each workflow with Run (as the person acted as), and its latest runs. */
function renderWorkflows() {
  const outcome = (r) =>
    r.status === "running"
      ? "In progress: waiting for the approval"
      : r.status === "completed"
        ? `Completed: ${r.outputs?.status}${r.outputs?.decided_by ? ` by ${userName(r.outputs.decided_by) ?? r.outputs.decided_by}` : ""} → ${r.log.at(-1) ?? ""}`
        : `Failed: ${r.error}`;
  $("#workflows").replaceChildren(
    ...ui.state.workflows.map((w) =>
      el(
        "li",
        { class: "workflow", dataset: { testid: `workflow-${w.id}` } },
        el(
          "div",
          { class: "workflow-head" },
          el("strong", { text: w.title }),
          el("button", {
            type: "button",
            class: "sk-button primary",
            dataset: { testid: `run-${w.id}` },
            onclick: () => post("/_ui/workflow_run", { workflow: w.id }).then(refresh),
            text: "Run",
          }),
        ),
        el("div", { class: "how", text: w.description }),
        el(
          "ol",
          { class: "runs" },
          w.runs.map((r) => el("li", { class: `run ${r.status}`, dataset: { testid: "workflow-run", status: r.status }, text: `${r.id}: ${outcome(r)}` })),
        ),
      ),
    ),
  );
}

function renderActivity() {
  const { deliveries, calls } = ui.state;
  $("#deliveries").replaceChildren(
    ...deliveries
      .slice()
      .reverse()
      .map((d) =>
        el(
          "li",
          { class: d.ok ? "ok" : "bad" },
          el("span", { class: "what", text: d.retry_num ? `${d.type} (retry ${d.retry_num}, ${d.retry_reason})` : d.type }),
          el("span", {
            class: "how",
            text: `${d.via === "socket" ? "Socket Mode" : "HTTP"} · ${d.ok ? (d.via === "socket" ? `acked in ${d.ackMs} ms` : `${d.status} in ${d.ms} ms`) : (d.error ?? "failed")}`,
          }),
        ),
      ),
  );
  if (!deliveries.length) $("#deliveries").append(el("li", { class: "empty", text: "Nothing yet." }));
  $("#calls").replaceChildren(
    ...calls
      .slice()
      .reverse()
      .map((c) =>
        el("li", { class: c.result === "ok" ? "ok" : "bad" }, el("span", { class: "what", text: c.method }), el("span", { class: "how", text: c.result })),
      ),
  );
  if (!calls.length) $("#calls").append(el("li", { class: "empty", text: "Nothing yet." }));
}

function render() {
  const s = ui.state;
  $("#team-name").textContent = s.team.name;
  const route = $("#route");
  route.className = `route ${s.connection.via}`;
  route.textContent =
    s.connection.via === "none" ? "No app connected" : `App via ${s.connection.via === "socket" ? s.connection.target : `HTTP → ${s.connection.target}`}`;
  if (!s.channels.some((c) => c.id === ui.channel)) ui.channel = s.channels[0].id;
  const conv = s.channels.find((c) => c.id === ui.channel);
  const isApp = conv.kind === "app";
  if (isApp) ui.seen[ui.me] = s.users.find((u) => u.id === ui.me)?.activity ?? 0;
  sessionStorage.setItem("standin.seen", JSON.stringify(ui.seen));
  renderPeople();
  renderSidebar();
  $("#conversation-title").textContent = isApp ? conv.name : `# ${conv.name}`;
  $("#conversation-tabs").hidden = !isApp;
  for (const t of document.querySelectorAll("#conversation-tabs .tab")) t.classList.toggle("active", t.dataset.tab === ui.tab);
  const showHome = isApp && ui.tab === "home";
  $("#messages").hidden = showHome;
  $("#home").hidden = !showHome;
  $("#composer-form").hidden = showHome;
  if (showHome) {
    $("#home").replaceChildren(
      s.home ? blocks(s.home.blocks, { onAction: sendAction }) : el("p", { class: "empty", text: `${s.app.name} has not published a Home tab for you.` }),
    );
  }
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const items = s.items.filter((i) => i.channel === ui.channel);
  list.replaceChildren(
    ...(items.length
      ? items.map(renderMessage)
      : [el("p", { class: "empty", text: isApp ? `This is your conversation with ${s.app.name}.` : "No messages yet. Type a slash command below." })]),
  );
  if (atBottom || ui.scrollDown) list.scrollTop = list.scrollHeight;
  ui.scrollDown = false;
  const composer = $("#composer");
  composer.placeholder = isApp ? `Message ${conv.name}` : `Message #${conv.name}`;
  const approver = s.users.find((u) => u.role === "approver");
  $("#composer-help").replaceChildren(
    "Try ",
    el("code", { text: `/approval @${approver?.name ?? "maria"} Deploy billing-api v2.3` }),
    ` · people: ${s.users.map((u) => `@${u.name}`).join(" ")}`,
  );
  renderWorkflows();
  renderActivity();
  renderModal();
}

async function refresh() {
  const res = await fetch(`/_ui/state?user=${encodeURIComponent(ui.me)}`);
  if (!res.ok) return;
  ui.state = await res.json();
  render();
}

let pending = null;
const scheduleRefresh = () => {
  clearTimeout(pending);
  pending = setTimeout(refresh, 30);
};

function remember() {
  sessionStorage.setItem("standin.me", ui.me);
  sessionStorage.setItem("standin.channel", ui.channel);
  const q = new URLSearchParams({ user: ui.me, channel: ui.channel });
  history.replaceState(null, "", `?${q}`);
}

async function switchUser(id) {
  const u = ui.state.users.find((x) => x.id === id);
  // New activity in their DM with the app? Open it; else stay in the same kind of conversation.
  const fresh = u && u.activity > (ui.seen[id] ?? 0);
  const inApp = ui.state.channels.find((c) => c.id === ui.channel)?.kind === "app";
  ui.me = id;
  ui.channel = fresh || inApp ? u.dm : ui.channel;
  ui.tab = "messages";
  ui.modalErrors = {};
  ui.modalNotice = "";
  ui.scrollDown = true;
  remember();
  await refresh();
}

async function openConversation(id) {
  ui.channel = id;
  ui.tab = "messages";
  ui.scrollDown = true;
  remember();
  await refresh();
}

for (const t of document.querySelectorAll("#conversation-tabs .tab")) {
  t.addEventListener("click", async () => {
    ui.tab = t.dataset.tab;
    if (ui.tab === "home") post("/_ui/home_opened", {});
    await refresh();
  });
}

$("#composer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("#composer");
  const text = input.value.trim();
  if (!text || ui.busy) return;
  ui.busy = true;
  $("#send").disabled = true;
  try {
    const out = await post(text.startsWith("/") ? "/_ui/command" : "/_ui/message", { channel: ui.channel, text });
    input.value = "";
    if (out.ok === false && !["invalid_command"].includes(out.error)) console.warn("stand-in:", out.error);
    ui.scrollDown = true;
    await refresh();
  } finally {
    ui.busy = false;
    $("#send").disabled = false;
    input.focus();
  }
});

document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && ui.state?.modal) closeModal();
});

const events = new EventSource("/_ui/events");
events.onmessage = scheduleRefresh;
await refresh();
remember();
