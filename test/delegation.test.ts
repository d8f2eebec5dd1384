import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRequestId } from "../src/core/ids";
import { activeDelegationOf, castVote, type DelegationRow, setFirstLevel, startDelegation, upsertRequest, voteSeat } from "../src/core/store";
import {
  apiGet,
  click,
  dmOf,
  eventually,
  homeClick,
  injectFaults,
  messagesIn,
  newUser,
  postTo,
  requestJson,
  responsesTo,
  slackCalls,
  slashCommand,
  startRequest,
  submitView,
  waitForStatus,
} from "./helpers";

/**
 * Delegation (issue 14, part 4): `/approval delegate @bob until …`, the App Home's delegation,
 * requests that reach Maria's delegate, "Bob, for Maria", and the D1 vote check that knows
 * delegations (one vote per seat, never the requester, only while the delegation holds).
 */

const text = (x: unknown) => JSON.stringify(x);
const day = (daysAhead: number) => new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
const dmAbout = (user: string, id: string) =>
  eventually(async () => (await messagesIn(dmOf(user))).find((m) => text(m.blocks).includes(id)), `${user}'s DM about ${id}`);
const replyTo = (hook: string) => eventually(async () => (await responsesTo(hook))[0]?.body.text, "the ephemeral answer");
const delegateTo = (from: string, to: string, until = day(7)) => slashCommand(from, `delegate <@${to}|someone> until ${until}`);

