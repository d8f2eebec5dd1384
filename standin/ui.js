// The stand-in's workspace behaviour behind its web page: a person acting as one of the users
// types a slash command, clicks a button (in a message or the Home tab), submits a modal or opens
// the app's Home tab, and the stand-in delivers it to the app exactly as Slack would (delivery.js),
// with a trigger_id and response_url it issued (issued.js). Whatever the app answers (the
// command's response, a reply to a response_url, a modal's response_action) is shown the way
// Slack shows it.
import { WORKFLOWS } from "./functions.js";
import {
  blockActionsPayload,
  commandPayload,
  eventCallback,
  functionBlockActionsPayload,
  viewBlockActionsPayload,
  viewClosedPayload,
  viewSubmissionPayload,
} from "./payloads.js";
import { APP, CHANNELS, completeView, dmChannel, escapeCommandText, missingRequiredInputs, TEAM, USER_GROUPS, USERS, viewStateValues } from "./workspace.js";

/** Slash commands the app declares (slack-app-manifest.yaml). */
const COMMANDS = ["/approval"];
const SLACKBOT = "USLACKBOT";

/**
 * @param {{ state: any, issuer: any, delivery: ReturnType<typeof import("./delivery.js").createDelivery>,
 *   functions: ReturnType<typeof import("./functions.js").createFunctions>,
 *   base: () => string, nextTs: () => string, changed: () => void }} ctx
 */
