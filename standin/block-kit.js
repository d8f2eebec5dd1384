// Block Kit as Slack checks it: the limits a message (chat.postMessage, chat.update,
// chat.postEphemeral, response_url) or a view (views.open / push / update / publish) must keep, and
// the refusal Slack answers with. Slack publishes no schema; each limit below cites its reference.
// Error texts follow Slack's observed form "<what> [json-pointer:/blocks/0/text/text]" (a maximum
// of 3000 reads "must be less than 3001 characters"); only the codes and shapes are documented, so
// tests should match on the code and the pointer, not on the wording.

/**
 * Block types Slack knows (@slack/types KnownBlock); any other type is refused.
 * @see https://docs.slack.dev/reference/block-kit/blocks
 */
const BLOCK_TYPES = new Set([
  "actions",
  "alert",
  "card",
  "carousel",
  "container",
  "context",
  "context_actions",
  "data_table",
  "divider",
  "file",
  "header",
  "image",
  "input",
  "markdown",
  "rich_text",
  "section",
  "table",
  "task_card",
  "plan",
  "video",
]);

/**
 * At most 50 blocks in a message, 100 in a modal or Home tab.
 * @see https://docs.slack.dev/reference/block-kit/blocks ("up to 50 blocks in each message, and 100 blocks in modals or Home tabs")
 */
export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;

/** Characters as a person counts them (an emoji is one, not two UTF-16 units). */
const length = (s) => [...s].length;

/** Collects Slack's error strings for one message or view. */
class Problems {
  list = [];
  add(message, pointer) {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }
  /** A string field of at most `max` characters (and at least `min`), when present or required. */
  string(value, pointer, max, { required = false, min = 0 } = {}) {
    if (value === undefined || value === null) {
      if (required) this.add("missing required field", pointer);
      return;
    }
    if (typeof value !== "string") return this.add("must be a string", pointer);
    if (length(value) < min) this.add(`must be more than ${min - 1} characters`, pointer);
    if (length(value) > max) this.add(`must be less than ${max + 1} characters`, pointer);
  }
  array(value, pointer, max, { required = false, min = 0 } = {}) {
    if (value === undefined) {
      if (required) this.add("missing required field", pointer);
      return false;
    }
    if (!Array.isArray(value)) {
      this.add("must be an array", pointer);
      return false;
    }
    if (value.length < min) this.add(`must provide at least ${min} items`, pointer);
    if (value.length > max) this.add(`must be less than ${max + 1} items`, pointer);
    return true;
  }
  /**
   * A text object: type plain_text or mrkdwn (plain_text only where `plain`), 1 to `max` characters.
   * @see https://docs.slack.dev/reference/block-kit/composition-objects/text-object ("text: 1–3000 characters"; type plain_text or mrkdwn)
   */
  text(t, pointer, max, { plain = false, required = true } = {}) {
    if (t === undefined || t === null) {
      if (required) this.add("missing required field", pointer);
      return;
    }
    if (typeof t !== "object") return this.add("must be a text object", pointer);
    if (t.type !== "plain_text" && t.type !== "mrkdwn") return this.add(`unsupported type: ${t.type}`, `${pointer}/type`);
    if (plain && t.type !== "plain_text") return this.add("must be a plain_text object", `${pointer}/type`);
    this.string(t.text, `${pointer}/text`, Math.min(max, 3000), { required: true, min: 1 });
  }
}

/**
 * A confirmation dialog: title (plain_text, 100), text (300), confirm and deny (plain_text, 30), all required.
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
 */
function confirm(p, c, ptr) {
  if (typeof c !== "object" || c === null) return p.add("must be an object", ptr);
  p.text(c.title, `${ptr}/title`, 100, { plain: true });
  p.text(c.text, `${ptr}/text`, 300);
  p.text(c.confirm, `${ptr}/confirm`, 30, { plain: true });
  p.text(c.deny, `${ptr}/deny`, 30, { plain: true });
  if (c.style !== undefined && c.style !== "primary" && c.style !== "danger") p.add("must be one of primary, danger", `${ptr}/style`);
}

/**
 * An option: text 75 (plain_text only in selects and overflow menus), value 150, description 75.
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/option-object
 */
