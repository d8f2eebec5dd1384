/**
 * The name of every step, wait and sleep of the three workflows, in one place. A name is a durable
 * contract with running instances: an instance replays by name, so a renamed step runs again (a
 * second DM, a second webhook call) and a renamed wait never gets its event. Names depend only on
 * the request's own data (level, approver, poll number), never on time or chance.
 * test/unit/step-names.test.ts lists every one: change none. A change of structure (a step added
 * before a wait, removed or renamed) branches on the instance's version instead (versions.ts).
 */

/** An approver's DM, `L<level>-<user>`: part of the names of the steps that post, update or reply to it. */
export const approverRole = (level: number, user: string) => `L${level}-${user}`;

/** The step that reports an optional step's failure once (so a replay does not report it again). */
export const failedStep = (name: string) => `${name} failed`;

type LevelTag = `level ${number}`;

export const APPROVAL_STEPS = {
  recordRequest: "record request",
  /** Notes (audit, log) that an instance of a newer version runs on this code, for version `known`: a rollback. */
  noteOlderCode: (known: number) => `runs on code for version ${known}`,
  lookUpRequester: "look up requester",
  postRequest: (role: string) => `post request ${role}`,
  recordMessage: (role: string) => `record message ${role}`,
  sendReceipt: "send receipt",
  recordReceipt: "record receipt",
  refreshHomes: (tag: LevelTag | "outcome") => `refresh homes ${tag}`,
  /** Waits for the decision event: until the reminder, then for the rest of the level's time. */
  decisionWait: (level: number) => `decision-${level}`,
  decisionAfterReminderWait: (level: number) => `decision-${level}-after-reminder`,
  /** Records when a wait ends (requests.wait_until) as the wait starts. */
  startWait: (wait: string) => `start ${wait}`,
  /** After the `n`th event woke a wait: what D1 says (claimed, closed, or time left). */
  checkWake: (wait: string, n: number) => `woken ${wait} ${n}`,
  /** The rest of a wait after its `n`th wake-up found nothing to decide. */
  wokenWait: (wait: string, n: number) => `${wait} after wake ${n}`,
  remind: (role: string) => `remind ${role}`,
  recordReminder: (level: number) => `record reminder level ${level}`,
  checkClaim: (tag: LevelTag | "at expiry") => `check claim ${tag}`,
  escalate: (level: number) => `escalate to level ${level}`,
  recordUnreachable: (role: string) => `record unreachable ${role}`,
  markEscalated: (role: string, level: number) => `mark escalated ${role} at level ${level}`,
  history: (tag: `escalated ${number}` | "outcome", role: string) => `history ${tag} ${role}`,
  /**
   * Closes the request with its claim. (It replaced "record decision", which closed it with the
   * event's content: an instance that ran that step replays this one, which finds the request
   * closed with its claim and returns the same outcome.)
   */
  applyClaim: "apply claim",
  recordExpiry: "record expiry",
  updateMessage: (role: string) => `update message ${role}`,
  updateMessageActionNotStarted: (role: string) => `update message ${role} action not started`,
  updateReceipt: "update receipt",
  notifyRequester: "notify requester",
  startAction: "start action",
  recordActionNotStarted: "record action not started",
  /** Waits for the action child's result event. */
  actionResultWait: "action result",
  checkActionStatus: "check action status",
  recordFailure: "record failure",
  markFailed: (role: string) => `mark failed ${role}`,
  notifyRequesterOfFailure: "notify requester of failure",
  // ---- Issue 14: steps only instances with its params take (resolveApprovers, channel, slackFunction).
  /** One user group's members as its level starts (usergroups.users.list). */
  readGroup: (group: string, level: number) => `read group ${group} level ${level}`,
  /** A level's people, delegations and audit as it starts. */
  resolveLevel: (level: number) => `resolve level ${level}`,
  /** The requester told that a later level could not be asked (its groups unreadable or empty). */
  tellRequesterLevel: (level: number) => `tell requester level ${level}`,
  /** The approvals channel's post is updated when a level adds people. */
  updateChannel: (role: string, level: number) => `update channel ${role} at level ${level}`,
  /** Who a delegate decided for, read once the claim is applied. */
  decidedFor: "decided for",
  /** The Workflow Builder step completed (functions.completeSuccess / completeError), once. */
  completeFunction: "complete workflow step",
} as const;

export const ACTION_STEPS = {
  listMessages: "list messages",
  callWebhook: "call webhook",
  pollWait: (poll: number) => `poll wait ${poll}`,
  poll: (poll: number) => `poll ${poll}`,
  recordProgress: (poll: number) => `record progress ${poll}`,
  /** A display of the action's state: its message updates and thread replies are named after it. */
  showProgress: (poll: number) => `show progress ${poll}`,
  showOutcome: "show outcome",
  showUpdate: (display: string, role: string) => `${display} ${role}`,
  showHistory: (display: string, role: string) => `${display} history ${role}`,
  recordOutcome: "record outcome",
  reportToParent: "report to parent",
} as const;

export const MAINTENANCE_STEPS = {
  findOverdue: "find overdue requests",
  /** Asks one overdue request's instance how it is: woken if it lives, its request closed if not. */
  check: (requestId: string) => `check ${requestId}`,
  /** A request closed because its instance died: what its Slack messages should now say (closed-in-slack.ts). */
  readClosed: (requestId: string) => `read closed ${requestId}`,
  showClosed: (requestId: string, role: string) => `show closed ${requestId} ${role}`,
  tellRequester: (requestId: string) => `tell requester ${requestId}`,
  prune: "prune old records",
} as const;
