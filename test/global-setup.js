// Starts the Slack stand-in and the action webhook receiver for the whole test run
// (the Worker's SLACK_API_URL and the test policy's action URLs point at them).
import { startFakeSlack } from "../standin/server.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

export default async function setup() {
  // The users the test policy names are members from the start (vitest.config.ts).
  const members = (process.env.STANDIN_MEMBERS ?? "").split(",").filter(Boolean);
  const fake = await startFakeSlack({ port: Number(process.env.FAKE_SLACK_PORT), token: "xoxb-test-token", members });
  const receiver = await startWebhookReceiver({ port: Number(process.env.WEBHOOK_RECEIVER_PORT), secret: process.env.TEST_WEBHOOK_SECRET });
  return async () => {
    await fake.close();
    await receiver.close();
  };
}