function option(p, o, ptr, plainOnly) {
  if (typeof o !== "object" || o === null) return p.add("must be an object", ptr);
  p.text(o.text, `${ptr}/text`, 75, { plain: plainOnly });
  p.string(o.value, `${ptr}/value`, 150);
  p.text(o.description, `${ptr}/description`, 75, { plain: true, required: false });
  p.string(o.url, `${ptr}/url`, 3000);
}

const SELECTS = new Set([
  "static_select",
  "multi_static_select",
  "external_select",
  "multi_external_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
]);

/** One interactive (or context) element. */
function element(p, e, ptr) {
  if (typeof e !== "object" || e === null) return p.add("must be an object", ptr);
  // action_id: at most 255 characters. @see https://docs.slack.dev/reference/block-kit/block-elements/button-element
  p.string(e.action_id, `${ptr}/action_id`, 255);
  if (e.confirm !== undefined) confirm(p, e.confirm, `${ptr}/confirm`);
  // placeholder: plain_text, at most 150. @see https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
  p.text(e.placeholder, `${ptr}/placeholder`, 150, { plain: true, required: false });
  switch (e.type) {
    case "button":
      // text plain_text 75, value 2000, url 3000, style primary|danger, accessibility_label 75.
      // @see https://docs.slack.dev/reference/block-kit/block-elements/button-element
      p.text(e.text, `${ptr}/text`, 75, { plain: true });
      p.string(e.value, `${ptr}/value`, 2000);
      p.string(e.url, `${ptr}/url`, 3000);
      p.string(e.accessibility_label, `${ptr}/accessibility_label`, 75);
      if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") p.add("must be one of primary, danger", `${ptr}/style`);
      return;
    case "overflow":
      // 1 to 5 options. @see https://github.com/slackapi/python-slack-sdk/blob/ae87985/slack_sdk/models/blocks/block_elements.py#L1876 (OverflowMenuElement)
      if (p.array(e.options, `${ptr}/options`, 5, { required: true, min: 1 }))
        e.options.forEach((o, i) => {
          option(p, o, `${ptr}/options/${i}`, true);
        });
      return;
    case "checkboxes":
    case "radio_buttons":
      // at most 10 options (https://github.com/slackapi/python-slack-sdk/blob/ae87985/slack_sdk/models/blocks/block_elements.py#L343); mrkdwn allowed
      // @see https://docs.slack.dev/reference/block-kit/composition-objects/option-object
      if (p.array(e.options, `${ptr}/options`, 10, { required: true, min: 1 }))
        e.options.forEach((o, i) => {
          option(p, o, `${ptr}/options/${i}`, false);
        });
      return;
    case "plain_text_input":
      // min_length 0–3000, max_length 1–3000. @see https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
      if (e.min_length !== undefined && !(e.min_length >= 0 && e.min_length <= 3000)) p.add("must be between 0 and 3000", `${ptr}/min_length`);
      if (e.max_length !== undefined && !(e.max_length >= 1 && e.max_length <= 3000)) p.add("must be between 1 and 3000", `${ptr}/max_length`);
      return;
    case "image":
      // in a context block: alt_text required, like the image block. @see https://github.com/slackapi/python-slack-sdk/blob/ae87985/slack_sdk/models/blocks/block_elements.py (ImageElement)
      p.string(e.alt_text, `${ptr}/alt_text`, 2000, { required: true });
      p.string(e.image_url, `${ptr}/image_url`, 3000);
      return;
    default:
      if (SELECTS.has(e.type) && e.type.endsWith("static_select")) {
        // options at most 100 (or option_groups, at most 100), plain_text option text.
        // @see https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
        if (e.options !== undefined && e.option_groups !== undefined) p.add("must provide either options or option_groups, not both", ptr);
        if (p.array(e.options, `${ptr}/options`, 100))
          e.options.forEach((o, i) => {
            option(p, o, `${ptr}/options/${i}`, true);
          });
        if (p.array(e.option_groups, `${ptr}/option_groups`, 100)) {
          e.option_groups.forEach((g, i) => {
            p.text(g?.label, `${ptr}/option_groups/${i}/label`, 75, { plain: true });
            if (p.array(g?.options, `${ptr}/option_groups/${i}/options`, 100, { required: true }))
              g.options.forEach((o, j) => {
                option(p, o, `${ptr}/option_groups/${i}/options/${j}`, true);
              });
          });
        }
      }
      if (e.initial_option !== undefined) option(p, e.initial_option, `${ptr}/initial_option`, SELECTS.has(e.type) || e.type === "overflow");
  }
}