describe("delegation", () => {
  it("Maria delegates to Bob: a new request also goes to Bob, who decides it 'for Maria'; the audit records it; Maria's later click is refused", async () => {
    const [maria, bob, requester] = [await newUser(), await newUser(), await newUser()];
    const set = await delegateTo(maria, bob, day(7));
    expect(set.body.text).toContain(`also go to <@${bob}>`);
    expect(set.body.text).toContain(day(7));

    const id = await startRequest(requester, maria);
    const [mariaDm, bobDm] = await Promise.all([dmAbout(maria, id), dmAbout(bob, id)]);
    expect((await slashCommand(bob, "list")).body.text).toContain(id);
    expect(text(mariaDm.blocks)).toContain("approval_approve");
    expect(text(bobDm.blocks)).toContain(`You decide for <@${maria}> (delegated to you until ${day(7)})`);

    expect((await click(bob, id, "approve")).status).toBe(200);
    const done = await waitForStatus(id, "approved");
    expect(done.decided_by).toBe(bob);
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "delegated", actor: bob, detail: `for ${maria} until ${day(7)}` }));
    expect(done.audit).toContainEqual(expect.objectContaining({ event: "voted", actor: bob, detail: `approve, for ${maria}` }));
    const shown = await eventually(async () => (await messagesIn(dmOf(maria))).find((m) => text(m.blocks).includes(id) && m.updated > 0), "Maria's DM updated");
    expect(text(shown.blocks)).toContain(`Approved* by <@${bob}>, for <@${maria}>`);

    // The dashboard's timeline says it in words, with the principal by name where known.
    const page = await (await apiGet(`/dashboard/requests/${id}`)).text();
    expect(page).toContain("delegate asked");
    expect(page).toContain(`approve, for`);

    const late = await click(maria, id, "approve");
    expect(await replyTo(late.hook)).toContain("already been decided");
  });

  it("a quorum counts seats: Bob's approval for Maria is 1 of 2, Maria's own is then refused (her seat voted), Sam's decides", async () => {
    const [maria, bob, sam, requester] = [await newUser(), await newUser(), await newUser(), await newUser()];
    const at = new Date().toISOString();
    const dlg = await startDelegation(env.DB, {
      id: `dlg-${maria.toLowerCase()}`,
      principal: maria,
      delegate: bob,
      until: `${day(2)}T00:00:00.000Z`,
      created_at: at,
    });
    const id = newRequestId();
    await upsertRequest(env.DB, {
      id,
      type: "default",
      requester,
      description: "Two of two",
      approvers: [maria, sam],
      quorum: 2,
      allowSelf: false,
      createdAt: at,
      expiresAt: at,
    });
    await setFirstLevel(env.DB, id, {
      approvers: [maria, sam, bob],
      group: { approvers: [maria, sam], quorum: 2 },
      delegations: [{ id: (dlg as DelegationRow).id, principal: maria, delegate: bob, until: (dlg as DelegationRow).until, level: 1 }],
    });
    expect(await castVote(env.DB, id, bob, "approve", at)).toEqual({ ok: true, decisive: false, approvals: 1, quorum: 2 });
    expect(await castVote(env.DB, id, maria, "approve", at)).toMatchObject({ ok: false, reason: "seat_taken", seat: maria, by: bob });
    expect(await castVote(env.DB, id, sam, "approve", at)).toEqual({ ok: true, decisive: true });
    expect(await voteSeat(env.DB, id, bob)).toBe(maria);
  });

  it("Bob rejects for Maria through the reason modal: the rejection is his, for her", async () => {
    const [maria, bob, requester] = [await newUser(), await newUser(), await newUser()];
    await delegateTo(maria, bob);
    const id = await startRequest(requester, maria);
    await dmAbout(bob, id);
    const rejected = await click(bob, id, "reject");
    expect(rejected.status).toBe(200);
    await eventually(async () => (await slackCalls((c) => c.method === "views.open" && c.args.view?.private_metadata === id)).length > 0, "the reason modal");
    const submitted = await submitView(
      bob,
      { callback_id: "approval_reject_reason", private_metadata: id },
      { reason: { type: "plain_text_input", value: "Not this week" } },
    );
    expect(submitted.status).toBe(200);
    const done = await waitForStatus(id, "rejected");
    expect(done.decided_by).toBe(bob);
    const told = await eventually(async () => (await messagesIn(dmOf(requester))).find((m) => m.text.includes("rejected")), "the requester's DM");
    expect(told.text).toContain(`<@${bob}>, for <@${maria}> rejected`);
  });

  it("a requester never decides their own request through a delegation; a delegate cannot delegate onwards; nobody delegates to someone away", async () => {
    const [maria, alex, carl] = [await newUser(), await newUser(), await newUser()];
    // Maria delegates to Alex; Alex's own request to Maria does not reach Alex.
    await delegateTo(maria, alex);
    const id = await startRequest(alex, maria);
    await dmAbout(maria, id);
    expect((await messagesIn(dmOf(alex))).filter((m) => text(m.blocks).includes("approval_approve"))).toEqual([]);
    const own = await click(alex, id, "approve");
    expect(await replyTo(own.hook)).toContain("can't decide your own request");

    // Alex stands in for Maria: he cannot pass that on.
    const onwards = await delegateTo(alex, carl);
    expect(onwards.body.text).toContain("a delegate cannot delegate onwards");
    // Carl cannot pick Maria, who is away.
    const toAway = await delegateTo(carl, maria);
    expect(toAway.body.text).toContain("is away too");
    // Nor yourself, nor a day past.
    expect((await delegateTo(carl, carl)).body.text).toContain("can't delegate to yourself");
    expect((await delegateTo(carl, alex, "2020-01-01")).body.text).toContain("Pick today or a later day");
  });

  it("the one-hand rule holds inside the write: a delegation written after the checks (two people delegating to each other at once) refuses the later one, and ends nothing", async () => {
    const [maria, bob, carl, sam] = [await newUser(), await newUser(), await newUser(), await newUser()];
    const at = new Date().toISOString();
    const start = (principal: string, delegate: string) =>
      startDelegation(env.DB, {
        id: `dlg-${principal.toLowerCase()}-${delegate.toLowerCase()}`,
        principal,
        delegate,
        until: `${day(3)}T00:00:00.000Z`,
        created_at: at,
      });
    // Maria is away (Sam covers); Bob is away (Carl covers). Each check passed before the other was written.
    expect(await start(maria, sam)).toMatchObject({ principal: maria, delegate: sam });
    expect(await start(bob, carl)).toMatchObject({ principal: bob, delegate: carl });
    // Maria to Bob, who is away now: refused, and Maria's delegation to Sam still holds.
    expect(await start(maria, bob)).toBe("one_hand");
    expect(await activeDelegationOf(env.DB, maria, at)).toMatchObject({ delegate: sam, ended_at: null });
    // Sam, who stands in for Maria, cannot pass it on; Carl to Maria is refused the same way.
    expect(await start(sam, carl)).toBe("one_hand");
    expect(await start(carl, maria)).toBe("one_hand");
    // Through the command, the refused one reads as the rule it broke.
    expect((await delegateTo(bob, maria)).body.text).toContain("is away too");
  });

  it("`delegate off` ends it: the delegate's click on a request that reached him is refused, and new requests go to Maria alone", async () => {
    const [maria, bob, requester] = [await newUser(), await newUser(), await newUser()];
    await delegateTo(maria, bob);
    const id = await startRequest(requester, maria);
    await dmAbout(bob, id);
    const off = await slashCommand(maria, "delegate off");
    expect(off.body.text).toContain(`Your delegation to <@${bob}> has ended`);
    // Bob's `/approval list` no longer shows it; his click is refused.
    expect((await slashCommand(bob, "list")).body.text).not.toContain(id);
    const refused = await click(bob, id, "approve");
    expect(await replyTo(refused.hook)).toContain("delegation to you has ended");
    expect((await click(maria, id, "approve")).status).toBe(200);
    await waitForStatus(id, "approved");

    const next = await startRequest(requester, maria, "Second request");
    await dmAbout(maria, next);
    expect((await messagesIn(dmOf(bob))).filter((m) => text(m.blocks).includes(next))).toEqual([]);
    expect((await slashCommand(maria, "delegate")).body.text).toContain("You have no delegation.");
  });

  it("a delegation set while a request waits applies to levels that start later, not to the waiting one (the reply says so)", async () => {
    const [maria, bob, requester] = [await newUser(), await newUser(), await newUser()];
    const id = await startRequest(requester, maria);
    await dmAbout(maria, id);
    const set = await delegateTo(maria, bob);
    expect(set.body.text).toContain("1 request already waiting for you stays with you");
    const refused = await click(bob, id, "approve");
    expect(await replyTo(refused.hook)).toContain("not one of its approvers");
  });

  it("the App Home shows the delegation with End; the modal sets one; End ends it", async () => {
    const [maria, bob] = [await newUser(), await newUser()];
    expect(await homeClick(maria, "req-000000000000", "approval_delegate_set")).toBe(200);
    const modal = await eventually(
      async () => (await slackCalls((c) => c.method === "views.open" && c.args.view?.callback_id === "approval_delegate")).at(-1),
      "the modal",
    );
    expect(text(modal.args.view)).toContain("Who decides for you");
    const bad = await submitView(
      maria,
      { callback_id: "approval_delegate" },
      { delegate: { type: "users_select", selected_user: maria }, until: { type: "datepicker", selected_date: day(3) } },
    );
    expect(bad.body).toMatchObject({ response_action: "errors", errors: { delegate: expect.stringContaining("yourself") } });
    const good = await submitView(
      maria,
      { callback_id: "approval_delegate" },
      { delegate: { type: "users_select", selected_user: bob }, until: { type: "datepicker", selected_date: day(3) } },
    );
    expect(good).toEqual({ status: 200, body: null });
    const home = await eventually(
      async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === maria && text(c.args.view).includes("End delegation"))).at(-1),
      "Maria's Home with her delegation",
    );
    expect(text(home.args.view)).toContain(`also go to <@${bob}> until ${day(3)}`);
    expect(await homeClick(maria, "req-000000000000", "approval_delegate_end")).toBe(200);
    await eventually(
      async () => (await slackCalls((c) => c.method === "views.publish" && c.args.user_id === maria && text(c.args.view).includes("has ended"))).length > 0,
      "the Home saying it ended",
    );
    expect((await slashCommand(maria, "delegate")).body.text).toContain("You have no delegation.");
  });
});

describe("an unreachable approver at level 1", () => {
  it("a delegate who cannot be DMed does not fail the request: Maria is asked, the audit and the requester say Bob was not, Maria decides", async () => {
    const [alex, maria, bob] = [await newUser(), await newUser(), await newUser()];
    expect((await delegateTo(maria, bob)).status).toBe(200);
    await injectFaults("chat.postMessage", postTo(bob), [{ error: "user_not_found" }]);
    const id = await startRequest(alex, maria, "Needs Maria");
    const told = await eventually(
      async () => (await messagesIn(dmOf(alex))).find((m) => m.text.includes("could not be reached by DM")),
      "the requester told who was not reached",
    );
    expect(told.text).toContain(`<@${bob}> could not be reached by DM about your request \`${id}\``);
    const row = await requestJson(id);
    expect(row.status).toBe("pending");
    expect(row.audit).toContainEqual(expect.objectContaining({ event: "notify-failed", actor: bob }));
    expect((await click(maria, id, "approve")).status).toBe(200);
    expect((await waitForStatus(id, "approved")).decided_by).toBe(maria);
  });
});
