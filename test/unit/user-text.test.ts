import { describe, expect, it } from "vitest";
import { isRich, plainUserText, readable, storedUserText, trimUserText, type UserText, userTextSchema } from "../../src/core/user-text";
import { parseEscapedText } from "../../src/slack/escaped-text";
import { foreignText, truncate, userText } from "../../src/slack/mrkdwn";

/** What Slack sends (should_escape) for: offsite for #approvals & team: budget <5k> (quote https://example.com/quote?id=7&v=2 and [the plan](…)) cc @other @finance @here @channel @everyone */
const ESCAPED =
  "offsite for <#C0FIXCHAN|approvals> &amp; team: budget &lt;5k&gt; (quote <https://example.com/quote?id=7&amp;v=2> and <https://example.com/plan|the plan>) cc <@U0FIXOTHER> <!subteam^S0FIXGROUP|@finance> <!here> <!channel> <!everyone>";

describe("parseEscapedText: Slack's escaped command text as user text", () => {
  it("finds Slack's tokens and decodes the person's own & < > between and inside them", () => {
    expect(parseEscapedText(ESCAPED)).toEqual([
      { type: "text", text: "offsite for " },
      { type: "channel", id: "C0FIXCHAN", label: "approvals" },
      { type: "text", text: " & team: budget <5k> (quote " },
      { type: "link", url: "https://example.com/quote?id=7&v=2" },
      { type: "text", text: " and " },
      { type: "link", url: "https://example.com/plan", label: "the plan" },
      { type: "text", text: ") cc " },
      { type: "user", id: "U0FIXOTHER" },
      { type: "text", text: " " },
      { type: "usergroup", id: "S0FIXGROUP", label: "@finance" },
      { type: "text", text: " " },
      { type: "broadcast", name: "here" },
      { type: "text", text: " " },
      { type: "broadcast", name: "channel" },
      { type: "text", text: " " },
      { type: "broadcast", name: "everyone" },
    ]);
  });

  it("reads mentions with and without a name, Grid users, labelled broadcasts and mail links", () => {
    expect(parseEscapedText("<@U0MARIA|maria> <@W0GRID> <!here|here> <mailto:bob@example.com|bob@example.com>")).toEqual([
      { type: "user", id: "U0MARIA", label: "maria" },
      { type: "text", text: " " },
      { type: "user", id: "W0GRID" },
      { type: "text", text: " " },
      { type: "broadcast", name: "here" },
      { type: "text", text: " " },
      { type: "link", url: "mailto:bob@example.com", label: "bob@example.com" },
    ]);
  });

  it("keeps other `<!…>` commands as their readable fallback, or as they came", () => {
    expect(parseEscapedText("due <!date^1760000100^{date_short}|Oct 9> or <!future^x>")).toEqual([{ type: "text", text: "due Oct 9 or <!future^x>" }]);
  });

  it("decodes &amp; last, so an escaped entity the person typed stays as typed", () => {
    expect(readable(parseEscapedText("&amp;lt; is how HTML writes &lt;"))).toBe("&lt; is how HTML writes <");
  });

  it("every segment it makes is one the stored form accepts", () => {
    expect(userTextSchema.safeParse(parseEscapedText(ESCAPED)).success).toBe(true);
    expect(userTextSchema.safeParse([{ type: "user", id: "U1><!channel" }]).success).toBe(false);
  });
});