/** Elements of one block: action_ids unique within it. */
function uniqueActionIds(p, elements, ptr) {
  const seen = new Set();
  elements.forEach((e, i) => {
    if (typeof e?.action_id !== "string") return;
    // "Should be unique among all other action_ids in the containing block" (refused as invalid_blocks).
    // @see https://docs.slack.dev/reference/block-kit/block-elements/button-element
    if (seen.has(e.action_id)) p.add("must be unique within the block", `${ptr}/${i}/action_id`);
    seen.add(e.action_id);
  });
}

/** One block. */
function block(p, b, ptr, ctx) {
  if (typeof b !== "object" || b === null) return p.add("must be an object", ptr);
  if (!BLOCK_TYPES.has(b.type)) return p.add(`unsupported type: ${b.type}`, `${ptr}/type`);
  // block_id: at most 255 characters, unique within the message or view.
  // @see https://docs.slack.dev/reference/block-kit/blocks/section-block (block_id)
  // @see https://docs.slack.dev/reference/block-kit/blocks/input-block ("unique for each message or view")
  if (b.block_id !== undefined) {
    p.string(b.block_id, `${ptr}/block_id`, 255);
    if (ctx.blockIds.has(b.block_id)) p.add("must be unique within the message or view", `${ptr}/block_id`);
    ctx.blockIds.add(b.block_id);
  }
  switch (b.type) {
    case "section":
      // text 3000; fields at most 10, each 2000; text or fields required.
      // @see https://docs.slack.dev/reference/block-kit/blocks/section-block
      if (b.text === undefined && b.fields === undefined) p.add("must define either `text` or `fields`", `${ptr}/type`);
      p.text(b.text, `${ptr}/text`, 3000, { required: false });
      if (p.array(b.fields, `${ptr}/fields`, 10))
        b.fields.forEach((f, i) => {
          p.text(f, `${ptr}/fields/${i}`, 2000);
        });
      if (b.accessory !== undefined) element(p, b.accessory, `${ptr}/accessory`);
      return;
    case "header":
      // plain_text only, at most 150. @see https://docs.slack.dev/reference/block-kit/blocks/header-block
      return p.text(b.text, `${ptr}/text`, 150, { plain: true });
    case "context":
      // at most 10 elements (images and text objects). @see https://github.com/slackapi/python-slack-sdk/blob/ae87985/slack_sdk/models/blocks/blocks.py#L342 (ContextBlock elements_max_length = 10)
      if (p.array(b.elements, `${ptr}/elements`, 10, { required: true, min: 1 })) {
        b.elements.forEach((e, i) => {
          e?.type === "image" ? element(p, e, `${ptr}/elements/${i}`) : p.text(e, `${ptr}/elements/${i}`, 3000);
        });
      }
      return;
    case "actions":
      // at most 25 interactive elements. @see https://docs.slack.dev/reference/block-kit/blocks/actions-block
      if (p.array(b.elements, `${ptr}/elements`, 25, { required: true, min: 1 })) {
        b.elements.forEach((e, i) => {
          element(p, e, `${ptr}/elements/${i}`);
        });
        uniqueActionIds(p, b.elements, `${ptr}/elements`);
      }
      return;
    case "image":
      // alt_text required, 2000; image_url 3000; title plain_text 2000.
      // @see https://github.com/slackapi/python-slack-sdk/blob/ae87985/slack_sdk/models/blocks/blocks.py#L236-L238 (ImageBlock)
      p.string(b.alt_text, `${ptr}/alt_text`, 2000, { required: true });
      p.string(b.image_url, `${ptr}/image_url`, 3000);
      p.text(b.title, `${ptr}/title`, 2000, { plain: true, required: false });
      return;
    case "input":
      // label and hint plain_text only, 2000; exactly one element.
      // @see https://docs.slack.dev/reference/block-kit/blocks/input-block
      p.text(b.label, `${ptr}/label`, 2000, { plain: true });
      p.text(b.hint, `${ptr}/hint`, 2000, { plain: true, required: false });
      if (b.element === undefined) p.add("missing required field", `${ptr}/element`);
      else element(p, b.element, `${ptr}/element`);
      return;
    case "markdown":
      // at most 12,000 characters across the message's markdown blocks; messages only.
      // @see https://github.com/slackapi/node-slack-sdk/blob/4322e14/packages/types/src/block-kit/blocks.ts#L370
      if (ctx.surface !== "message") return p.add(`unsupported type: markdown`, `${ptr}/type`);
      p.string(b.text, `${ptr}/text`, 12_000, { required: true, min: 1 });
      ctx.markdown += typeof b.text === "string" ? length(b.text) : 0;
      if (ctx.markdown > 12_000) p.add("must be less than 12001 characters in all markdown blocks", `${ptr}/text`);
      return;
    default:
      // divider, rich_text, video, …: no limit of theirs is checked here.
      return;
  }
}