export function createWorkspaceUi(ctx) {
  const { state, issuer, delivery } = ctx;
  const { deliver, route } = delivery;
  const memberName = (id) => state.members.get(id)?.name;
  const issueHook = (context) => `${ctx.base()}${issuer.responsePath(context)}`;

  function ephemeral(user, channel, content, source) {
    state.ephemerals.push({ ts: ctx.nextTs(), channel, user, text: content.text ?? "", blocks: content.blocks ?? [], source, at: Date.now() });
  }

  const slackbot = (user, channel, text) => ephemeral(user, channel, { text }, SLACKBOT);

  function postAsBot(channel, content) {
    const ts = ctx.nextTs();
    state.messages.push({ ts, channel, text: content.text ?? "", blocks: content.blocks ?? [], updated: 0, bot_id: APP.botId, user: APP.botUser });
    return ts;
  }

  /** Shows a command's (or a response_url's) answer where Slack shows it. */
  function showAnswer(user, channel, body) {
    if (!body) return;
    if (typeof body === "string") return ephemeral(user, channel, { text: body }, APP.botUser);
    if (!body.text && !body.blocks) return;
    if (body.response_type === "in_channel") postAsBot(channel, body);
    else ephemeral(user, channel, body, APP.botUser);
  }

  // ---- what the page can do

  async function command({ user, channel, text }) {
    const m = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(String(text ?? "").trim());
    if (!m) return { status: 400, body: { ok: false, error: "not a slash command" } };
    const [, name, rest = ""] = m;
    if (!COMMANDS.includes(name.toLowerCase())) {
      slackbot(user, channel, `\`${name}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`);
      ctx.changed();
      return { status: 200, body: { ok: false, error: "invalid_command" } };
    }
    const channelName = channel.startsWith("D") ? "directmessage" : (CHANNELS.find((c) => c.id === channel)?.name ?? "unknown");
    // The command is declared with should_escape (slack-app-manifest.yaml): Slack escapes the text.
    const payload = commandPayload(user, escapeCommandText(rest, { members: state.members }), {
      command: name.toLowerCase(),
      channelId: channel,
      channelName,
      userName: memberName(user),
      triggerId: issuer.triggerId(user),
      responseUrl: issueHook({ kind: "commands", user, channel }),
    });
    const answer = await deliver("command", payload, user);
    if (!answer.ok) slackbot(user, channel, `${name} failed with the error "${answer.error}"`);
    else showAnswer(user, channel, answer.body);
    ctx.changed();
    return { status: 200, body: { ok: answer.ok, error: answer.error, delivered: payload.text } };
  }

  function findElement(message, blockId, actionId) {
    for (const block of message.blocks ?? []) {
      if (blockId && block.block_id !== blockId) continue;
      const elements = block.type === "actions" ? (block.elements ?? []) : block.accessory ? [block.accessory] : [];
      const el = elements.find((e) => e.action_id === actionId);
      if (el) return { block, el };
    }
    return undefined;
  }

  /** The action a click on `el` in `block` reports (as Slack fills it for each element type). */
  function actionOf(block, el, value) {
    const act = { action_id: el.action_id, block_id: block.block_id, type: el.type, action_ts: ctx.nextTs() };
    if (el.type === "button") Object.assign(act, { text: el.text, value: el.value, ...(el.style ? { style: el.style } : {}) });
    else if (el.type === "static_select") act.selected_option = (el.options ?? []).find((o) => o.value === value) ?? null;
    else if (el.type === "users_select") act.selected_user = value;
    else if (el.type === "datepicker") act.selected_date = value;
    return act;
  }

  /** A click on a button or menu: in a message (channel + ts) or in the Home tab (view_id). */
  async function action({ user, channel, ts, view_id, block_id, action_id, value }) {
    if (view_id) return homeAction({ user, view_id, block_id, action_id, value });
    const message =
      state.messages.find((m) => m.channel === channel && m.ts === ts) ?? state.ephemerals.find((e) => e.channel === channel && e.ts === ts && e.user === user);
    if (!message) return { status: 404, body: { ok: false, error: "message_not_found" } };
    const found = findElement(message, block_id, action_id);
    if (!found) return { status: 404, body: { ok: false, error: "action_not_found" } };
    const act = actionOf(found.block, found.el, value);
    const isEphemeral = !state.messages.includes(message);
    const execution = message.function_execution_id ? state.executions[message.function_execution_id] : undefined;
    const channelName = channel.startsWith("D") ? "directmessage" : CHANNELS.find((c) => c.id === channel)?.name;
    const shown = {
      type: "message",
      user: message.user,
      bot_id: message.bot_id,
      app_id: APP.id,
      team: TEAM.id,
      ts,
      text: message.text,
      blocks: message.blocks,
    };
    // A message the app posted with a workflow step's token: the click is function-scoped, with a
    // new workflow token while the step runs (UNVERIFIED that Slack issues a new one per click; Bolt relies on it).
    const payload = execution
      ? functionBlockActionsPayload({
          user,
          userName: memberName(user),
          channelId: channel,
          channelName,
          messageTs: ts,
          message: shown,
          actions: [act],
          execution,
          ...(execution.status === "running" ? { token: ctx.functions.issueToken(execution) } : {}),
          pointer: issuer.triggerId(user),
        })
      : blockActionsPayload({
          user,
          userName: memberName(user),
          channelId: channel,
          channelName,
          messageTs: ts,
          isEphemeral,
          message: isEphemeral ? undefined : shown,
          actions: [act],
          triggerId: issuer.triggerId(user),
          responseUrl: issueHook({ kind: "actions", user, channel, messageTs: ts }),
        });
    const answer = await deliver("interaction", payload, user);
    if (!answer.ok)
      slackbot(user, channel, `:warning: ${APP.name} didn't respond to that click (${answer.error}${answer.status ? `, HTTP ${answer.status}` : ""}).`);
    ctx.changed();
    return { status: 200, body: { ok: answer.ok, error: answer.error } };
  }

  /**
   * A click in the Home tab: Slack sends the view (type home), container {type: "view", view_id},
   * and no channel, no message and no response_url — the app can only answer through the Web API.
   * @see https://github.com/slackapi/java-slack-sdk/blob/86ff7ca/slack-app-backend/src/test/java/test_locally/app_backend/interactive_components/payload/BlockActionPayloadTest.java (jsonWithConfirm)
   */
  async function homeAction({ user, view_id, block_id, action_id, value }) {
    const home = state.homes[user];
    if (!home || home.id !== view_id) return { status: 404, body: { ok: false, error: "view_not_found" } };
    const found = findElement(home, block_id, action_id);
    if (!found) return { status: 404, body: { ok: false, error: "action_not_found" } };
    const { user: _owner, ...view } = home;
    const payload = viewBlockActionsPayload({
      user,
      userName: memberName(user),
      view,
      actions: [actionOf(found.block, found.el, value)],
      triggerId: issuer.triggerId(user),
    });
    const answer = await deliver("interaction", payload, user);
    // Slack shows a failed Home click next to the button; the page puts it in the app's DM.
    if (!answer.ok)
      slackbot(user, dmChannel(user), `:warning: ${APP.name} didn't respond to that click (${answer.error}${answer.status ? `, HTTP ${answer.status}` : ""}).`);
    ctx.changed();
    return { status: 200, body: { ok: answer.ok, error: answer.error } };
  }

  const stackOf = (user) => (state.modalStacks[user] ??= []);

  async function submitView({ user, view_id, values: raw }) {
    const stack = stackOf(user);
    const view = state.views[view_id];
    if (!view || stack.at(-1) !== view_id) return { status: 404, body: { ok: false, error: "view_not_found" } };
    const values = viewStateValues(view, raw);
    const missing = missingRequiredInputs(view, values);
    if (Object.keys(missing).length) return { status: 200, body: { ok: false, errors: missing } };
    const { user: _owner, ...publicView } = view;
    const payload = viewSubmissionPayload({ user, userName: memberName(user), view: publicView, values, triggerId: issuer.triggerId(user) });
    const answer = await deliver("interaction", payload, user);
    if (!answer.ok) return { status: 200, body: { ok: false, error: "We had some trouble connecting. Try again?" } };
    const body = answer.body && typeof answer.body === "object" ? answer.body : {};
    switch (body.response_action) {
      case "errors":
        return { status: 200, body: { ok: false, errors: body.errors ?? {} } };
      case "update":
        state.views[view_id] = { ...view, ...completeView(body.view, view_id, user), id: view_id };
        break;
      case "push": {
        const pushed = completeView(body.view, undefined, user);
        state.views[pushed.id] = pushed;
        stack.push(pushed.id);
        break;
      }
      case "clear":
        stack.length = 0;
        break;
      default:
        stack.pop();
    }
    ctx.changed();
    return { status: 200, body: { ok: true } };
  }

  async function closeView({ user, view_id }) {
    const stack = stackOf(user);
    const view = state.views[view_id];
    if (!view || stack.at(-1) !== view_id) return { status: 404, body: { ok: false, error: "view_not_found" } };
    stack.pop();
    ctx.changed();
    if (view.notify_on_close) {
      const { user: _owner, ...publicView } = view;
      await deliver("interaction", viewClosedPayload({ user, userName: memberName(user), view: publicView }), user);
    }
    return { status: 200, body: { ok: true } };
  }

  /** A plain message typed by a person; in the app's DM it is a message.im event for the app. */
  async function message({ user, channel, text }) {
    const clean = String(text ?? "").trim();
    if (!clean) return { status: 400, body: { ok: false, error: "no_text" } };
    const ts = ctx.nextTs();
    state.messages.push({ ts, channel, text: clean, blocks: [], updated: 0, user });
    ctx.changed();
    if (channel === dmChannel(user)) {
      const answer = await deliver("event", eventCallback({ type: "message", channel_type: "im", channel, user, text: clean, ts }), user);
      return { status: 200, body: { ok: true, delivered: answer.ok, error: answer.error } };
    }
    return { status: 200, body: { ok: true } };
  }

  /**
   * Opening the app's Home tab: Slack sends app_home_opened, with the Home view only if one was
   * published for this user before.
   * @see https://docs.slack.dev/reference/events/app_home_opened
   */
  async function openHome({ user }) {
    const home = state.homes[user];
    const view = home ? (({ user: _owner, ...v }) => v)(home) : undefined;
    const answer = await deliver(
      "event",
      eventCallback({ type: "app_home_opened", user, channel: dmChannel(user), tab: "home", ...(view ? { view } : {}) }),
      user,
    );
    return { status: 200, body: { ok: answer.ok, error: answer.error } };
  }

  /** The Workflows panel's Run: the workflow starts as `user` ran it (standin/functions.js). */
  async function runWorkflow({ user, workflow }) {
    const out = await ctx.functions.runWorkflow(String(workflow ?? ""), user);
    return { status: out.ok ? 200 : 404, body: out };
  }

  /** A response_url post the stand-in issued: applied where Slack applies it. */
  function applyHook(path, body) {
    const hook = state.hooks[path];
    if (!hook || !body || typeof body !== "object") return;
    hook.uses++;
    const original = hook.messageTs ? state.messages.find((m) => m.channel === hook.channel && m.ts === hook.messageTs) : undefined;
    // The docs' examples send these as the strings "true" / "false".
    // @see https://docs.slack.dev/interactivity/handling-user-interaction ("replace_original", "delete_original")
    const yes = (v) => v === true || v === "true";
    if (yes(body.delete_original) && original) {
      state.messages.splice(state.messages.indexOf(original), 1);
    } else if (yes(body.replace_original) && original) {
      if (body.text !== undefined) original.text = body.text;
      original.blocks = body.blocks ?? [];
      original.updated++;
    } else {
      showAnswer(hook.user, hook.channel, body);
    }
  }

  // ---- what the page reads

  function snapshot(user) {
    const visible = (channel) => channel === dmChannel(user) || CHANNELS.some((c) => c.id === channel);
    const items = [
      ...state.messages.filter((m) => visible(m.channel)).map((m) => ({ kind: "message", ...m })),
      ...state.ephemerals.filter((e) => e.user === user).map((e) => ({ kind: "ephemeral", ...e })),
    ].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const stack = stackOf(user);
    const top = stack.length ? state.views[stack.at(-1)] : undefined;
    const { via, target } = route();
    return {
      version: state.version,
      team: TEAM,
      app: { id: APP.id, name: APP.name, botUser: APP.botUser },
      me: user,
      users: USERS.map((u) => ({
        ...u,
        dm: dmChannel(u.id),
        // per user, how much happened in their DM with the app (the page shows what is new)
        activity: state.messages.filter((m) => m.channel === dmChannel(u.id) && m.user !== u.id).reduce((n, m) => n + 1 + m.updated, 0),
      })),
      channels: [...CHANNELS.map((c) => ({ ...c, kind: "channel" })), { id: dmChannel(user), name: APP.name, kind: "app" }],
      items,
      modal: top ? { id: top.id, depth: stack.length, view: top } : null,
      home: state.homes[user] ?? null,
      connection: { via, target },
      usergroups: USER_GROUPS.map((g) => ({ id: g.id, handle: g.handle })),
      // The Workflows panel: each workflow and its latest runs (status, outcome, what followed).
      workflows: WORKFLOWS.map((w) => ({
        id: w.id,
        title: w.title,
        description: w.description,
        runs: Object.values(state.executions)
          .filter((e) => e.workflow === w.id)
          .slice(-3)
          .reverse()
          .map((e) => ({ id: e.id, status: e.status, outputs: e.outputs, error: e.error, by: e.user, log: e.log })),
      })),
      deliveries: state.deliveries.slice(-15).map(({ seq, kind, type, via: v, status, ms, ok, error, user: u, ackMs, retry_num, retry_reason }) => ({
        seq,
        kind,
        type,
        via: v,
        status,
        ms,
        ok,
        error,
        user: u,
        ackMs,
        retry_num,
        retry_reason,
      })),
      calls: state.calls.slice(-15).map(({ seq, method, result, at }) => ({ seq, method, result, at })),
    };
  }

  return { command, action, submitView, closeView, message, openHome, runWorkflow, applyHook, snapshot };
}