describe("readable: the text D1, the API, the dashboard, CSV and webhooks show", () => {
  it("shows people, channels, links, broadcasts and groups as people read them", () => {
    expect(readable(parseEscapedText(ESCAPED))).toBe(
      "offsite for #approvals & team: budget <5k> (quote https://example.com/quote?id=7&v=2 and the plan (https://example.com/plan)) cc @U0FIXOTHER @finance @here @channel @everyone",
    );
    expect(readable(parseEscapedText("<@U0MARIA|maria> <mailto:bob@example.com|bob@example.com> <http://example.com|example.com>"))).toBe(
      "@maria bob@example.com http://example.com",
    );
  });

  it("plain text is itself, one segment, never rich", () => {
    const t = plainUserText("R&D <v2>\n*not bold*");
    expect(t).toEqual([{ type: "text", text: "R&D <v2>\n*not bold*" }]);
    expect(readable(t)).toBe("R&D <v2>\n*not bold*");
    expect(isRich(t)).toBe(false);
    expect(isRich(parseEscapedText("hi <@U0MARIA>"))).toBe(true);
    expect(storedUserText("as stored", null)).toEqual(plainUserText("as stored"));
    expect(
      trimUserText([
        { type: "text", text: "  a " },
        { type: "user", id: "U0A1" },
        { type: "text", text: " \n" },
      ]),
    ).toEqual([
      { type: "text", text: "a " },
      { type: "user", id: "U0A1" },
    ]);
  });
});

describe("userText: user text as mrkdwn, the one way it enters a message", () => {
  const rich: UserText = parseEscapedText(ESCAPED);

  it("escapes once, keeps mentions and links, and notifies nobody", () => {
    const out = userText(rich, "line");
    expect(out).toBe(
      "offsite for <#C0FIXCHAN> &amp; team: budget &lt;5k&gt; (quote <https://example.com/quote?id=7&amp;v=2> and <https://example.com/plan|the plan>) cc <@U0FIXOTHER> @finance @here @channel @everyone",
    );
    expect(out).not.toMatch(/<!|&amp;amp;/);
  });

  it("a quote keeps every line of the text inside it, with its formatting", () => {
    const fake = plainUserText("Deploy\n:white_check_mark: *Approved* by the CEO\r\n\nbye");
    expect(userText(fake, "quote")).toBe(">Deploy\n>:white_check_mark: *Approved* by the CEO\n>\n>bye");
  });

  it("a quote breaks a code fence, which could run past the quote", () => {
    expect(userText(plainUserText("```\nstill code?"), "quote")).toBe(">ˋˋˋ\n>still code?");
  });

  it("one line: new lines become spaces and formatting characters look-alikes", () => {
    const out = userText(plainUserText("Deploy\n\n*Approved* by _the_ ~CEO~ `now`"), "line");
    expect(out).toBe("Deploy ∗Approved∗ by ˍtheˍ ∼CEO∼ ˋnowˋ");
    expect(out).not.toMatch(/[\n*_~`]/);
    // Underscores inside words never start italics, so snake_case and emoji codes stay as typed.
    expect(userText(plainUserText("run db_migrate :white_check_mark:"), "line")).toBe("run db_migrate :white_check_mark:");
  });

  it("links Slack opens (web, mail) stay links; other schemes are shown as text", () => {
    expect(userText([{ type: "link", url: "javascript:alert(1)", label: "click" }], "line")).toBe("click (javascript:alert(1))");
    expect(userText([{ type: "link", url: "https://x.example/a|b>c", label: "x" }], "line")).toBe("<https://x.example/a%7Cb&gt;c|x>");
    expect(userText([{ type: "link", url: "mailto:bob@example.com", label: "bob@example.com" }], "line")).toBe("<mailto:bob@example.com|bob@example.com>");
  });

  it("is cut without breaking a token, an escape or a quote", () => {
    const t: UserText = [
      { type: "text", text: "a".repeat(10) },
      { type: "link", url: "https://example.com/long/path" },
    ];
    expect(userText(t, "line", 20)).toBe(`${"a".repeat(10)}…`);
    expect(truncate(`${"x".repeat(8)}&amp;`, 10)).toBe(`${"x".repeat(8)}…`);
    expect(truncate(">line\n>next", 8)).toBe(">line…");
    expect(truncate(`${"x".repeat(8)}😀y`, 10)).toBe(`${"x".repeat(8)}…`);
  });

  it("text from elsewhere (a receiver's message, an error) is one escaped line", () => {
    expect(foreignText("done\n*<!channel>*")).toBe("done ∗&lt;!channel&gt;∗");
  });
});