/** Problems of a blocks array (pointer `base`, e.g. /blocks or /view/blocks). */
function blocksProblems(p, blocks, base, surface, max) {
  if (!p.array(blocks, base, max)) return;
  const ctx = { surface, blockIds: new Set(), markdown: 0 };
  blocks.forEach((b, i) => {
    block(p, b, `${base}/${i}`, ctx);
  });
}

/**
 * Why Slack would refuse a message's blocks, as chat.postMessage / chat.update / chat.postEphemeral
 * answer: `invalid_blocks` with the problems in `errors` and, prefixed "[ERROR] ", in
 * `response_metadata.messages`. Undefined when the blocks are fine (or absent).
 * @see https://docs.slack.dev/reference/methods/chat.postMessage (errors invalid_blocks, invalid_blocks_format)
 * @see https://github.com/slackapi/java-slack-sdk/issues/1017 (the errors / response_metadata.messages shape)
 */
export function messageBlocksRefusal(blocks) {
  if (blocks === undefined || blocks === null || blocks === "") return undefined;
  // Not JSON, or not an array. @see https://docs.slack.dev/reference/methods/chat.postMessage (invalid_blocks_format)
  if (!Array.isArray(blocks)) return { ok: false, error: "invalid_blocks_format" };
  const p = new Problems();
  blocksProblems(p, blocks, "/blocks", "message", MAX_MESSAGE_BLOCKS);
  if (p.list.length === 0) return undefined;
  return { ok: false, error: "invalid_blocks", errors: p.list, response_metadata: { messages: p.list.map((m) => `[ERROR] ${m}`) } };
}

/**
 * A view is at most 250 kB.
 * @see https://docs.slack.dev/reference/methods/views.open (view_too_large: "greater than 250kb")
 */
const MAX_VIEW_BYTES = 250 * 1024;

/**
 * Why Slack would refuse a view: `invalid_arguments` with `response_metadata.messages` (no
 * top-level `errors`), or `view_too_large`. `type` is what the method takes: "modal" for
 * views.open / push / update, "home" for views.publish.
 * @see https://docs.slack.dev/reference/methods/views.push (example: invalid_arguments, messages ["missing required field: title"])
 * @see https://docs.slack.dev/reference/views/modal-views (title, submit, close: plain_text, 24 characters; 100 blocks; private_metadata 3000; callback_id 255; submit required with input blocks)
 * @see https://docs.slack.dev/reference/views/home-tab-views (type home; 100 blocks; private_metadata 3000; callback_id 255)
 */
export function viewRefusal(view, type) {
  const refuse = (messages) => ({ ok: false, error: "invalid_arguments", response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
  if (typeof view !== "object" || view === null || Array.isArray(view)) return refuse(["missing required field: view"]);
  if (new TextEncoder().encode(JSON.stringify(view)).length > MAX_VIEW_BYTES) return { ok: false, error: "view_too_large" };
  const p = new Problems();
  if (view.type !== type) p.add(`must be ${type}`, "/view/type");
  if (type === "modal") {
    p.text(view.title, "/view/title", 24, { plain: true });
    p.text(view.submit, "/view/submit", 24, { plain: true, required: false });
    p.text(view.close, "/view/close", 24, { plain: true, required: false });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => b?.type === "input");
    // "If you're using any input blocks, you must include the submit field." @see https://docs.slack.dev/surfaces/modals
    if (hasInput && view.submit === undefined) p.add("missing required field: submit", "/view/submit");
  }
  p.string(view.callback_id, "/view/callback_id", 255);
  p.string(view.private_metadata, "/view/private_metadata", 3000);
  p.string(view.external_id, "/view/external_id", 255);
  blocksProblems(p, view.blocks, "/view/blocks", type, MAX_VIEW_BLOCKS);
  if (view.blocks === undefined) p.add("missing required field: blocks", "/view/blocks");
  return p.list.length ? refuse(p.list) : undefined;
}
